"""The unit of work: one use case, one transaction; the edge commits."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from sqlalchemy import Connection, CursorResult, Engine, Executable, text
from sqlalchemy.orm import Session, sessionmaker

from simhive.db import direct
from simhive.db.engine import sqlite_begin
from simhive.kit.clock import Clock

if TYPE_CHECKING:
    from simhive.settings import Settings

log = logging.getLogger(__name__)


def run_core(
    session: Session,
    statement: Executable,
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
) -> CursorResult[Any]:
    """Run a Core statement on the session's connection, outside the ORM.

    Changes pending in the session are flushed first, as `session.execute` would, so
    writes keep their order.
    """
    session.flush()
    return direct.run(session.connection(), statement, params)  # type: ignore[no-any-return]


@dataclass
class UnitOfWork:
    """What a core service function works with: a session, the clock and the settings."""

    session: Session
    clock: Clock
    settings: Settings
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    # Run in order as the last statements of the transaction, just before it commits.
    before_commit: list[Callable[[], None]] = field(default_factory=list)
    # Called after commit when the transaction wrote outbox events (wakes a local worker).
    outbox_hook: Callable[[], None] | None = None
    # A worker in this process that takes new events straight after the commit, claimed
    # as they are written (`core.events.service.Handoff`), so it need not claim them.
    outbox_handoff: Any = None

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def run(
        self,
        statement: Executable,
        params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    ) -> CursorResult[Any]:
        """Run a Core statement built once with bind parameters, outside the ORM.

        For the hot paths: building a statement and the ORM's handling of it cost more
        CPU than the round trip (see `run_core`).
        """
        return run_core(self.session, statement, params)

    def last_in_transaction(self, hook: Callable[[], None]) -> None:
        """Run `hook` once, just before the transaction commits, after all else in it.

        For writes to rows many transactions contend for (an account's balance): their
        row locks are then held only for the commit, while the transaction waits on
        nothing else, so they cannot close a cycle of waits with other locks.
        """
        if hook not in self.before_commit:
            self.before_commit.append(hook)

    def on_commit(self, hook: Callable[[], None]) -> None:
        """Run `hook` once the transaction has committed (never inside it)."""
        if hook not in self.after_commit:
            self.after_commit.append(hook)

    def outbox_written(self) -> None:
        """Note that this transaction queued events, so a local worker wakes after commit."""
        if self.outbox_hook is not None:
            self.on_commit(self.outbox_hook)


class Database:
    """An engine plus a session factory; hands out units of work."""

    def __init__(self, engine: Engine, clock: Clock, settings: Settings) -> None:
        self.engine = engine
        self.clock = clock
        self.settings = settings
        self._sessions = sessionmaker(engine, expire_on_commit=False, autoflush=True)
        self.outbox_hook: Callable[[], None] | None = None
        self.outbox_handoff: Any = None
        # SQLite has one writer at a time, and a writer that finds the lock taken
        # sleeps and polls (busy_timeout). Queueing this process's writers on a mutex
        # first hands the lock over at once, in order.
        self._writer = threading.Lock() if engine.dialect.name == "sqlite" else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A plain connection for one read-only statement on a hot path (no ORM session)."""
        token = sqlite_begin.set("")
        try:
            with self.engine.connect() as conn:
                yield conn
        finally:
            sqlite_begin.reset(token)

    def analyze(self, *tables: str) -> None:
        """Refresh the planner's statistics of tables after a bulk change.

        The hand-out query picks its plan from them: with a table's statistics from before
        an import of thousands of numbers, PostgreSQL sorted every free number on each
        request (25 ms) instead of walking the index to the first (0.1 ms), until
        autovacuum came by a minute or more later.
        """
        quote = self.engine.dialect.identifier_preparer.quote
        with self.uow() as uow:
            for table in tables:
                uow.session.execute(text(f"ANALYZE {quote(table)}"))

    @contextmanager
    def uow(self, *, write: bool = True) -> Iterator[UnitOfWork]:
        """Open a transaction; commit when the block ends cleanly, roll back otherwise."""
        token = sqlite_begin.set("BEGIN IMMEDIATE" if write else "BEGIN")
        serial = self._writer if write else None
        if serial is not None:
            serial.acquire()
        session = self._sessions()
        uow = UnitOfWork(
            session=session,
            clock=self.clock,
            settings=self.settings,
            outbox_hook=self.outbox_hook,
            outbox_handoff=self.outbox_handoff,
        )
        try:
            yield uow
            for last in uow.before_commit:
                last()
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            sqlite_begin.reset(token)
            if serial is not None:
                serial.release()
        # The transaction is committed: a hook that fails (a wake-up, a hand-off to a
        # worker that is stopping) is logged, and never makes the caller believe its
        # work was lost, nor stops the hooks after it (a gateway would post the SMS
        # again; routing would store it a second time).
        for hook in uow.after_commit:
            try:
                hook()
            except Exception:
                log.exception("a hook after a commit failed; the commit stands")


P = ParamSpec("P")
R = TypeVar("R")

# Database work runs on a few threads, not on anyio's 40: more threads than
# connections only queue on the pool and fight over the GIL.
_executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="db")


async def to_thread(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run blocking database work off the event loop, keeping context variables."""
    context = contextvars.copy_context()
    call = functools.partial(context.run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_executor, call)
