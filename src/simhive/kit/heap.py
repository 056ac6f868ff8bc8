"""The garbage collector tuned for a long-running server process.

A server imports and builds a few hundred thousand long-lived objects (modules, the
ORM's mappers, compiled statements) before it serves anything. Left in the collector's
oldest generation, each full collection walks all of them again: on the project's
machine that was a pause of up to 96 ms, twice a second under load, and it set the p99
of every endpoint (BENCHMARKS.md). Freezing them once startup is done leaves full
collections only the objects made since; a larger first generation makes the young
collections rarer.
"""

from __future__ import annotations

import gc

# Young collections every 10,000 net allocations instead of 700.
YOUNG_THRESHOLD = 10_000


def settle() -> None:
    """Call once a process has built what it keeps for its lifetime, before it serves."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
