"""A real local webhook receiver: an http.server in a thread that records every POST."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, statuses: list[int] | None = None, *, hang_s: float = 0.0):
        # Answers in order, then 200 for ever; hang_s > 0: never answer in time.
        self.statuses = list(statuses or [])
        self.hang_s = hang_s
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.requests.append({"headers": dict(self.headers), "body": body, "path": self.path})
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                if receiver.hang_s:
                    time.sleep(receiver.hang_s)
                    return
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
