"""Statements run straight on psycopg answer as the engine would, on both databases.

`UnitOfWork.run` takes `simhive.db.direct` on PostgreSQL and the engine on SQLite: each
test runs the same statement both ways in one transaction and compares, or checks what
the engine is known to do (types, errors, rollback).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import bindparam, insert, select, update

from simhive.core.activations import service as activations
from simhive.core.activations.models import Activation, ActivationStatus
from simhive.core.catalog import service as catalog
from simhive.core.catalog.models import Service
from simhive.core.inventory.models import Number
from simhive.db import direct
from simhive.db.uow import Database
from tests.fixtures import world

_ONE = select(Number.id, Number.mdn, Number.online, Number.freed_at).where(
    Number.mdn == bindparam("mdn")
)
_SOME = (
    select(Number.mdn, Number.created_at)
    .where(Number.area_code == bindparam("area"))
    .order_by(Number.mdn)
)
_FREE = (
    update(Number)
    .where(Number.area_code == bindparam("area"))
    .values(freed_at=bindparam("freed_at"))
    .returning(Number.id, Number.freed_at)
)
_TOUCH = update(Number).where(Number.area_code == bindparam("area"))
_RENAME = update(Number).where(Number.id == bindparam("number_id")).values(mdn=bindparam("new"))
# A value written into the statement: SQLAlchemy names it after its column.
_OFFLINE = (
    update(Number)
    .where(Number.area_code == bindparam("area"))
    .values(online=False, online_until=None)
    .returning(Number.online_until)
)
# Every other column has a Python-side default: a statement the engine has to run.
_ADD = insert(Number)


def test_rows_read_as_the_engine_reads_them(db: Database) -> None:
    mdns = world.numbers(db, 3, area_code="415")
    with db.uow() as uow:
        engine = uow.session.connection()
        ours = uow.run(_ONE, {"mdn": mdns[1]}).first()
        theirs = engine.execute(_ONE, {"mdn": mdns[1]}).first()
        assert tuple(ours) == tuple(theirs)
        assert (ours.mdn, ours.online) == (mdns[1], True)
        assert ours.freed_at.tzinfo is UTC
        rows = uow.run(_SOME, {"area": "415"}).all()
        assert [tuple(r) for r in rows] == [
            tuple(r) for r in engine.execute(_SOME, {"area": "415"}).all()
        ]
        assert [r.mdn for r in rows] == mdns
        assert all(r.created_at.tzinfo is UTC for r in rows)
        assert uow.run(_ONE, {"mdn": mdns[0]}).scalar() == theirs.id - 1
        assert uow.run(_ONE, {"mdn": "19999999999"}).first() is None
        assert uow.run(_ONE, {"mdn": "19999999999"}).scalar() is None
        assert uow.run(_SOME, {"area": "415"}).scalars().all() == mdns
        with pytest.raises(sa.exc.MultipleResultsFound):
            uow.run(_SOME, {"area": "415"}).scalar_one()
        with pytest.raises(sa.exc.NoResultFound):
            uow.run(_SOME, {"area": "999"}).scalar_one()


def test_writes_count_their_rows_and_return_utc(db: Database) -> None:
    world.numbers(db, 3, area_code="415")
    world.numbers(db, 2, area_code="212", start=10)
    # A zone far from UTC: what is written and read back is the same instant, in UTC.
    when = datetime(2026, 3, 1, 23, 30, tzinfo=UTC).astimezone(ZoneInfo("Pacific/Kiritimati"))
    with db.uow() as uow:
        freed = uow.run(_FREE, {"area": "415", "freed_at": when}).all()
        assert len(freed) == 3
        assert {r.freed_at for r in freed} == {when}
        assert all(r.freed_at.tzinfo is UTC for r in freed)
        # Parameters named after columns are set, as the engine sets them.
        assert uow.run(_TOUCH, {"area": "212", "online": False}).rowcount == 2
        assert uow.run(_TOUCH, {"area": "999", "online": False}).rowcount == 0
    with db.uow(write=False) as uow:
        online = {tuple(r) for r in uow.session.execute(select(Number.area_code, Number.online))}
        assert online == {("212", False), ("415", True)}
        stored = uow.session.scalars(select(Number.freed_at).where(Number.area_code == "415"))
        assert set(stored) == {when}


def test_values_written_into_the_statement_take_their_columns_types(db: Database) -> None:
    world.numbers(db, 2, area_code="415")
    until = datetime(2026, 3, 1, 12, tzinfo=UTC)
    with db.uow() as uow:
        uow.session.execute(update(Number).values(online_until=until))
    with db.uow() as uow:
        assert uow.run(_OFFLINE, {"area": "415"}).scalars().all() == [None, None]
    with db.uow(write=False) as uow:
        stored = uow.session.execute(select(Number.online, Number.online_until)).all()
        assert [tuple(r) for r in stored] == [(False, None), (False, None)]


def test_a_naive_datetime_is_refused_and_nothing_changes(db: Database) -> None:
    world.numbers(db, 1, area_code="415")
    with pytest.raises(sa.exc.StatementError, match="naive datetime"), db.uow() as uow:
        uow.run(_FREE, {"area": "415", "freed_at": datetime(2026, 3, 1)})
    with db.uow(write=False) as uow:
        assert uow.session.scalar(select(Number.freed_at)) != datetime(2026, 3, 1, tzinfo=UTC)


def test_a_constraint_broken_is_the_engines_error_and_rolls_back(db: Database) -> None:
    first, second = world.numbers(db, 2, area_code="415")
    with pytest.raises(sa.exc.IntegrityError), db.uow() as uow:
        number_id = uow.run(_ONE, {"mdn": second}).scalar()
        uow.run(_RENAME, {"number_id": number_id, "new": "15550001111"})
        uow.run(_RENAME, {"number_id": number_id - 1, "new": "15550001111"})
    with db.uow(write=False) as uow:
        assert list(uow.session.scalars(select(Number.mdn).order_by(Number.id))) == [
            first,
            second,
        ]
    # The connection that failed is usable again.
    with db.uow() as uow:
        assert uow.run(_ONE, {"mdn": first}).first().mdn == first


def test_statements_the_engine_must_run_still_run(db: Database) -> None:
    now = datetime.now(UTC)
    with db.uow() as uow:
        # Defaults computed per execution, and several rows at once.
        uow.run(_ADD, {"mdn": "14155550100", "gateway": "sim", "freed_at": now, "created_at": now})
        uow.run(
            _ADD,
            [
                {"mdn": f"1415555010{i}", "gateway": "sim", "freed_at": now, "created_at": now}
                for i in (1, 2)
            ],
        )
        rows = uow.run(_SOME, {"area": ""}).all()
        assert [r.mdn for r in rows] == ["14155550100", "14155550101", "14155550102"]


def test_a_statement_built_per_call_is_compiled_for_itself(db: Database) -> None:
    """Plans are kept by the statement object: a new one with the old one's id is new."""
    mdns = world.numbers(db, 3, area_code="415")
    with db.uow() as uow:
        for mdn in mdns:
            built = select(Number.mdn).where(Number.mdn == mdn)
            assert uow.run(built).scalar() == mdn
            del built
        for days in range(3):
            since = db.clock.now() - timedelta(days=days + 1)
            built = select(sa.func.count()).where(Number.created_at > since)
            assert uow.run(built).scalar() == 3
    assert len(direct._plans) <= direct._MAX_PLANS


