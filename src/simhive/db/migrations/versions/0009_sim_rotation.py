"""SIM rotation: gateways' slots, activation requests, numbers' turns

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 18:55:30.280714
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import simhive.db.types

revision: str = "0009"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gateway_slots",
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("window_s", sa.Integer(), nullable=True),
        sa.Column("set_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", simhive.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("slots >= 1", name=op.f("ck_gateway_slots_some_slots")),
        sa.CheckConstraint(
            "window_s IS NULL OR window_s >= 60", name=op.f("ck_gateway_slots_window_length")
        ),
        sa.PrimaryKeyConstraint("gateway", name=op.f("pk_gateway_slots")),
    )
    op.create_table(
        "online_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "number_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "rental_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("lease_group", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("turn", sa.String(length=16), nullable=True),
        sa.Column("requested_at", simhive.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", simhive.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("online_until", simhive.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_online_requests_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["number_id"], ["numbers.id"], name=op.f("fk_online_requests_number_id_numbers")
        ),
        sa.ForeignKeyConstraint(
            ["rental_id"], ["rentals.id"], name=op.f("fk_online_requests_rental_id_rentals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_online_requests")),
    )
    with op.batch_alter_table("online_requests", schema=None) as batch_op:
        batch_op.create_index("ix_online_requests_number", ["number_id", "status"], unique=False)
        batch_op.create_index("ix_online_requests_rental", ["rental_id"], unique=False)

    with op.batch_alter_table("numbers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("held", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("online_until", simhive.db.types.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("queue_at", simhive.db.types.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("turn_at", simhive.db.types.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            "ix_numbers_rotation", ["gateway", "online", "queue_at"], unique=False
        )
    # A number offline before rotation existed was taken out by someone: rotation leaves it
    # alone until it is brought back online.
    numbers = sa.table("numbers", sa.column("online", sa.Boolean), sa.column("held", sa.Boolean))
    op.execute(numbers.update().where(numbers.c.online.is_(False)).values(held=True))
    with op.batch_alter_table("numbers", schema=None) as batch_op:
        batch_op.alter_column("held", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("numbers", schema=None) as batch_op:
        batch_op.drop_index("ix_numbers_rotation")
        batch_op.drop_column("turn_at")
        batch_op.drop_column("queue_at")
        batch_op.drop_column("online_until")
        batch_op.drop_column("held")

    with op.batch_alter_table("online_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_online_requests_rental")
        batch_op.drop_index("ix_online_requests_number")

    op.drop_table("online_requests")
    op.drop_table("gateway_slots")
