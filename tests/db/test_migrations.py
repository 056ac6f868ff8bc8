"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from simhive.core.tables import Base
from simhive.db.engine import make_engine


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_free_numbers_are_taken_through_their_index(database_url: str) -> None:
    """Taking a number reads the partial index in hand-out order, never sorts the pool."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SET enable_seqscan = off")
                conn.exec_driver_sql("SET enable_sort = off")
            plan = "\n".join(
                str(row[-1])
                for row in conn.execute(
                    sa.text(
                        ("EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN ")
                        + "SELECT id FROM numbers WHERE lease_group IS NULL AND online IS "
                        + ("1" if engine.dialect.name == "sqlite" else "true")
                        + " ORDER BY freed_at, id LIMIT 1"
                    )
                )
            )
    finally:
        engine.dispose()
    assert "ix_numbers_free" in plan
    assert "Sort" not in plan and "TEMP B-TREE" not in plan
