"""INSERT … ON CONFLICT DO NOTHING on both databases (one statement, no race)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(
    session: Session, model: type[Any], values: dict[str, Any], conflict: Sequence[str]
) -> bool:
    """Insert a row unless one with the same `conflict` columns exists; True if inserted."""
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = (
        module.insert(model).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
    )
    result = session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def insert_ignore_returning(
    session: Session, model: type[Any], values: dict[str, Any], conflict: Sequence[str]
) -> int | None:
    """Insert a row unless one with the same `conflict` columns exists; the new id, or None."""
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = (
        module.insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(conflict))
        .returning(model.id)
    )
    new_id = session.execute(statement).scalar()
    return int(new_id) if new_id is not None else None
