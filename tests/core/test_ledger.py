"""The ledger: balances are sums of entries, holds never let an account overspend."""

from __future__ import annotations

import itertools
import random
import threading
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from simhive.core.errors import InsufficientFunds, InvalidParameter
from simhive.core.ledger import service as ledger
from simhive.core.ledger.models import EntryKind, Hold, HoldStatus, LedgerBalance, LedgerEntry
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

    def test_a_capture_turns_the_hold_into_one_entry_and_closes_only_the_hold(
        self, db: Database
    ) -> None:
        who = world.customer(db, "capture", credit="5.00")
        with db.uow() as uow:
            hold = ledger.place_hold(uow, account_id=who.id, amount=Decimal("0.75"), reference="a7")
            other = ledger.place_hold(
                uow, account_id=who.id, amount=Decimal("0.40"), reference="a8"
            )
        placed = hold.created_at
        db.clock.advance(60)
        with db.uow() as uow:
            entry_id = ledger.capture_hold(uow, hold.id, memo="activation 7")
            assert ledger.capture_hold(uow, hold.id) is None  # captured once only
        assert entry_id is not None
        with db.uow(write=False) as uow:
            entries = uow.session.scalars(
                select(LedgerEntry).where(LedgerEntry.account_id == who.id).order_by(LedgerEntry.id)
            ).all()
            closed = uow.session.get(Hold, hold.id)
            assert closed is not None
            captured = entries[-1]
            assert (captured.id, captured.amount_cents, captured.kind) == (entry_id, -75, "capture")
            assert (captured.reference, captured.memo, captured.made_by) == (
                "a7",
                "activation 7",
                None,
            )
            assert captured.created_at == db.clock.now()
            assert len(entries) == 2  # the credit and the capture
            assert (closed.status, closed.created_at) == (HoldStatus.CAPTURED, placed)
            assert closed.closed_at == db.clock.now()
            assert (closed.account_id, closed.amount_cents, closed.reference) == (who.id, 75, "a7")
            untouched = uow.session.get(Hold, other.id)
            assert untouched is not None
            assert (untouched.status, untouched.closed_at) == (HoldStatus.OPEN, None)
            assert ledger.unbalanced(uow) == []
        assert world.balance(db, who) == Decimal("4.25")
        assert world.available(db, who) == Decimal("3.85")  # the other hold still holds

    @pytest.mark.parametrize("amount", ["0", "-1.00", "0.001"])
    def test_bad_credits_change_nothing(self, db: Database, amount: str) -> None:
        who = world.customer(db, "bad", credit="1.00")
        with pytest.raises((InvalidParameter, ValueError)), db.uow() as uow:
            ledger.post_entry(uow, account_id=who.id, amount=Decimal(amount), kind=EntryKind.CREDIT)
        assert world.balance(db, who) == Decimal("1.00")


