"""Entities read or written by Core statements, handed out detached from the session.

On the hot paths the ORM's loading and flushing cost more than the statements (see
`db.direct`). There, a row is read (or written) by one Core statement and becomes an
entity outside the session: its attributes are what the row holds, and changing it
writes nothing. Only code that reads an entity, or changes it through statements of its
own (`set_committed_value` after an UPDATE), is given one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Insert, Label, insert, inspect
from sqlalchemy.orm.attributes import instance_state, set_committed_value

from simhive.db.base import Base
from simhive.db.uow import UnitOfWork

M = TypeVar("M", bound=Base)


def detached(model: type[M], values: Mapping[str, Any]) -> M:
    """An entity of `model` with these column values (all of them), outside any session.

    What `make_transient_to_detached(model(**values))` gives, as the ORM's own loading
    builds an entity from a row: the values go straight into the entity's state, not
    one by one through the instrumented attributes and their events (which cost more
    than the statement that read the row).
    """
    return cast(M, _maker(model)(values))


@functools.cache
def _maker(model: type[Base]) -> Callable[[Mapping[str, Any]], Base]:
    mapper = inspect(model)
    if mapper.relationships or mapper.inherits is not None:
        raise TypeError(f"{model.__name__}: only plain one-table entities are built here")
    manager = mapper.class_manager
    identity = mapper.identity_key_from_primary_key
    keys = tuple(mapper.get_property_by_column(column).key for column in mapper.primary_key)
    names = frozenset(column.key for column in mapper.columns)

    def make(values: Mapping[str, Any]) -> Base:
        if values.keys() != names:
            raise TypeError(f"{model.__name__}: every column and only those, not {sorted(values)}")
        entity = manager.new_instance()
        state = instance_state(entity)
        state.dict.update(values)
        state.key = identity(tuple(values[key] for key in keys))
        return entity

    return make


def attached(uow: UnitOfWork, model: type[M], values: Mapping[str, Any]) -> M:
    """The entity of `model` with these column values (all of them), in the session, as
    if the ORM had loaded the row: for callers that may go on to change it.

    The one the session already holds is brought up to date (as `populate_existing`
    does); otherwise one is built as `detached` builds it and added, clean.
    """
    entity = detached(model, values)
    identity = instance_state(entity).key
    held = uow.session.identity_map.get(identity) if identity is not None else None
    if held is None:
        uow.session.add(entity)
        return entity
    for name, value in values.items():
        set_committed_value(held, name, value)
    return held


def inserted(uow: UnitOfWork, model: type[M], rows: Sequence[Mapping[str, Any]]) -> list[M]:
    """Insert rows of `model` (every column but the id given) with one Core statement;
    the entities as written, detached, in the order of the rows.

    One row, the usual case, is a plain `INSERT … RETURNING` (straight on psycopg,
    `db.direct`); several are one statement on PostgreSQL, one per row on SQLite.
    """
    one, many = _inserts(model)
    result = uow.run(one, rows[0]) if len(rows) == 1 else uow.run(many, rows)
    ids = result.scalars().all()
    return [detached(model, {"id": new_id, **row}) for row, new_id in zip(rows, ids, strict=True)]


@functools.cache
def _inserts(model: type[Base]) -> tuple[Insert, Insert]:
    new_id = model.__table__.c.id
    return (
        insert(model).returning(new_id),
        insert(model).returning(new_id, sort_by_parameter_order=True),
    )


def columns(model: type[Base], prefix: str = "") -> list[Label[Any]]:
    """All the columns of `model`'s table, labelled `prefix` + name (for a join's row)."""
    return [column.label(prefix + column.key) for column in model.__table__.columns]


def split(model: type[M], row: Any, prefix: str) -> M:
    """The entity of `model` in a row read with `columns(model, prefix)`."""
    start = len(prefix)
    values = row._asdict()
    return detached(model, {k[start:]: v for k, v in values.items() if k.startswith(prefix)})
