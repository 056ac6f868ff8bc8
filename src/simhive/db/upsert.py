"""INSERT … ON CONFLICT DO NOTHING on both databases (one statement, no race).

The statements are built once per table and dialect and run as Core statements: on
the hot paths (every inbound SMS, every reject) building them cost more than the round
trip.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from simhive.db.uow import run_core


@functools.cache
def _statement(
    dialect: str, model: type[Any], conflict: tuple[str, ...], returning: bool
) -> Insert:
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(model).on_conflict_do_nothing(index_elements=list(conflict))
    return statement.returning(model.id) if returning else statement  # type: ignore[no-any-return]


def insert_ignore(
    session: Session, model: type[Any], values: dict[str, Any], conflict: Sequence[str]
) -> bool:
    """Insert a row unless one with the same `conflict` columns exists; True if inserted."""
    dialect = session.get_bind().dialect.name
    statement = _statement(dialect, model, tuple(conflict), False)  # type: ignore[arg-type]
    return bool(run_core(session, statement, values).rowcount)


def insert_ignore_returning(
    session: Session, model: type[Any], values: dict[str, Any], conflict: Sequence[str]
) -> int | None:
    """Insert a row unless one with the same `conflict` columns exists; the new id, or None."""
    dialect = session.get_bind().dialect.name
    statement = _statement(dialect, model, tuple(conflict), True)  # type: ignore[arg-type]
    new_id = run_core(session, statement, values).scalar()
    return int(new_id) if new_id is not None else None
