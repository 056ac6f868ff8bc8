"""fraud guard (block list, attempt counters) and the REST inbound URL

Revision ID: 0012
Revises: 0008
Create Date: 2026-11-29 18:54:32.401099
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import simhive.db.types

revision: str = "0012"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fraud_blocks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("prefix", sa.String(length=15), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", simhive.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fraud_blocks")),
        sa.UniqueConstraint("prefix", name=op.f("uq_fraud_blocks_prefix")),
    )
    op.create_table(
        "fraud_counters",
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("bucket", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "account_id", "kind", "key", "bucket", name=op.f("pk_fraud_counters")
        ),
    )
    with op.batch_alter_table("fraud_counters", schema=None) as batch_op:
        batch_op.create_index("ix_fraud_counters_bucket", ["bucket"], unique=False)

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inbound_url", sa.String(length=2048), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("inbound_url")

    with op.batch_alter_table("fraud_counters", schema=None) as batch_op:
        batch_op.drop_index("ix_fraud_counters_bucket")

    op.drop_table("fraud_counters")
    op.drop_table("fraud_blocks")
