"""What a server process does once its start-up is over, before it serves requests."""

import gc

# Second-generation collections between two full ones (CPython's default: 10).
FULL_COLLECTION_EVERY = 100


def freeze_startup_objects() -> None:
    """Moves every object start-up made out of the garbage collector's sight: its full
    collections had walked them all, ~15 % of a 1,000-row list request (measured in process).

    Frozen objects no longer count as long-lived, and CPython (3.11) runs a full collection once
    long-lived objects grew by a quarter: with none counted, every 10th second-generation
    collection became a full one, walking whatever a large request holds again and again (the
    links tree of 10,000 nodes in bench/tree_bench.py: 115-133 ms unfrozen, 191-264 ms frozen).
    Full collections at a tenth of that rate brought it back to 111-175 ms."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)
