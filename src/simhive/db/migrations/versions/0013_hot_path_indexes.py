"""hot path indexes: free numbers in hand-out order, pending and claimed events

numbers.freed_at becomes required: a number never leased has been free since it was added.
On PostgreSQL, a transaction that inserts events notifies `simhive_outbox` when it
commits, so workers in other processes wake at once.

Revision ID: 0013
Revises: 0008
Create Date: 2026-11-29 19:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import simhive.db.types

revision: str = "0013"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING_ONLY = "status = 'pending'"
HELD_ONLY = "status = 'pending' AND claimed_until IS NOT NULL"
TOKEN_SET = "claim_token IS NOT NULL"


def _free_where(dialect: str) -> str:
    return "lease_group IS NULL AND online IS " + ("1" if dialect == "sqlite" else "true")


NOTIFY_FUNCTION = """
CREATE FUNCTION simhive_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('simhive_outbox', '');
    RETURN NULL;
END
$$
"""
NOTIFY_TRIGGER = """
CREATE TRIGGER events_notify AFTER INSERT ON events
FOR EACH STATEMENT EXECUTE FUNCTION simhive_outbox_notify()
"""


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(NOTIFY_FUNCTION)
        op.execute(NOTIFY_TRIGGER)
    op.execute("UPDATE numbers SET freed_at = created_at WHERE freed_at IS NULL")
    with op.batch_alter_table("numbers") as batch_op:
        batch_op.drop_index("ix_numbers_free")
        batch_op.alter_column(
            "freed_at", existing_type=simhive.db.types.UtcDateTime(), nullable=False
        )
    op.create_index(
        "ix_numbers_free",
        "numbers",
        ["freed_at", "id"],
        sqlite_where=sa.text(_free_where(dialect)),
        postgresql_where=sa.text(_free_where(dialect)),
    )
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_index("ix_events_due")
    op.create_index(
        "ix_events_pending",
        "events",
        ["next_attempt_at", "id"],
        sqlite_where=sa.text(PENDING_ONLY),
        postgresql_where=sa.text(PENDING_ONLY),
    )
    op.create_index(
        "ix_events_claimed",
        "events",
        ["account_id", "claimed_until"],
        sqlite_where=sa.text(HELD_ONLY),
        postgresql_where=sa.text(HELD_ONLY),
    )
    op.create_index(
        "ix_events_claim_token",
        "events",
        ["claim_token"],
        sqlite_where=sa.text(TOKEN_SET),
        postgresql_where=sa.text(TOKEN_SET),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER events_notify ON events")
        op.execute("DROP FUNCTION simhive_outbox_notify()")
    op.drop_index("ix_events_claim_token", table_name="events")
    op.drop_index("ix_events_claimed", table_name="events")
    op.drop_index("ix_events_pending", table_name="events")
    op.create_index("ix_events_due", "events", ["status", "next_attempt_at"])
    op.drop_index("ix_numbers_free", table_name="numbers")
    with op.batch_alter_table("numbers") as batch_op:
        batch_op.alter_column(
            "freed_at", existing_type=simhive.db.types.UtcDateTime(), nullable=True
        )
        batch_op.create_index("ix_numbers_free", ["online", "lease_group"])
