"""Migration 0009 builds SIM rotation's tables and columns as the models describe them."""

from __future__ import annotations

import sqlalchemy as sa

from simhive.db.migrate import downgrade, upgrade
from tests.db.test_sandbox_migration import differences as sandbox_differences

TABLES = ("gateway_slots", "online_requests")
COLUMNS = ("held", "online_until", "queue_at", "turn_at")


def differences(url: str) -> list[object]:
    """What the migrated schema lacks or has beyond the models, for rotation's tables."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from simhive.core.tables import Base
    from simhive.db.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    names = (*TABLES, *COLUMNS, "ix_numbers_rotation")
    return [d for d in found if any(name in repr(d) for name in names)]


def held(url: str) -> dict[str, bool]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT mdn, held FROM numbers ORDER BY mdn")).all()
        return {mdn: bool(h) for mdn, h in rows}
    finally:
        engine.dispose()


class TestRotationMigration:
    def test_the_migrated_schema_matches_the_models(self, database_url: str) -> None:
        assert differences(database_url) == []
        assert sandbox_differences(database_url) == []

    def test_numbers_offline_before_it_are_held(self, tmp_path: object) -> None:
        url = f"sqlite:///{tmp_path}/migrate.db"
        upgrade(url, "0008")
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            for mdn, online in (("12125550100", 1), ("12125550101", 0)):
                conn.execute(
                    sa.text(
                        "INSERT INTO numbers (mdn, country, carrier, state, area_code, gateway, "
                        "online, short_rentals, created_at) VALUES (:mdn, 'US', '', 'NY', '212', "
                        "'bank', :online, 1, '2026-01-01 00:00:00')"
                    ),
                    {"mdn": mdn, "online": online},
                )
        engine.dispose()
        upgrade(url)
        assert held(url) == {"12125550100": False, "12125550101": True}
        downgrade(url, "0008")
        upgrade(url)
        assert differences(url) == []
