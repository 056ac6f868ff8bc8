"""ledger balances: each account's running sum of entries; entries append-only

Money decisions (a hold, a charge, an adjustment) summed all of an account's entries
under the account's lock: 53-71 ms on PostgreSQL for an account with a million
entries, so such an account got at most 15 requests a second. The sum is now a row
that the ledger service adds each transaction's entries to as the transaction ends.
Entries are append-only, and triggers now refuse an UPDATE or DELETE of one, so the
row cannot drift from its entries.

Stop every simhive process before this upgrade: entries written by code from before
it would not reach the balance rows.

A later migration that rebuilds `ledger_entries` on SQLite (a batch alter copies the
table and drops the old one) drops these triggers with it: it must create them again.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 00:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "ledger entries are append-only"

POSTGRESQL = [
    f"""
CREATE FUNCTION simhive_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{APPEND_ONLY}';
END
$$
""",
    """
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
FOR EACH ROW EXECUTE FUNCTION simhive_ledger_append_only()
""",
]
SQLITE = [
    f"""
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END
""",
    f"""
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END
""",
]


def upgrade() -> None:
    op.create_table(
        "ledger_balances",
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_ledger_balances_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_ledger_balances")),
    )
    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL if dialect == "postgresql" else SQLITE:
        op.execute(statement)
    op.execute(
        "INSERT INTO ledger_balances (account_id, cents) "
        "SELECT account_id, SUM(amount_cents) FROM ledger_entries GROUP BY account_id"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER ledger_entries_append_only ON ledger_entries")
        op.execute("DROP FUNCTION simhive_ledger_append_only()")
    else:
        for name in ("ledger_entries_no_delete", "ledger_entries_no_update"):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("ledger_balances")
