"""Migration 0006 builds the sandbox clock's table as its model describes it."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from simhive.core.tables import Base
from simhive.db.engine import make_engine
from simhive.db.migrate import downgrade, upgrade

TABLE = "sandbox_clock"


def differences(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    return [d for d in found if TABLE in repr(d)]


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


class TestSandboxClockMigration:
    def test_the_migrated_table_matches_the_model(self, database_url: str) -> None:
        assert TABLE in tables(database_url)
        assert differences(database_url) == []

    def test_downgrade_drops_it_and_upgrade_restores_it(self, tmp_path: object) -> None:
        url = f"sqlite:///{tmp_path}/migrate.db"
        upgrade(url)
        downgrade(url, "0005")
        assert TABLE not in tables(url)
        upgrade(url)
        assert differences(url) == []
