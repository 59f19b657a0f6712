"""The schemathesis CLI with `--checks all` over the whole API, as a client sees it: over HTTP
against a live server holding the fuzz world, configured by schemathesis.toml in the repository
root (the rules that depend on server state, per operation), with tests/fuzz_hooks.py aiming
generated ids at the world's objects. No 5xx, no response that breaks the
document (status, media type, headers, problem+json shape), every schema-valid request accepted
and every invalid one refused. The example count is small so that CI stays within minutes; a
larger run by hand is in the README."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .fuzz_world import build_world

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = 2  # per operation and phase
TIMEOUT_S = 900


@pytest.mark.django_db(transaction=True)
def test_schemathesis_cli_finds_no_failure(live_server, settings, tmp_path):
    # One token sends every request; the rate limit is not what this run tests.
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "token": "1000000/minute", "user": "1000000/minute"}
    world = build_world()
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(ROOT / "schemathesis.toml"),
        "--no-color", "run", f"{live_server.url}/api/v1/openapi.json", "--checks", "all",
        "--max-examples", str(EXAMPLES),
        # One worker: the live server runs in this process on the test database.
        "--workers", "1", "-H", f"Authorization: Bearer {world.token}",
        # Revoking a token could revoke the one the run authenticates with.
        "--exclude-path", "/api/v1/auth/tokens/{token_id}",
        "--report", "junit", "--report-dir", str(tmp_path),
    ]
    # The hooks aim generated ids at the world's objects (tests/fuzz_hooks.py).
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzz_hooks", "FUZZ_WORLD": world.to_json(),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    summary = done.stdout[done.stdout.find("SUMMARY"):] if "SUMMARY" in done.stdout else done.stdout[-3000:]
    assert done.returncode == 0, f"{done.stdout[-20000:]}\n{done.stderr[-3000:]}"
    print(summary)
    assert "Tested: " in summary, summary
    # The CLI's warnings ("Missing test data": mostly 404s; "Schema validation mismatch": mostly
    # 400s) are printed, not asserted: run on its own with the hooks it reports none, but in a
    # full-suite run the world's ids differ and a few operations still see mostly 404s or 400s.
