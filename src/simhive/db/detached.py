"""Entities read or written by Core statements, handed out detached from the session.

On the hot paths the ORM's loading and flushing cost more than the statements (see
`db.direct`). There, a row is read (or written) by one Core statement and becomes an
entity outside the session: its attributes are what the row holds, and changing it
writes nothing. Only code that reads an entity, or changes it through statements of its
own (`set_committed_value` after an UPDATE), is given one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import Label
from sqlalchemy.orm import make_transient_to_detached

from simhive.db.base import Base

M = TypeVar("M", bound=Base)


def detached(model: type[M], values: Mapping[str, Any]) -> M:
    """An entity of `model` with these column values (all of them), outside any session."""
    entity = model(**values)
    make_transient_to_detached(entity)
    return entity


def columns(model: type[Base], prefix: str = "") -> list[Label[Any]]:
    """All the columns of `model`'s table, labelled `prefix` + name (for a join's row)."""
    return [column.label(prefix + column.key) for column in model.__table__.columns]


def split(model: type[M], row: Any, prefix: str) -> M:
    """The entity of `model` in a row read with `columns(model, prefix)`."""
    start = len(prefix)
    values = row._asdict()
    return detached(model, {k[start:]: v for k, v in values.items() if k.startswith(prefix)})
