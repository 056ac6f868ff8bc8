"""outbox notices only for events nobody holds yet

A worker in the writing process takes the events it has room for straight after the
commit, written claimed for it. Notifying other workers of those only made each of
them run a claim that found nothing: the trigger now fires for unclaimed rows alone.

Revision ID: 0014
Revises: 0010
Create Date: 2026-11-29 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROW_TRIGGER = """
CREATE TRIGGER events_notify AFTER INSERT ON events
FOR EACH ROW WHEN (NEW.claimed_until IS NULL) EXECUTE FUNCTION simhive_outbox_notify()
"""
# As 0013 made it.
STATEMENT_TRIGGER = """
CREATE TRIGGER events_notify AFTER INSERT ON events
FOR EACH STATEMENT EXECUTE FUNCTION simhive_outbox_notify()
"""


def upgrade() -> None:
    # One notification per transaction still: PostgreSQL folds identical notices.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER events_notify ON events")
        op.execute(ROW_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER events_notify ON events")
        op.execute(STATEMENT_TRIGGER)
