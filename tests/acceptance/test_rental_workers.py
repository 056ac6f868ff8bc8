"""Two `simhive worker` processes on one PostgreSQL renew each expiring rental exactly once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from simhive.core.catalog import service as catalog
from simhive.core.rentals import service as rentals
from simhive.core.rentals.models import Rental
from simhive.core.sandbox import service as sandbox
from simhive.db.engine import make_engine
from simhive.db.uow import Database
from simhive.kit.clock import SystemClock
from simhive.settings import Settings
from tests.fixtures import processes, world
from tests.fixtures.databases import truncate

pytestmark = pytest.mark.slow
RENTALS = 12


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Database]:
    truncate(postgres_url)
    settings = Settings(database_url=postgres_url, sandbox=True, _env_file=None)  # type: ignore[call-arg]
    database = Database(make_engine(postgres_url), SystemClock(), settings)
    yield database
    database.engine.dispose()


def renewals(db: Database) -> int:
    with db.uow(write=False) as uow:
        return int(
            uow.session.scalar(
                select(func.count()).select_from(Rental).where(Rental.previous_id.is_not(None))
            )
            or 0
        )


class TestRentalWorkers:
    def test_two_workers_renew_once(self, pg: Database, tmp_path: Path) -> None:
        with pg.uow() as uow:
            catalog.set_service(
                uow,
                catalog.ServiceSpec(
                    name="Amazon", price=Decimal("0.50"), ltr_price=Decimal("2.50")
                ),
            )
        world.numbers(pg, RENTALS)
        who = world.customer(pg, "renter", credit="100.00")
        with pg.uow() as uow:
            account = uow.session.get(world.Account, who.id)
            for _ in range(RENTALS):
                rentals.rent(
                    uow,
                    account=account,  # type: ignore[arg-type]
                    request=rentals.RentRequest(service="Amazon", autorenew=True),
                )
        env = {
            "SIMHIVE_DATABASE_URL": pg.settings.database_url,
            "SIMHIVE_SANDBOX": "1",
            "SIMHIVE_SIMULATOR_ENABLED": "0",
            "SIMHIVE_WORKER_POLL_S": "0.05",
        }
        workers = [
            processes.start(processes.worker_command(), env, tmp_path / f"worker{i}.log")
            for i in range(2)
        ]
        try:
            time.sleep(2)
            with pg.uow() as uow:
                sandbox.advance(uow, seconds=30 * 86400 + 1)
            deadline = time.monotonic() + 30
            while renewals(pg) < RENTALS and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1.5)  # room for a second renewal, were there to be one
        finally:
            for worker in workers:
                processes.stop(worker)
        logs = "".join((tmp_path / f"worker{i}.log").read_text() for i in range(2))
        assert "Traceback" not in logs, logs[-3000:]
        assert renewals(pg) == RENTALS
        with pg.uow(write=False) as uow:
            active = uow.session.scalar(
                select(func.count()).select_from(Rental).where(Rental.status == "active")
            )
        assert active == RENTALS
        assert world.balance(pg, who) == Decimal("100.00") - Decimal("2.50") * RENTALS * 2
