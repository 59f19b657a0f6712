"""The schemathesis CLI with `--checks all` over the whole API, as a client sees it: over HTTP
against a live server holding the fuzz world, configured by schemathesis.toml in the repository
root (the rules that depend on server state, per operation), with tests/fuzz_hooks.py aiming
generated ids at the world's objects. No 5xx, no response that breaks the
document (status, media type, headers, problem+json shape), every schema-valid request accepted
and every invalid one refused. The example count is small so that CI stays within minutes; a
larger run by hand is in the README."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from .fuzz_world import build_world

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = 2  # per operation and phase
TIMEOUT_S = 900
# Where the database's ids start, as if a full suite had run before (its tests count the sequences
# on): the run must not depend on the world's ids being small.
USED_IDS = 40_000


def _count_sequences_on(start: int) -> None:
    """Every table's next id at `start` or later, a different start per table so that objects of
    different kinds don't share ids."""
    sequences = sorted((entry["table"], entry["column"]) for entry in connection.introspection.sequence_list())
    with connection.cursor() as cursor:
        for offset, (table, column) in enumerate(sequences):
            next_id = start + 97 * offset
            # Never back: rows that outlive a flush (content types, system link types) keep theirs.
            cursor.execute(f"SELECT COALESCE(MAX({connection.ops.quote_name(column)}), 0) "
                           f"FROM {connection.ops.quote_name(table)}")
            next_id = max(next_id, cursor.fetchone()[0] + 1)
            if connection.vendor == "postgresql":
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, %s), %s, false)",
                               [connection.ops.quote_name(table), column, next_id])
            elif connection.vendor == "sqlite":
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                counted = cursor.fetchone()
                cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
                cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                               [table, max(next_id - 1, counted[0] if counted else 0)])


@pytest.mark.django_db(transaction=True)
def test_schemathesis_cli_finds_no_failure(live_server, settings, tmp_path):
    # One token sends every request; the rate limit is not what this run tests.
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "token": "1000000/minute", "user": "1000000/minute"}
    _count_sequences_on(USED_IDS)
    world = build_world()
    # Loaded here rather than by the CLI, whose 10 seconds for it a busy CI machine can exceed.
    document = tmp_path / "openapi.json"
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200, response.content
    document.write_bytes(response.content)
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(ROOT / "schemathesis.toml"),
        "--no-color", "run", str(document), "--url", live_server.url, "--checks", "all",
        "--max-examples", str(EXAMPLES),
        # One worker: the live server runs in this process on the test database.
        "--workers", "1", "-H", f"Authorization: Bearer {world.token}",
        # Revoking a token could revoke the one the run authenticates with.
        "--exclude-path", "/api/v1/auth/tokens/{token_id}",
        "--report", "junit,json", "--report-dir", str(tmp_path),
    ]
    # The hooks aim generated ids at the world's objects (tests/fuzz_hooks.py).
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzz_hooks", "FUZZ_WORLD": world.to_json(),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    summary = done.stdout[done.stdout.find("SUMMARY"):] if "SUMMARY" in done.stdout else done.stdout[-3000:]
    assert done.returncode == 0, f"{done.stdout[-20000:]}\n{done.stderr[-3000:]}"
    print(summary)
    assert "Tested: " in summary, summary
    # Every warning the CLI can give (no data reached an operation, valid data mostly refused,
    # auth, rate limits, …) by the operations it names, from its JSON report.
    (report,) = tmp_path.glob("json-*.json")
    warnings = {kind: labels for kind, labels in json.loads(report.read_text())["warnings"].items() if labels}
    assert warnings == {}, summary
