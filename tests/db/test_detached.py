"""Entities built from rows outside the session (`db.detached`) behave as loaded ones."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select, update
from sqlalchemy.orm.util import identity_key

from simhive.core.inventory.models import Number
from simhive.db.detached import attached, columns, detached
from simhive.db.uow import Database
from tests.fixtures import world


def test_a_row_read_by_core_becomes_an_entity_as_the_orm_would_load_it(db: Database) -> None:
    (mdn,) = world.numbers(db, 1, area_code="415")
    with db.uow(write=False) as uow:
        row = uow.run(select(*columns(Number)).where(Number.mdn == mdn)).one()
        built = detached(Number, row._asdict())
        loaded = uow.session.scalars(select(Number).where(Number.mdn == mdn)).one()
        state = inspect(built)
        assert state.detached and not state.modified
        assert state.key == identity_key(Number, loaded.id)
        for column in Number.__table__.columns:
            assert getattr(built, column.key) == getattr(loaded, column.key), column.key
    # Merged without a load, it is persistent and clean: nothing to write at commit.
    with db.uow() as uow:
        merged = uow.session.merge(built, load=False)
        assert merged.mdn == mdn
        assert not uow.session.dirty and not uow.session.new


def test_a_row_missing_a_column_or_with_one_too_many_is_refused(db: Database) -> None:
    (mdn,) = world.numbers(db, 1)
    with db.uow(write=False) as uow:
        values = uow.run(select(*columns(Number)).where(Number.mdn == mdn)).one()._asdict()
    with pytest.raises(TypeError):
        detached(Number, {k: v for k, v in values.items() if k != "gateway"})
    with pytest.raises(TypeError):
        detached(Number, {**values, "colour": "red"})


def test_an_attached_row_is_the_sessions_and_its_changes_are_written(db: Database) -> None:
    (mdn,) = world.numbers(db, 1, area_code="415")
    with db.uow() as uow:
        values = uow.run(select(*columns(Number)).where(Number.mdn == mdn)).one()._asdict()
        number = attached(uow, Number, values)
        assert number in uow.session and not uow.session.dirty
        number.online = False
    with db.uow(write=False) as uow:
        assert uow.session.scalar(select(Number.online).where(Number.mdn == mdn)) is False


def test_a_row_the_session_holds_already_updates_that_entity(db: Database) -> None:
    (mdn,) = world.numbers(db, 1, area_code="415")
    with db.uow() as uow:
        held = uow.session.scalars(select(Number).where(Number.mdn == mdn)).one()
        changed = update(Number).where(Number.id == held.id).values(state="NY")
        uow.session.execute(changed.execution_options(synchronize_session=False))
        assert held.state != "NY"
        values = uow.run(select(*columns(Number)).where(Number.mdn == mdn)).one()._asdict()
        assert attached(uow, Number, values) is held
        assert held.state == "NY" and not uow.session.dirty
