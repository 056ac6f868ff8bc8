"""activation states in core's own words

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 16:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = {
    "Awaiting MDN": "awaiting_mdn",
    "Reserved": "reserved",
    "Completed": "completed",
    "Rejected": "rejected",
    "Timed Out": "timed_out",
}
INDEX = "uq_activations_open_number_service"


def _rename(mapping: dict[str, str], where: str) -> None:
    op.drop_index(INDEX, table_name="activations")
    for old, new in mapping.items():
        op.execute(
            sa.text("UPDATE activations SET status = :new WHERE status = :old").bindparams(
                old=old, new=new
            )
        )
    op.create_index(
        INDEX,
        "activations",
        ["number_id", "service_id"],
        unique=True,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    _rename(STATES, "status = 'reserved'")


def downgrade() -> None:
    _rename({new: old for old, new in STATES.items()}, "status = 'Reserved'")
