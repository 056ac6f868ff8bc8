"""The collector settled once a server has started: what it built is out of the way."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from simhive.kit import heap


@pytest.fixture
def restored() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored")
def test_settle_freezes_what_exists_and_makes_young_collections_rarer() -> None:
    kept = [[n] for n in range(1000)]  # lists are tracked by the collector
    gc.unfreeze()
    assert gc.get_freeze_count() == 0

    heap.settle()

    assert gc.get_freeze_count() >= len(kept)
    assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD
