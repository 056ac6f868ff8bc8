"""A worker whose passes fail (the database is away) logs the change once and backs off."""

from __future__ import annotations

import logging
import time

import pytest

from simhive.db.uow import Database
from simhive.worker.runner import Worker
from tests.worker.test_stranded_messages import table_gone


class TestOutage:
    def test_logs_once_per_state_change_and_backs_off(
        self, db: Database, caplog: pytest.LogCaptureFixture
    ) -> None:
        db.settings = db.settings.model_copy(update={"worker_poll_s": 0.01})
        worker = Worker(db)
        passes = 0
        original = worker.run_pending

        def counted(*, wait: bool = True):  # type: ignore[no-untyped-def]
            nonlocal passes
            passes += 1
            return original(wait=wait)

        worker.run_pending = counted  # type: ignore[method-assign]
        caplog.set_level(logging.INFO, logger="simhive.worker.runner")
        with table_gone(db, "events"):
            worker.start()
            time.sleep(2.0)
            failing = [r for r in caplog.records if r.levelno >= logging.ERROR]
            attempts_while_down = passes
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and not any(
            "succeed again" in r.getMessage() for r in caplog.records
        ):
            time.sleep(0.05)
        worker.stop()
        assert len(failing) == 1
        # At 0.01 s a pass, 2 s would be ~200 passes; backing off it is a handful.
        assert attempts_while_down <= 6
        assert [r.getMessage() for r in caplog.records if "succeed again" in r.getMessage()]
