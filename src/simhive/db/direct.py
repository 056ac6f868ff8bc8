"""Core statements run straight on psycopg: the hot paths' statements without the engine's toll.

SQLAlchemy's engine spends about as much CPU around each statement as psycopg spends
running it: a cache key walked over the statement, an execution context, result
metadata read from the cursor's description (which psycopg builds column by column),
and a row object per row (BENCHMARKS.md, "Statements straight on psycopg"). The hot
paths run statements built once at import, so all of that can be worked out once:
each statement is compiled once per set of parameter names, and then runs on the
session's own psycopg connection, in the session's transaction, as one
`cursor.execute`. psycopg still prepares a statement it sees often, as it does under
SQLAlchemy.

What SQLAlchemy would have done that matters here is kept: parameters of the UTC
datetime type are checked and converted, UTC datetimes read are returned in UTC,
errors are raised as SQLAlchemy's exception classes (callers catch IntegrityError and
OperationalError), and `before_cursor_execute` listeners still hear every statement
(the statement-count tests). A statement whose compiled form needs SQLAlchemy at run
time (Python-side column defaults, several parameter sets at once, SQLite) takes the
engine's way, unchanged.
"""

from __future__ import annotations

import keyword
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import pq
from sqlalchemy import Connection, Executable, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

TUPLES_OK = pq.ExecStatus.TUPLES_OK

Processors = tuple[tuple[Any, Callable[[Any], Any]], ...]


@dataclass(frozen=True, slots=True)
class _Plan:
    statement: Executable  # held, so no other statement can take its id
    sql: str
    compiled: SQLCompiler
    bind_processors: Processors
    result_processors: Processors
    row: Callable[[Sequence[Any]], Any] | None


# By statement and the names of the parameters given (an UPDATE sets the columns its
# parameters name, as under the engine). The hot paths' statements are built once,
# so this stays small; a statement built per call would fill it, and it starts over.
_plans: dict[tuple[int, frozenset[str]], _Plan | None] = {}
_MAX_PLANS = 2000


def _plan(statement: Executable, names: frozenset[str], dialect: Dialect) -> _Plan | None:
    key = (id(statement), names)
    try:
        return _plans[key]
    except KeyError:
        pass
    try:
        plan = _compile(statement, names, dialect)
    except Exception:  # a type or a name this module cannot take: the engine can
        plan = None
    if len(_plans) >= _MAX_PLANS:
        _plans.clear()
    _plans[key] = plan
    return plan


def _attribute(key: str | None) -> bool:
    if not key:
        return False
    return key.isidentifier() and not keyword.iskeyword(key) and not key.startswith("_")


def _compile(statement: Executable, names: frozenset[str], dialect: Dialect) -> _Plan | None:
    if not isinstance(statement, ClauseElement):
        return None
    compiled = statement.compile(dialect=dialect, column_keys=sorted(names))
    if not isinstance(compiled, SQLCompiler):
        return None
    if compiled.insert_prefetch or compiled.update_prefetch:
        return None  # Python-side defaults: the engine computes them per execution
    if compiled.literal_execute_params or compiled.post_compile_params:
        return None  # rendered into the text per execution (IN lists)
    if compiled.escaped_bind_names or statement.get_execution_options():
        return None  # names the driver cannot take as they are; options for the engine
    columns = list(getattr(statement, "exported_columns", ()))
    keys = [column.key for column in columns]
    if len(set(keys)) != len(keys) or not all(_attribute(key) for key in keys):
        return None  # rows are read by column name: each needs one that can be an attribute
    # The types' own conversions, as the engine applies them (UTC datetimes).
    # By the name each parameter has in the statement: a value written into the SET
    # (`values(column=None)`) is an anonymous parameter that takes the column's name.
    binds = {}
    for bind in compiled.binds.values():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            binds[compiled.bind_names[bind]] = process
    results = []
    for i, column in enumerate(columns):
        process = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if process is not None:
            results.append((i, process))
    row = namedtuple("Row", keys)._make if keys else None  # type: ignore[attr-defined]  # noqa: PYI024
    return _Plan(statement, str(compiled), compiled, tuple(binds.items()), tuple(results), row)


class Rows:
    """The rows a statement returned, read the ways the hot paths read a result."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def all(self) -> list[Any]:
        return self._rows

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        if not self._rows:
            raise exc.NoResultFound("No row was found when one was required")
        if len(self._rows) > 1:
            raise exc.MultipleResultsFound("Multiple rows were found when exactly one was required")
        return self._rows[0][0]

    def one(self) -> Any:
        if len(self._rows) != 1:
            self.scalar_one()  # raises as the engine does
        return self._rows[0]

    def one_or_none(self) -> Any:
        if len(self._rows) > 1:
            self.scalar_one()
        return self._rows[0] if self._rows else None

    def scalar_one_or_none(self) -> Any:
        row = self.one_or_none()
        return row[0] if row is not None else None

    def scalars(self) -> _Scalars:
        return _Scalars(row[0] for row in self._rows)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)


class _Scalars(list[Any]):
    def all(self) -> list[Any]:
        return self

    def first(self) -> Any:
        return self[0] if self else None


def run(
    connection: Connection,
    statement: Executable,
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
) -> Any:
    """Run `statement` on the session's connection; straight on psycopg where it can."""
    if not _direct(connection) or not isinstance(params, Mapping | None):
        return connection.execute(statement, params)
    given = params or {}
    plan = _plan(statement, frozenset(given), connection.dialect)
    if plan is None:
        return connection.execute(statement, given)
    values = plan.compiled.construct_params(given)
    try:
        for name, process in plan.bind_processors:
            values[name] = process(values[name])
    except Exception as error:  # as the engine reports a value its type refused
        raise exc.StatementError(str(error), plan.sql, values, error) from error
    dbapi = connection.connection.driver_connection
    assert isinstance(dbapi, psycopg.Connection)
    cursor = dbapi.cursor()
    for listener in connection.dispatch.before_cursor_execute:
        listener(connection, cursor, plan.sql, values, None, False)
    try:
        cursor.execute(plan.sql, values)
        result = cursor.pgresult
        rows = cursor.fetchall() if result is not None and result.status == TUPLES_OK else []
        rowcount = cursor.rowcount
    except psycopg.Error as error:
        # As the engine does: a connection the server dropped is invalidated, so the
        # rollback that follows does not try it, and the pool replaces it.
        lost = connection.dialect.is_disconnect(error, dbapi, cursor)  # type: ignore[arg-type]
        if lost:
            connection.invalidate(error)
        raise exc.DBAPIError.instance(
            plan.sql,
            values,
            error,
            psycopg.Error,
            connection_invalidated=lost,
            dialect=connection.dialect,
        ) from error
    finally:
        cursor.close()
    if plan.result_processors:
        rows = [_processed(row, plan.result_processors) for row in rows]
    if plan.row is not None:
        rows = [plan.row(row) for row in rows]
    return Rows(rows, rowcount)


def _direct(connection: Connection) -> bool:
    """psycopg, and nothing that needs the engine's own execution (echo, listeners
    around a statement other than `before_cursor_execute`)."""
    if connection.dialect.driver != "psycopg" or connection.engine.echo:
        return False
    events = connection.dispatch
    return not (events.after_cursor_execute or events.before_execute or events.after_execute)


def _processed(row: tuple[Any, ...], processors: Processors) -> tuple[Any, ...]:
    values = list(row)
    for i, process in processors:
        values[i] = process(values[i])
    return tuple(values)