class TestKeptBalance:
    """The database keeps each balance as its entries are written; entries never change."""

    def test_every_kind_of_entry_moves_the_kept_balance(self, db: Database) -> None:
        who = world.customer(db, "kept", credit="10.00")
        with db.uow() as uow:
            hold = ledger.place_hold(uow, account_id=who.id, amount=Decimal("0.75"), reference="a")
            ledger.capture_hold(uow, hold.id)
            ledger.charge(uow, account_id=who.id, amount=Decimal("2.50"), reference="r")
            ledger.refund(uow, account_id=who.id, cents=125, reference="r")
            ledger.credit(uow, account_id=who.id, amount=Decimal("-0.01"), made_by="t")
        assert world.balance(db, who) == Decimal("7.99")
        with db.uow(write=False) as uow:
            summed = sum(
                uow.session.scalars(
                    select(LedgerEntry.amount_cents).where(LedgerEntry.account_id == who.id)
                )
            )
            assert summed == 799
            assert ledger.unbalanced(uow) == []

    def test_a_rolled_back_entry_leaves_the_balance_as_it_was(self, db: Database) -> None:
        who = world.customer(db, "rolled", credit="1.00")
        with pytest.raises(RuntimeError), db.uow() as uow:
            ledger.credit(uow, account_id=who.id, amount=Decimal("5.00"), made_by="t")
            raise RuntimeError("the use case failed after the credit")
        assert world.balance(db, who) == Decimal("1.00")

    @pytest.mark.parametrize(
        "statement",
        [
            update(LedgerEntry).values(amount_cents=1_000_000),
            delete(LedgerEntry),
        ],
        ids=["update", "delete"],
    )
    def test_entries_cannot_be_changed_or_deleted(self, db: Database, statement: object) -> None:
        who = world.customer(db, "fixed", credit="3.00")
        with pytest.raises(DBAPIError, match="append-only"), db.uow() as uow:
            uow.session.execute(statement)  # type: ignore[call-overload]
        assert world.balance(db, who) == Decimal("3.00")
        with db.uow(write=False) as uow:
            assert ledger.unbalanced(uow) == []
            assert len(ledger.entries(uow, account_id=who.id)) == 1

    def test_unbalanced_finds_a_balance_written_behind_the_ledger(self, db: Database) -> None:
        who = world.customer(db, "forged", credit="2.00")
        world.customer(db, "honest", credit="4.00")
        with db.uow() as uow:
            uow.session.execute(
                update(LedgerBalance).where(LedgerBalance.account_id == who.id).values(cents=9)
            )
        with db.uow(write=False) as uow:
            assert ledger.unbalanced(uow) == [(who.id, 9, 200)]

    def test_an_entry_undone_by_its_savepoint_never_reaches_the_balance(self, db: Database) -> None:
        """As when routing an SMS fails after its capture: the SMS stays, the capture goes."""
        a = world.customer(db, "undone", credit="5.00")
        b = world.customer(db, "other", credit="5.00")
        with db.uow() as uow:
            hold = ledger.place_hold(uow, account_id=a.id, amount=Decimal("1.00"), reference="x")
        with db.uow() as uow:
            with pytest.raises(RuntimeError), uow.session.begin_nested():
                ledger.capture_hold(uow, hold.id)
                raise RuntimeError("routing failed after the capture")
            # SQLite may give the undone entry's id to the next one: another account's.
            ledger.credit(uow, account_id=b.id, amount=Decimal("2.00"), made_by="t")
            assert ledger.available(uow, a.id) == Decimal("4.00")
        assert world.balance(db, a) == Decimal("5.00")
        assert world.available(db, a) == Decimal("4.00")
        assert world.balance(db, b) == Decimal("7.00")
        with db.uow(write=False) as uow:
            assert ledger.unbalanced(uow) == []

    def test_a_transaction_sees_its_own_entries_before_it_commits(self, db: Database) -> None:
        who = world.customer(db, "twice", credit="10.00")
        with pytest.raises(InsufficientFunds), db.uow() as uow:
            ledger.charge(uow, account_id=who.id, amount=Decimal("6.00"), reference="r1")
            assert ledger.available(uow, who.id) == Decimal("4.00")
            ledger.charge(uow, account_id=who.id, amount=Decimal("6.00"), reference="r2")
        assert world.balance(db, who) == Decimal("10.00")

    def test_concurrent_money_on_shared_accounts_keeps_every_balance(self, db: Database) -> None:
        """Holds, captures, releases, charges and credits from 12 threads on three accounts.

        Captures take no account lock and write the balance as their transaction ends;
        no transaction deadlocks or is lost, and every balance is its entries' sum.
        """
        rng = random.Random()
        seed = rng.randrange(1 << 30)
        rng.seed(seed)
        who = [world.customer(db, f"shared{i}", credit="50.00") for i in range(3)]
        plans = [[(rng.choice(who).id, rng.randrange(5)) for _ in range(30)] for _ in range(12)]
        errors: list[BaseException] = []
        open_holds: list[int] = []

        def step(account_id: int, kind: int) -> None:
            placed: int | None = None
            with db.uow() as uow:
                if kind == 0:
                    placed = ledger.place_hold(
                        uow, account_id=account_id, amount=Decimal("0.10"), reference="c"
                    ).id
                elif kind in (1, 2) and open_holds:
                    hold_id = open_holds.pop()
                    if kind == 1:
                        ledger.capture_hold(uow, hold_id, memo="c")
                    else:
                        ledger.release_hold(uow, hold_id)
                elif kind == 3:
                    ledger.credit(uow, account_id=account_id, amount=Decimal("0.25"), made_by="t")
                    ledger.refund(uow, account_id=account_id, cents=5, reference="r")
                else:
                    ledger.charge(uow, account_id=account_id, amount=Decimal("0.15"), reference="r")
            if placed is not None:  # others may close it once it is committed
                open_holds.append(placed)

        def work(plan: list[tuple[int, int]]) -> None:
            for account_id, kind in plan:
                try:
                    step(account_id, kind)
                except InsufficientFunds:
                    pass
                except BaseException as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)

        threads = [threading.Thread(target=work, args=(plan,)) for plan in plans]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [], f"seed {seed}: {errors[:3]}"
        with db.uow(write=False) as uow:
            assert ledger.unbalanced(uow) == [], f"seed {seed}"
            held = sum(ledger.held_cents(uow, w.id) for w in who)
            assert held == 10 * len(open_holds), f"seed {seed}"
            summed = sum(uow.session.scalars(select(LedgerEntry.amount_cents)))
        assert sum(world.balance(db, w) for w in who) == Decimal(summed) / 100, f"seed {seed}"
        assert all(world.available(db, w) >= 0 for w in who), f"seed {seed}"
