"""orders and contracts: the order API's marks on activations and rentals, skipped numbers,
prices by country

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-29 18:56:11.058742
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import simhive.db.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "number_skips",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "number_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "service_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("skipped_at", simhive.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_number_skips_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["number_id"], ["numbers.id"], name=op.f("fk_number_skips_number_id_numbers")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_number_skips_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_number_skips")),
        sa.UniqueConstraint(
            "account_id", "number_id", "service_id", name=op.f("uq_number_skips_account_id")
        ),
    )
    with op.batch_alter_table("number_skips", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_number_skips_number_id"), ["number_id"], unique=False)

    op.create_table(
        "service_prices",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "service_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_service_prices_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_prices")),
        sa.UniqueConstraint("service_id", "country", name=op.f("uq_service_prices_service_id")),
    )
    with op.batch_alter_table("activations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("api", sa.String(length=16), nullable=False, server_default="command")
        )
        batch_op.create_index(
            "uq_activations_open_order",
            ["account_id"],
            unique=True,
            sqlite_where=sa.text("status = 'reserved' AND api = 'order'"),
            postgresql_where=sa.text("status = 'reserved' AND api = 'order'"),
        )

    with op.batch_alter_table("rentals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("api", sa.String(length=16), nullable=False, server_default="command")
        )
        batch_op.add_column(sa.Column("package", sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column("renewal_package", sa.String(length=4), nullable=True))
        batch_op.create_index("ix_rentals_first", ["first_id"], unique=False)
    # Rows written before this revision came through the command API; new rows say so.
    for table in ("activations", "rentals"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("api", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("rentals", schema=None) as batch_op:
        batch_op.drop_index("ix_rentals_first")
        batch_op.drop_column("renewal_package")
        batch_op.drop_column("package")
        batch_op.drop_column("api")

    with op.batch_alter_table("activations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_activations_open_order",
            sqlite_where=sa.text("status = 'reserved' AND api = 'order'"),
            postgresql_where=sa.text("status = 'reserved' AND api = 'order'"),
        )
        batch_op.drop_column("api")

    op.drop_table("service_prices")
    with op.batch_alter_table("number_skips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_number_skips_number_id"))

    op.drop_table("number_skips")
