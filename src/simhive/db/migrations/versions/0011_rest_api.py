"""REST API: access tokens, sender ids, policies, product requests, verifications, calls,
rate counters; outgoing SMS for requests, with parts and delivery reports

Revision ID: 0011
Revises: 0008
Create Date: 2026-11-29 18:55:27.145911
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import simhive.db.types

revision: str = "0011"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", simhive.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_counters")),
    )
    op.create_table(
        "access_tokens",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", simhive.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", simhive.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_access_tokens_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_tokens")),
        sa.UniqueConstraint("public_id", name=op.f("uq_access_tokens_public_id")),
    )
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_access_tokens_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "account_policies",
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("code_expiry_s", sa.Integer(), nullable=True),
        sa.Column("check_attempts", sa.Integer(), nullable=True),
        sa.Column("countries", sa.String(length=1024), nullable=True),
        sa.Column("verify_sms_cents", sa.BigInteger(), nullable=True),
        sa.Column("verify_voice_cents", sa.BigInteger(), nullable=True),
        sa.Column("verify_call_cents", sa.BigInteger(), nullable=True),
        sa.Column("sms_part_cents", sa.BigInteger(), nullable=True),
        sa.Column("flash_call_cents", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_account_policies_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_policies")),
    )
    op.create_table(
        "product_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("product", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("mccmnc", sa.String(length=8), nullable=True),
        sa.Column("network", sa.String(length=64), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("callback_url", sa.String(length=2048), nullable=True),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("hold_id", sa.BigInteger(), nullable=True),
        sa.Column("goal", sa.String(length=64), nullable=True),
        sa.Column("goal_at", simhive.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", simhive.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", simhive.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_product_requests_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_requests")),
        sa.UniqueConstraint("public_id", name=op.f("uq_product_requests_public_id")),
    )
    with op.batch_alter_table("product_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_product_requests_account", ["account_id", "created_at"], unique=False
        )

    op.create_table(
        "sender_ids",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("sender", sa.String(length=16), nullable=False),
        sa.Column("created_at", simhive.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_sender_ids_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sender_ids")),
        sa.UniqueConstraint("account_id", "sender", name=op.f("uq_sender_ids_account_id")),
    )
    op.create_table(
        "outgoing_calls",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "request_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("caller_id", sa.String(length=16), nullable=False),
        sa.Column("to", sa.String(length=16), nullable=False),
        sa.Column("script", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("gateway_ref", sa.String(length=128), nullable=True),
        sa.Column("sip_status", sa.Integer(), nullable=True),
        sa.Column("billable", sa.Boolean(), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", simhive.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("placed_at", simhive.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("ring_started_at", simhive.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", simhive.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", simhive.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_outgoing_calls_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["product_requests.id"],
            name=op.f("fk_outgoing_calls_request_id_product_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_calls")),
    )
    with op.batch_alter_table("outgoing_calls", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outgoing_calls_account", ["account_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outgoing_calls_request_id"), ["request_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outgoing_calls_to"), ["to"], unique=False)

    op.create_table(
        "verifications",
        sa.Column(
            "request_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("code_length", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("attempts_allowed", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("expires_at", simhive.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("verified_at", simhive.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", simhive.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["product_requests.id"],
            name=op.f("fk_verifications_request_id_product_requests"),
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_verifications")),
    )
    with op.batch_alter_table("outgoing_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "request_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("encoding", sa.String(length=8), nullable=False, server_default="gsm7")
        )
        batch_op.add_column(sa.Column("parts", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(
            sa.Column("reported_at", simhive.db.types.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.alter_column(
            "number_id",
            existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        )
        batch_op.create_index(
            batch_op.f("ix_outgoing_messages_request_id"), ["request_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outgoing_messages_request_id_product_requests"),
            "product_requests",
            ["request_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("outgoing_messages", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outgoing_messages_request_id_product_requests"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_outgoing_messages_request_id"))
        batch_op.alter_column(
            "number_id",
            existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        )
        batch_op.drop_column("reported_at")
        batch_op.drop_column("parts")
        batch_op.drop_column("encoding")
        batch_op.drop_column("request_id")

    op.drop_table("verifications")
    with op.batch_alter_table("outgoing_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outgoing_calls_to"))
        batch_op.drop_index(batch_op.f("ix_outgoing_calls_request_id"))
        batch_op.drop_index("ix_outgoing_calls_account")

    op.drop_table("outgoing_calls")
    op.drop_table("sender_ids")
    with op.batch_alter_table("product_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_product_requests_account")

    op.drop_table("product_requests")
    op.drop_table("account_policies")
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_tokens_account_id"))

    op.drop_table("access_tokens")
    op.drop_table("rate_counters")
