"""The sandbox clock on the database: advances add up, only forward, seen by every clock."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from simhive.core.accounts.models import Account
from simhive.core.activations import service as activations
from simhive.core.activations.models import Activation, ActivationStatus
from simhive.core.errors import Conflict, InvalidParameter
from simhive.core.sandbox import service as sandbox
from simhive.core.sandbox.models import ClockOffset
from simhive.core.sandbox.reader import OffsetReader, sandbox_clock
from simhive.db.engine import make_engine
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock, SandboxClock, SystemClock
from simhive.operations import clock as ops
from simhive.settings import Settings
from simhive.worker.runner import Worker
from tests.fixtures import world


@pytest.fixture
def sandboxed(settings: Settings) -> Iterator[Database]:
    """A Database in sandbox mode on the test database (on a frozen wall clock)."""
    config = settings.model_copy(update={"sandbox": True})
    database = Database(make_engine(config.database_url), FrozenClock(), config)
    yield database
    database.engine.dispose()


@pytest.fixture
def clocks(settings: Settings) -> Iterator[Callable[..., SandboxClock]]:
    """Sandbox clocks as other processes build them: each reads the database on its own."""
    readers: list[OffsetReader] = []

    def build(refresh_s: float = 3600) -> SandboxClock:
        reader = OffsetReader(settings.database_url)
        readers.append(reader)
        return SandboxClock(reader, refresh_s=refresh_s)

    yield build
    for reader in readers:
        reader.close()


def advance(db: Database, seconds: int) -> int:
    with db.uow() as uow:
        return sandbox.advance(uow, seconds=seconds)


def offset(db: Database) -> int:
    with db.uow(write=False) as uow:
        return sandbox.read_offset(uow)


def wait_until(predicate: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


class TestAdvance:
    def test_advances_add_up(self, sandboxed: Database) -> None:
        assert offset(sandboxed) == 0
        assert advance(sandboxed, 90) == 90
        assert advance(sandboxed, 2700) == 2790
        assert offset(sandboxed) == 2790

    def test_refused_outside_sandbox_mode(self, db: Database) -> None:
        with pytest.raises(Conflict, match="needs SIMHIVE_SANDBOX=1"):
            advance(db, 60)
        with pytest.raises(Conflict, match="needs SIMHIVE_SANDBOX=1"):
            ops.show_clock(db)
        assert offset(db) == 0

    @pytest.mark.parametrize(
        ("seconds", "words"),
        [(0, "only moves forward"), (-60, "only moves forward"), (366 * 86400 + 1, "at most 366d")],
    )
    def test_refuses_zero_backwards_and_more_than_a_year(
        self, sandboxed: Database, seconds: int, words: str
    ) -> None:
        advance(sandboxed, 60)
        with pytest.raises(InvalidParameter, match=words):
            advance(sandboxed, seconds)
        assert offset(sandboxed) == 60

    def test_a_year_at_a_time_up_to_a_century(self, sandboxed: Database) -> None:
        with sandboxed.uow() as uow:
            uow.session.add(ClockOffset(id=1, offset_s=sandbox.MAX_OFFSET_S - 366 * 86400))
        assert advance(sandboxed, 366 * 86400) == sandbox.MAX_OFFSET_S
        with pytest.raises(InvalidParameter, match="at most 36600d ahead"):
            advance(sandboxed, 1)
        assert offset(sandboxed) == sandbox.MAX_OFFSET_S

    def test_advances_at_once_all_count(self, sandboxed: Database) -> None:
        start = threading.Barrier(8)
        failures: list[BaseException] = []

        def advance_five() -> None:
            start.wait()
            try:
                for _ in range(5):
                    advance(sandboxed, 1)
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=advance_five) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        assert offset(sandboxed) == 40


class TestOperations:
    def test_show_and_advance_by_a_written_duration(self, sandboxed: Database) -> None:
        wall = sandboxed.clock.now()
        shown = ops.advance_clock(sandboxed, by="1h30m")
        assert (shown.offset_s, shown.wall, shown.now) == (5400, wall, wall + timedelta(hours=1.5))
        assert ops.show_clock(sandboxed) == shown

    @pytest.mark.parametrize("by", ["", "soon", "-3d", "0s", "400d"])
    def test_a_bad_duration_changes_nothing(self, sandboxed: Database, by: str) -> None:
        with pytest.raises(InvalidParameter):
            ops.advance_clock(sandboxed, by=by)
        assert offset(sandboxed) == 0


class TestClocksOnOneDatabase:
    def test_another_clock_follows_an_advance_within_its_refresh(
        self, sandboxed: Database, clocks: Callable[..., SandboxClock]
    ) -> None:
        other = clocks(refresh_s=0.05)
        assert other.offset_s == 0
        ops.advance_clock(sandboxed, by="3d")
        # Only asking the time makes the clock look again, as on a server's hot path.
        wait_until(lambda: other.now() - SystemClock().now() > timedelta(days=3, minutes=-1))
        assert other.offset_s == 3 * 86400

    def test_a_clock_reads_while_a_writer_holds_the_database(
        self,
        sandboxed: Database,
        clocks: Callable[..., SandboxClock],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        # Clocks are asked the time inside write transactions: on SQLite the writer holds the
        # only write lock, which a reader that began its own write transaction would wait for.
        other = clocks()
        advance(sandboxed, 30)
        with caplog.at_level(logging.WARNING, logger="simhive.kit.clock"):
            with sandboxed.uow() as uow:
                sandbox.advance(uow, seconds=60)
                other.refresh()
                assert other.offset_s == 30  # what was committed, read at once
            other.refresh()
        assert other.offset_s == 90
        assert not [r for r in caplog.records if "could not be read" in r.getMessage()]

    def test_a_clock_in_the_advancing_process_moves_at_once(
        self, settings: Settings, clocks: Callable[..., SandboxClock]
    ) -> None:
        config = settings.model_copy(update={"sandbox": True})
        here = clocks()
        db = Database(make_engine(config.database_url), here, config)
        try:
            ops.advance_clock(db, by="2h")
            assert here.offset_s == 7200
        finally:
            db.engine.dispose()


class TestTimersOnTheSandboxClock:
    def test_a_reserved_request_times_out_after_the_clock_passes_its_lifetime(
        self, settings: Settings
    ) -> None:
        config = settings.model_copy(update={"sandbox": True})
        db = Database(make_engine(config.database_url), sandbox_clock(config.database_url), config)
        try:
            world.service(db, "Google", "1.00")
            world.numbers(db, 1)
            alice = world.customer(db, "alice", credit="10.00")
            with db.uow() as uow:
                account = uow.session.get(Account, alice.id)
                assert account is not None
                (created,) = activations.request_number(
                    uow, account=account, request=activations.NumberRequest(services=("Google",))
                )
                request_id = created.id
            assert world.available(db, alice) == Decimal("9.00")
            worker = Worker(db)
            ops.advance_clock(db, by="14m")
            assert worker.run_pending().expired == 0
            ops.advance_clock(db, by="61s")
            assert worker.run_pending().expired == 1
            with db.uow(write=False) as uow:
                status = uow.session.scalar(
                    select(Activation.status).where(Activation.id == request_id)
                )
            assert status == ActivationStatus.TIMED_OUT
            assert world.available(db, alice) == Decimal("10.00")
        finally:
            db.engine.dispose()
