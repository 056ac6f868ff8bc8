"""Wake-ups across processes on PostgreSQL: LISTEN for the outbox's NOTIFY.

The `events` table notifies the channel `simhive_outbox` whenever a transaction that
inserted events commits (a statement trigger, migration 0013), whoever the writer is:
an API process, the CLI, another worker. A worker listens on a connection of its own
and runs at once instead of at its next poll. The poll stays: a notification lost
while the connection was down only delays delivery to the next poll.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

OUTBOX_CHANNEL = "simhive_outbox"


class Listener:
    """A thread that calls `wake` on every notification of `channel` until `stop`.

    With `ignore`, notifications sent from those server processes are skipped: a worker
    that its own process wakes after each commit (`Database.outbox_hook`) would
    otherwise be woken twice for each of them, and claim a second time for nothing.
    """

    def __init__(
        self,
        engine: Engine,
        wake: Callable[[], None],
        *,
        channel: str,
        ignore: Callable[[], Collection[int]] | None = None,
    ) -> None:
        self._url = make_url(engine.url).set(drivername="postgresql")
        self._wake = wake
        self._channel = channel
        self._ignore = ignore
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="simhive-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg

        pause = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._url.render_as_string(hide_password=False), autocommit=True
                ) as conn:
                    conn.execute(f"LISTEN {self._channel}")
                    pause = 0.5
                    # Whatever was queued while not listening is picked up by this wake.
                    self._wake()
                    while not self._stop.is_set():
                        for notice in conn.notifies(timeout=1.0, stop_after=1):
                            if self._ignore is None or notice.pid not in self._ignore():
                                self._wake()
            except Exception as exc:
                if self._stop.is_set():
                    return
                log.warning("listening for outbox notices failed (%s); polling meanwhile", exc)
                self._stop.wait(pause)
                pause = min(pause * 2, 30.0)
