"""Column types: UTC datetimes that survive SQLite; constants and lists in statements."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, String, any_, bindparam, literal_column
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.types import TypeDecorator, TypeEngine


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out, on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        # SQLite keeps text; store it naive so comparisons are plain string order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def fixed(value: str) -> ColumnElement[str]:
    """A constant written into the SQL text instead of sent as a parameter.

    A partial index (`WHERE status = 'pending'`) serves a query only when the planner
    can see the constant: SQLite never matches a parameter against the index's
    predicate, and PostgreSQL cannot once it plans a prepared statement generically.
    """
    return literal_column("'" + value.replace("'", "''") + "'", String())


def fixed_in(
    column: ColumnElement[Any] | QueryableAttribute[Any], values: Iterable[str]
) -> ColumnElement[bool]:
    """`column` is one of constant `values`, written into the SQL text (see `fixed`)."""
    return column.in_([fixed(value) for value in values])


def among(
    column: ColumnElement[Any] | QueryableAttribute[Any], name: str, dialect: str
) -> ColumnElement[bool]:
    """`column` is one of the values of the list parameter `name`.

    PostgreSQL takes the list as one array (`= ANY(:name)`): the statement's text is the
    same for any count, so it is neither rendered again per call nor prepared again per
    count. SQLite has no arrays: an IN list there, rendered per call.
    """
    if dialect == "postgresql":
        item: TypeEngine[Any] = column.type
        if isinstance(item, String):
            # Without the column's length: a cast to varchar(n) would cut longer values
            # and let them match what they begin with.
            item = String()
        return column == any_(bindparam(name, type_=postgresql.ARRAY(item)))
    return column.in_(bindparam(name, expanding=True))
