"""SIM rotation: numbers take turns in a gateway's slots, window by window, on the fake clock."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from simhive.core.activations import service as activations
from simhive.core.activations.models import Activation, ActivationStatus
from simhive.core.catalog import service as catalog
from simhive.core.errors import InvalidParameter, NotFound
from simhive.core.inventory import service as inventory
from simhive.core.inventory.models import Number
from simhive.core.rentals import service as rentals
from simhive.core.rentals.models import Rental
from simhive.core.rotation import service as rotation
from simhive.core.rotation.models import OnlineRequest
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from tests.fixtures import world
from tests.fixtures.world import Customer

WINDOW = 600
BANK = "bank"


def add(db: Database, count: int, *, gateway: str = BANK, online: bool = True) -> list[str]:
    """`count` numbers of one gateway, in id order."""
    with db.uow() as uow:
        start = len(inventory.all_mdns(uow))
        mdns = [f"1212555{1000 + start + i:04d}" for i in range(count)]
        for mdn in mdns:
            inventory.add_number(
                uow, inventory.NumberSpec(mdn=mdn, gateway=gateway, carrier="ATT", online=online)
            )
    return mdns


def configure(db: Database, slots: int, *, window: int | None = WINDOW) -> rotation.SlotsView:
    with db.uow() as uow:
        return rotation.configure(
            uow, gateway=BANK, slots=slots, window_s=window, set_by="operator"
        )


def online(db: Database, gateway: str = BANK) -> set[str]:
    with db.uow(write=False) as uow:
        return set(
            uow.session.scalars(
                select(Number.mdn).where(Number.gateway == gateway, Number.online.is_(True))
            )
        )


def step(db: Database) -> int:
    with db.uow() as uow:
        return rotation.step(uow, gateway=BANK) if rotation.due(uow, gateway=BANK) else 0


def rent(db: Database, who: Customer, mdn: str) -> int:
    with db.uow() as uow:
        account = uow.session.get(world.Account, who.id)
        assert account is not None
        return rentals.rent(
            uow, account=account, request=rentals.RentRequest(service="Amazon", mdn=mdn)
        ).id


def activate(db: Database, rental_id: int) -> rentals.RentalState:
    with db.uow() as uow:
        rental = uow.session.get(Rental, rental_id)
        assert rental is not None
        return rentals.activate(uow, rental=rental)


def status(db: Database, rental_id: int) -> rentals.RentalState:
    with db.uow(write=False) as uow:
        rental = uow.session.get(Rental, rental_id)
        assert rental is not None
        return rentals.state(uow, rental=rental)


def requests(db: Database) -> list[tuple[int, str, str | None]]:
    with db.uow(write=False) as uow:
        rows = uow.session.scalars(select(OnlineRequest).order_by(OnlineRequest.id))
        return [(r.rental_id, r.status, r.turn) for r in rows]


@pytest.fixture
def alice(db: Database) -> Customer:
    with db.uow() as uow:
        catalog.set_service(
            uow,
            catalog.ServiceSpec(name="Amazon", price=Decimal("0.50"), ltr_price=Decimal("15.00")),
        )
    return world.customer(db, "alice", credit="500.00")


class TestConfigure:
    def test_slots_take_effect_at_once_and_shrink_to_the_longest_online(
        self, db: Database, clock: FrozenClock
    ) -> None:
        mdns = add(db, 5)
        view = configure(db, 2)
        assert (view.slots, view.window_s, view.online, view.waiting, view.held) == (
            2,
            WINDOW,
            2,
            3,
            0,
        )
        assert online(db) == set(mdns[:2])
        clock.advance(seconds=WINDOW)
        step(db)
        assert online(db) == set(mdns[2:4])
        configure(db, 3)  # one more slot: the next in line takes it now
        assert online(db) == set(mdns[2:5])
        configure(db, 1)  # two fewer: the numbers whose windows end first leave
        assert len(online(db)) == 1

    def test_the_default_window_comes_from_the_settings(self, db: Database) -> None:
        add(db, 2)
        view = configure(db, 1, window=None)
        assert (view.window_s, view.own_window) == (1800, False)

    @pytest.mark.parametrize(
        ("gateway", "slots", "window"),
        [("", 1, None), ("x" * 33, 1, None), (BANK, 0, None), (BANK, 1, 59), (BANK, 1, 8 * 86400)],
    )
    def test_bad_settings_change_nothing(
        self, db: Database, gateway: str, slots: int, window: int | None
    ) -> None:
        add(db, 2)
        with pytest.raises(InvalidParameter), db.uow() as uow:
            rotation.configure(uow, gateway=gateway, slots=slots, window_s=window, set_by="op")
        with db.uow(write=False) as uow:
            assert rotation.list_slots(uow) == []
        assert len(online(db)) == 2

    def test_removing_the_slots_brings_every_number_but_the_held_online(self, db: Database) -> None:
        mdns = add(db, 4)
        configure(db, 1)
        with db.uow() as uow:
            rotation.set_online(uow, mdn=mdns[3], online=False)
        with db.uow() as uow:
            assert rotation.remove(uow, gateway=BANK) == 2
        assert online(db) == set(mdns[:3])
        with pytest.raises(NotFound), db.uow() as uow:
            rotation.remove(uow, gateway=BANK)


class TestTurns:
    def test_every_number_gets_a_window_in_turn(self, db: Database, clock: FrozenClock) -> None:
        mdns = add(db, 5)
        configure(db, 2)
        seen = [online(db)]
        for _ in range(5):
            clock.advance(seconds=WINDOW - 1)
            assert step(db) == 0  # the window has a second to go
            clock.advance(seconds=1)
            assert step(db) > 0
            seen.append(online(db))
        assert all(len(s) == 2 for s in seen)
        assert seen[:4] == [
            {mdns[0], mdns[1]},
            {mdns[2], mdns[3]},
            {mdns[4], mdns[0]},
            {mdns[1], mdns[2]},
        ]

    def test_nobody_waiting_keeps_every_number_online(
        self, db: Database, clock: FrozenClock
    ) -> None:
        mdns = add(db, 2)
        configure(db, 3)
        clock.advance(seconds=WINDOW * 3)
        step(db)
        assert online(db) == set(mdns)

    def test_a_number_added_online_queues_for_a_slot(
        self, db: Database, clock: FrozenClock
    ) -> None:
        add(db, 2)
        configure(db, 2)
        (late,) = add(db, 1)
        assert late not in online(db)  # both slots are taken
        clock.advance(seconds=WINDOW)
        step(db)
        assert late in online(db)

    def test_a_number_with_a_reserved_request_keeps_its_slot_until_it_closes(
        self, db: Database, clock: FrozenClock, alice: Customer
    ) -> None:
        mdns = add(db, 2)
        configure(db, 1)
        with db.uow() as uow:
            account = uow.session.get(world.Account, alice.id)
            assert account is not None
            (view,) = activations.request_number(
                uow,
                account=account,
                request=activations.NumberRequest(services=("Amazon",)),
            )
        assert view.mdn == mdns[0]
        clock.advance(seconds=WINDOW)
        assert step(db) == 0
        assert online(db) == {mdns[0]}  # its SMS would be lost offline
        with db.uow() as uow:
            account = uow.session.get(world.Account, alice.id)
            assert account is not None
            activations.reject(uow, account=account, activation_id=str(view.id))
        assert step(db) == 2
        assert online(db) == {mdns[1]}

    def test_a_free_number_coming_online_goes_to_a_waiting_bid(
        self, db: Database, clock: FrozenClock, alice: Customer
    ) -> None:
        mdns = add(db, 2)
        configure(db, 1)
        with db.uow() as uow:
            account = uow.session.get(world.Account, alice.id)
            assert account is not None
            # Alice rejects the one online, then bids: the other number is not in a slot.
            (first,) = activations.request_number(
                uow, account=account, request=activations.NumberRequest(services=("Amazon",))
            )
            activations.reject(uow, account=account, activation_id=str(first.id))
            (bid,) = activations.request_number(
                uow,
                account=account,
                request=activations.NumberRequest(services=("Amazon",), markup=20),
            )
        assert bid.status == ActivationStatus.AWAITING_MDN
        clock.advance(seconds=WINDOW)
        step(db)
        with db.uow(write=False) as uow:
            won = uow.session.get(Activation, bid.id)
            assert won is not None
            assert won.status == ActivationStatus.RESERVED
            number = uow.session.get(Number, won.number_id)
            assert number is not None and number.mdn == mdns[1]


class TestHeld:
    def test_a_held_number_leaves_its_slot_to_the_next_and_queues_when_back(
        self, db: Database, clock: FrozenClock
    ) -> None:
        mdns = add(db, 3)
        configure(db, 1)
        assert online(db) == {mdns[0]}
        with db.uow() as uow:
            held = rotation.set_online(uow, mdn=mdns[0], online=False)
            assert (held.online, held.held) == (False, True)
        assert online(db) == {mdns[1]}
        for _ in range(3):
            clock.advance(seconds=WINDOW)
            step(db)
            assert mdns[0] not in online(db)
        with db.uow() as uow:
            back = rotation.set_online(uow, mdn=mdns[0], online=True)
            assert (back.online, back.held) == (False, False)  # in line: the slot is taken
        clock.advance(seconds=WINDOW)
        step(db)
        assert online(db) == {mdns[0]}

    def test_a_number_added_offline_is_held(self, db: Database) -> None:
        add(db, 1)
        configure(db, 2)
        (off,) = add(db, 1, online=False)
        assert step(db) == 0
        assert off not in online(db)


class TestRequests:
    def test_requests_are_honoured_oldest_first_ahead_of_later_turns(
        self, db: Database, clock: FrozenClock, alice: Customer
    ) -> None:
        mdns = add(db, 6)
        ids = [rent(db, alice, mdn) for mdn in mdns]
        configure(db, 2)  # mdns 0 and 1 stay online; 2..5 wait, in that order
        clock.advance(seconds=10)
        assert activate(db, ids[5]).state == "offline"
        clock.advance(seconds=10)
        assert activate(db, ids[4]).state == "offline"
        assert activate(db, ids[4]).state == "offline"  # asking again keeps the first place
        clock.advance(seconds=WINDOW)
        step(db)
        assert online(db) == {mdns[5], mdns[4]}
        assert requests(db) == [
            (ids[5], "honoured", "request"),
            (ids[4], "honoured", "request"),
        ]
        clock.advance(seconds=WINDOW)
        step(db)
        assert online(db) == {mdns[2], mdns[3]}  # their turns come back

    def test_a_request_is_honoured_at_once_when_a_slot_is_free(
        self, db: Database, clock: FrozenClock, alice: Customer
    ) -> None:
        mdns = add(db, 2)
        rid = rent(db, alice, mdns[1])
        configure(db, 2)
        # Its SIM dropped out of its slot (as a gateway may report), its turn an hour away.
        with db.uow() as uow:
            number = inventory.get_by_mdn(uow, mdns[1])
            number.online = False
            number.queue_at = number.turn_at = clock.now() + timedelta(hours=1)
        answer = activate(db, rid)
        assert (answer.state, answer.till_change) == ("online", 0)  # nobody waits for a slot
        assert requests(db) == [(rid, "honoured", "request")]
        with db.uow(write=False) as uow:
            (asked,) = uow.session.scalars(select(OnlineRequest))
            assert asked.online_until == clock.now() + timedelta(seconds=WINDOW)

    def test_a_request_lapses_when_the_rental_lets_the_number_go(
        self, db: Database, clock: FrozenClock, alice: Customer
    ) -> None:
        mdns = add(db, 3)
        rid = rent(db, alice, mdns[2])
        configure(db, 1)
        activate(db, rid)
        with db.uow() as uow:
            rental = uow.session.get(Rental, rid)
            assert rental is not None
            rentals.release(uow, rental=rental)
        assert requests(db) == [(rid, "cancelled", None)]
        clock.advance(seconds=WINDOW)
        step(db)
        assert online(db) == {mdns[1]}  # the released number kept only its own turn


class TestPlan:
    def test_till_change_and_next_online_follow_the_line(
        self, db: Database, clock: FrozenClock, alice: Customer
    ) -> None:
        mdns = add(db, 5)
        ids = [rent(db, alice, mdn) for mdn in mdns]
        configure(db, 2)
        t0 = clock.now()
        clock.advance(seconds=100)
        now = clock.now()
        first = status(db, ids[0])
        assert (first.state, first.till_change, first.next_online) == ("online", WINDOW - 100, now)
        # In line: 2 and 3 take the slots at t0 + 600, 4 at t0 + 1200.
        for i, start in ((2, WINDOW), (3, WINDOW), (4, 2 * WINDOW)):
            planned = status(db, ids[i])
            assert planned.state == "offline"
            assert planned.next_online == t0 + timedelta(seconds=start)
            assert planned.till_change == start - 100
        # A request takes 4 ahead of 2 and 3, whose turns come after it.
        asked = activate(db, ids[4])
        assert (asked.state, asked.till_change) == ("offline", WINDOW - 100)
        assert status(db, ids[3]).next_online == t0 + timedelta(seconds=2 * WINDOW)
        clock.advance(seconds=WINDOW - 100)
        step(db)
        assert online(db) == {mdns[4], mdns[2]}
        assert status(db, ids[4]).till_change == WINDOW

    def test_a_held_number_has_no_plan(
        self, db: Database, clock: FrozenClock, alice: Customer
    ) -> None:
        mdns = add(db, 2)
        rid = rent(db, alice, mdns[1])
        configure(db, 1)
        with db.uow() as uow:
            rotation.set_online(uow, mdn=mdns[1], online=False)
        held = activate(db, rid)
        assert (held.state, held.till_change, held.next_online) == ("offline", 0, None)


class TestRaces:
    def test_a_second_worker_skips_a_gateway_being_turned(
        self, db: Database, clock: FrozenClock, backend: str
    ) -> None:
        if backend != "postgresql":
            pytest.skip("SQLite runs one writer at a time")
        add(db, 4)
        configure(db, 2)
        clock.advance(seconds=WINDOW)
        turning, committed, go = threading.Event(), threading.Event(), threading.Event()
        moved: list[int] = []

        def first() -> None:
            with db.uow() as uow:
                moved.append(rotation.step(uow, gateway=BANK))
                turning.set()
                go.wait(30)  # the turn's transaction stays open meanwhile
            committed.set()

        thread = threading.Thread(target=first)
        thread.start()
        try:
            assert turning.wait(30)
            with db.uow() as uow:
                assert rotation.step(uow, gateway=BANK) == 0
            assert not committed.is_set()  # skipped, not queued behind the first
        finally:
            go.set()
            thread.join()
        assert moved == [4]
        assert len(online(db)) == 2
