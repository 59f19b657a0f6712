"""cProfile of in-process GET /api/v1/assets requests of bench/list_bench.py's cases, on the data a
`list_bench.py --keep` run left (same --assets), for its wide and narrow users: where the Python
of a list request goes, beside the time of each of its SQL queries.

    python bench/list_bench.py --assets 1000000 --keep     # once, builds the data
    python bench/profile_list.py --assets 1000000 --case "cf filter plate=P-17, limit=100" --user wide
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import time

from _measure import api_client, captured
from _setup import setup
from list_bench import CASES, build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=1_000_000)
    parser.add_argument("--case", default=CASES[0][0], choices=[name for name, _ in CASES])
    parser.add_argument("--user", default="narrow", choices=["wide", "narrow"])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    args = parser.parse_args()
    setup(migrate=False)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    *_, wide, narrow, reused = build(args.assets)
    if not reused:
        raise SystemExit("no kept data of that size: run bench/list_bench.py --keep first")
    client = api_client(wide if args.user == "wide" else narrow)
    params = dict(CASES)[args.case]
    if params is None:
        first = client.get("/api/v1/assets", {"limit": 100}).json()
        params = {"limit": 100, "cursor": first["page_info"]["end_cursor"]}
    response, _ = captured(lambda: client.get("/api/v1/assets", params))
    gc.freeze()  # as config.wsgi does in a server process
    assert response.status_code == 200, response.content[:300]
    for _ in range(20):
        client.get("/api/v1/assets", params)
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/assets", params)
    started = time.perf_counter()
    for _ in range(args.requests):
        client.get("/api/v1/assets", params)
    plain = (time.perf_counter() - started) * 1000 / args.requests
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.requests):
        client.get("/api/v1/assets", params)
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())
    print(f"user {args.user}  {args.case}: {plain:.2f} ms/request without the profiler")
    for query in queries.captured_queries:
        print(f"  {float(query['time']) * 1000:7.2f} ms  {query['sql'][:110]}")


if __name__ == "__main__":
    main()
