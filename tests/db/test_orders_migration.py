"""Migration 0010 builds the order API's schema as the models describe it, and undoes it."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from simhive.core.tables import Base
from simhive.db.engine import make_engine
from simhive.db.migrate import alembic_config, downgrade, upgrade

REVISION = "0010"
NEW_TABLES = {"number_skips", "service_prices"}
CHANGED = ("activations", "rentals", *NEW_TABLES)


def differences(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    return [d for d in found if any(t in repr(d) for t in CHANGED)]


def before(url: str) -> str:
    """The revision 0010 follows (whichever the history chains it after)."""
    script = ScriptDirectory.from_config(alembic_config(url))
    previous = script.get_revision(REVISION).down_revision
    assert isinstance(previous, str)
    return previous


def inspect(url: str) -> sa.Inspector:
    return sa.inspect(make_engine(url))


class TestOrdersMigration:
    def test_the_migrated_schema_matches_the_models(self, database_url: str) -> None:
        assert set(inspect(database_url).get_table_names()) >= NEW_TABLES
        assert differences(database_url) == []

    def test_rows_from_before_came_through_the_command_api(self, tmp_path: object) -> None:
        url = f"sqlite:///{tmp_path}/migrate.db"
        upgrade(url, before(url))
        engine = make_engine(url)
        now = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO accounts (username, email, password_hash, role, active, "
                "webhook_secret, status_shape, created_at) "
                "VALUES ('a', 'a@x.io', 'h', 'customer', 1, 's', 'array', ?)",
                (now,),
            )
            conn.exec_driver_sql(
                "INSERT INTO services (name, name_key, price_cents, ltr_price_cents, "
                "ltr_short_price_cents, sender_patterns, text_patterns, active) "
                "VALUES ('Google', 'google', 100, 0, 0, '', '', 1)"
            )
            conn.exec_driver_sql(
                "INSERT INTO activations (account_id, service_id, group_id, status, markup, "
                "price_cents, want_area_code, want_state, created_at, expires_at) "
                "VALUES (1, 1, 7, 'completed', 0, 100, '', '', ?, ?)",
                (now, now),
            )
            conn.exec_driver_sql(
                "INSERT INTO rentals (account_id, service_id, lease_group, status, days, "
                "price_cents, autorenew, want_area_code, want_state, created_at) "
                "VALUES (1, 1, 8, 'expired', 30, 2000, 0, '', '', ?)",
                (now,),
            )
        engine.dispose()
        upgrade(url)
        engine = make_engine(url)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT api FROM activations").scalar() == "command"
            row = conn.exec_driver_sql("SELECT api, package, renewal_package FROM rentals").one()
        engine.dispose()
        assert tuple(row) == ("command", None, None)

    def test_downgrade_undoes_it_and_upgrade_restores_it(self, tmp_path: object) -> None:
        url = f"sqlite:///{tmp_path}/migrate.db"
        upgrade(url)
        downgrade(url, before(url))
        found = inspect(url)
        assert not NEW_TABLES & set(found.get_table_names())
        assert "api" not in {c["name"] for c in found.get_columns("activations")}
        upgrade(url)
        assert differences(url) == []
