"""routing retries kept in the database

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 16:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import simhive.db.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("route_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("next_route_at", simhive.db.types.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index("ix_messages_route_due", ["status", "next_route_at"], unique=False)
    # Messages waiting for a retry are due at once.
    op.execute("UPDATE messages SET next_route_at = stored_at WHERE status = 'received'")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.alter_column("route_attempts", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_route_due")
        batch_op.drop_column("next_route_at")
        batch_op.drop_column("route_attempts")
