"""long-term rentals

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 17:23:30.065716
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import simhive.db.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rentals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "service_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("number_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("first_id", sa.BigInteger(), nullable=True),
        sa.Column("previous_id", sa.BigInteger(), nullable=True),
        sa.Column("lease_group", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("autorenew", sa.Boolean(), nullable=False),
        sa.Column("want_area_code", sa.String(length=3), nullable=False),
        sa.Column("want_state", sa.String(length=2), nullable=False),
        sa.Column("forward_to", sa.String(length=16), nullable=True),
        sa.Column("created_at", simhive.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("starts_at", simhive.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", simhive.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", simhive.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_rentals_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["number_id"], ["numbers.id"], name=op.f("fk_rentals_number_id_numbers")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_rentals_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rentals")),
    )
    with op.batch_alter_table("rentals", schema=None) as batch_op:
        batch_op.create_index("ix_rentals_account", ["account_id", "created_at"], unique=False)
        batch_op.create_index("ix_rentals_due", ["status", "expires_at"], unique=False)
        batch_op.create_index("ix_rentals_number", ["number_id", "status"], unique=False)

    op.create_table(
        "rental_reports",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "rental_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("number_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("refund_cents", sa.BigInteger(), nullable=False),
        sa.Column("resolved_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", simhive.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", simhive.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_rental_reports_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["number_id"], ["numbers.id"], name=op.f("fk_rental_reports_number_id_numbers")
        ),
        sa.ForeignKeyConstraint(
            ["rental_id"], ["rentals.id"], name=op.f("fk_rental_reports_rental_id_rentals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rental_reports")),
    )
    with op.batch_alter_table("rental_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rental_reports_rental_id"), ["rental_id"], unique=False
        )
        batch_op.create_index("ix_rental_reports_status", ["status", "created_at"], unique=False)

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "rental_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.create_index("ix_messages_rental", ["rental_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_messages_rental_id_rentals"), "rentals", ["rental_id"], ["id"]
        )

    with op.batch_alter_table("numbers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("short_rentals", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("numbers", schema=None) as batch_op:
        batch_op.alter_column("short_rentals", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("numbers", schema=None) as batch_op:
        batch_op.drop_column("short_rentals")

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_messages_rental_id_rentals"), type_="foreignkey")
        batch_op.drop_index("ix_messages_rental")
        batch_op.drop_column("rental_id")

    with op.batch_alter_table("rental_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_rental_reports_status")
        batch_op.drop_index(batch_op.f("ix_rental_reports_rental_id"))

    op.drop_table("rental_reports")
    with op.batch_alter_table("rentals", schema=None) as batch_op:
        batch_op.drop_index("ix_rentals_number")
        batch_op.drop_index("ix_rentals_due")
        batch_op.drop_index("ix_rentals_account")

    op.drop_table("rentals")
