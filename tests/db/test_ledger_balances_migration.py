"""Migration 0015 starts each account's kept balance at the sum of the entries it has."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from simhive.core.ledger import service as ledger
from simhive.core.ledger.models import EntryKind, LedgerEntry
from simhive.db.engine import make_engine
from simhive.db.migrate import downgrade, upgrade
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from simhive.settings import Settings
from tests.fixtures import world


def database(url: str) -> Database:
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    return Database(make_engine(url), FrozenClock(), settings)


def test_balances_start_at_the_sums_of_existing_entries(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/ledger.db"
    upgrade(url, "0014")
    db = database(url)
    try:
        rich = world.customer(db, "rich", credit="0")
        poor = world.customer(db, "poor", credit="0")
        world.customer(db, "none", credit="0")
        with db.uow() as uow:  # entries as 0014's code wrote them, with no balance rows
            for account_id, cents in [(rich.id, 100_000), (poor.id, 5)] + [(rich.id, 10)] * 3:
                uow.session.execute(
                    sa.insert(LedgerEntry).values(
                        account_id=account_id,
                        amount_cents=cents,
                        kind=EntryKind.CREDIT,
                        created_at=uow.clock.now(),
                    )
                )
        upgrade(url)
        assert world.balance(db, rich) == Decimal("1000.30")
        assert world.balance(db, poor) == Decimal("0.05")
        with db.uow(write=False) as uow:
            assert ledger.unbalanced(uow) == []
        world.customer(db, "later", credit="7.00")  # written by the ledger service from here
        with db.uow(write=False) as uow:
            assert ledger.unbalanced(uow) == []
        downgrade(url, "0014")
        upgrade(url)
        assert world.balance(db, rich) == Decimal("1000.30")
    finally:
        db.engine.dispose()
