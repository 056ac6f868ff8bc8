"""The ledger: balances are sums of entries, holds never let an account overspend."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from simhive.core.errors import InsufficientFunds, InvalidParameter
from simhive.core.ledger import service as ledger
from simhive.core.ledger.models import EntryKind, LedgerEntry
from simhive.db.uow import Database
from tests.fixtures import world

cents = st.integers(min_value=1, max_value=100_000).map(lambda c: Decimal(c) / 100)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("credit"), cents),
        st.tuples(st.just("hold"), cents),
        st.tuples(st.just("capture"), st.integers(0, 30)),
        st.tuples(st.just("release"), st.integers(0, 30)),
    ),
    max_size=30,
)
_names = itertools.count()


class TestLedgerProperties:
    @settings(
        max_examples=40,
        deadline=None,
        # One run per backend: each is its own executor, the examples are independent.
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.differing_executors,
        ],
    )
    @given(ops=operations)
    def test_matches_a_simple_model(self, db: Database, ops: list[tuple[str, object]]) -> None:
        who = world.customer(db, f"p{next(_names)}", credit="0")
        balance = Decimal("0")
        holds: list[tuple[int, Decimal, str]] = []
        for op, arg in ops:
            with db.uow() as uow:
                available = balance - sum((a for _, a, s in holds if s == "open"), Decimal(0))
                if op == "credit":
                    assert isinstance(arg, Decimal)
                    ledger.post_entry(uow, account_id=who.id, amount=arg, kind=EntryKind.CREDIT)
                    balance += arg
                elif op == "hold":
                    assert isinstance(arg, Decimal)
                    if arg > available:
                        with pytest.raises(InsufficientFunds):
                            ledger.place_hold(uow, account_id=who.id, amount=arg, reference="t")
                    else:
                        hold = ledger.place_hold(uow, account_id=who.id, amount=arg, reference="t")
                        holds.append((hold.id, arg, "open"))
                elif holds:
                    assert isinstance(arg, int)
                    index = arg % len(holds)
                    hold_id, amount, state = holds[index]
                    if op == "capture":
                        done = ledger.capture_hold(uow, hold_id) is not None
                        if state == "open":
                            balance -= amount
                    else:
                        done = ledger.release_hold(uow, hold_id)
                    assert done == (state == "open")
                    if state == "open":
                        holds[index] = (
                            hold_id,
                            amount,
                            "captured" if op == "capture" else "released",
                        )
            open_held = sum((a for _, a, s in holds if s == "open"), Decimal(0))
            assert world.balance(db, who) == balance
            assert world.available(db, who) == balance - open_held
            assert world.available(db, who) >= 0


class TestLedgerEntries:
    def test_entries_are_exact_cents(self, db: Database) -> None:
        who = world.customer(db, "exact", credit="0")
        with db.uow() as uow:
            for _ in range(10):
                ledger.post_entry(
                    uow, account_id=who.id, amount=Decimal("0.10"), kind=EntryKind.CREDIT
                )
        assert world.balance(db, who) == Decimal("1.00")
        with db.uow(write=False) as uow:
            amounts = list(uow.session.scalars(select(LedgerEntry.amount_cents)))
        assert amounts == [10] * 10

    @pytest.mark.parametrize("amount", ["0", "-1.00", "0.001"])
    def test_bad_credits_change_nothing(self, db: Database, amount: str) -> None:
        who = world.customer(db, "bad", credit="1.00")
        with pytest.raises((InvalidParameter, ValueError)), db.uow() as uow:
            ledger.post_entry(uow, account_id=who.id, amount=Decimal(amount), kind=EntryKind.CREDIT)
        assert world.balance(db, who) == Decimal("1.00")
