"""outgoing SMS (send_sms)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 17:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import simhive.db.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "outgoing_messages",
        sa.Column("id", KEY, nullable=False),
        sa.Column("account_id", KEY, nullable=False),
        sa.Column("number_id", KEY, nullable=False),
        sa.Column("mdn", sa.String(length=16), nullable=False),
        sa.Column("to", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("gateway_ref", sa.String(length=128), nullable=True),
        sa.Column("fee_cents", sa.BigInteger(), nullable=False),
        sa.Column("hold_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", simhive.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", simhive.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("failed_at", simhive.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_outgoing_messages_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["number_id"], ["numbers.id"], name=op.f("fk_outgoing_messages_number_id_numbers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_messages")),
    )
    with op.batch_alter_table("outgoing_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outgoing_messages_account", ["account_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outgoing_messages_number_id"), ["number_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outgoing_messages_to"), ["to"], unique=False)


def downgrade() -> None:
    op.drop_table("outgoing_messages")