def test_entities_handed_out_detached_hold_the_rows_as_stored(db: Database) -> None:
    """A request's activations are written by Core and read back detached: every column
    of what the caller holds is what the database holds, and the session has none."""
    world.service(db, "Google", "0.50")
    world.numbers(db, 2)
    account = world.account(db, world.customer(db))
    with db.uow() as uow:
        (made,) = activations.request_number(
            uow, account=account, request=activations.NumberRequest(services=("Google",))
        )
        locked = activations._own_locked(uow, account, made.id)
        (google,) = catalog.find_services(uow, ["google"])
        assert locked not in uow.session and google not in uow.session
    with db.uow(write=False) as uow:
        stored = uow.session.get(Activation, made.id)
        service = uow.session.get(Service, google.id)
        assert stored is not None and service is not None
        for entity, row in ((locked, stored), (google, service)):
            for column in type(row).__table__.columns:
                assert getattr(entity, column.key) == getattr(row, column.key), column.key
        assert locked.status == ActivationStatus.RESERVED and locked.hold_id is not None


def test_what_this_path_cannot_take_goes_to_the_engine(db: Database) -> None:
    world.numbers(db, 4, area_code="415")
    # A numeric average, a column named by a keyword, another starting with "_".
    odd = select(
        sa.func.avg(Number.id).label("from"), sa.func.count().label("_n"), Number.area_code
    ).group_by(Number.area_code)
    with db.uow() as uow:
        row = uow.run(odd).first()
        assert (row[1], row[2]) == (4, "415")
        assert row[0] == uow.session.scalar(select(sa.func.avg(Number.id)))


def test_a_connection_lost_mid_transaction_is_given_up(backend: str, db: Database) -> None:
    if backend != "postgresql":
        pytest.skip("a PostgreSQL server ends a session; SQLite has none")
    (mdn,) = world.numbers(db, 1, area_code="415")
    with pytest.raises(sa.exc.OperationalError) as raised, db.uow() as uow:
        assert uow.run(_ONE, {"mdn": mdn}).first().mdn == mdn
        pid = uow.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with db.engine.connect() as other:
            other.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)}, 10000)")
        uow.run(_ONE, {"mdn": mdn})
    # The error is the statement's, not a failed rollback's, and the pool moved on.
    assert raised.value.connection_invalidated
    assert raised.value.statement is not None and "FROM numbers" in raised.value.statement
    with db.uow() as uow:
        assert uow.run(_ONE, {"mdn": mdn}).first().mdn == mdn
