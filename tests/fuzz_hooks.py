"""schemathesis hooks for the CLI run (tests/test_api_fuzz_cli.py names this module in
SCHEMATHESIS_HOOKS and passes the world in FUZZ_WORLD): every request is aimed at the fuzz
world's objects the way the in-suite test aims its cases, so that generated ids reach real
objects instead of 404s."""

from __future__ import annotations

import os

import schemathesis

from tests.fuzz_aim import FuzzWorld, aim_at_world

WORLD = FuzzWorld.from_json(os.environ["FUZZ_WORLD"])


@schemathesis.hook
def before_call(context, case, kwargs):
    # The stateful phase's ids come from the responses its links follow.
    if case.meta is not None and case.meta.phase.name == "stateful":
        return
    aim_at_world(case, WORLD)
