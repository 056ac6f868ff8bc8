"""Inbound SMS: stored once, routed to the request it belongs to, retried safely."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from simhive.core.activations import service as activations
from simhive.core.activations.models import Activation
from simhive.core.catalog import service as catalog
from simhive.core.catalog.models import Service
from simhive.core.errors import NoNumbers
from simhive.core.inventory.models import Number, NumberUsage
from simhive.core.messages import service as messages
from simhive.core.messages.models import Message, MessageStatus
from simhive.core.rentals import service as rentals
from simhive.core.rentals.models import Rental
from simhive.db.uow import Database, UnitOfWork
from simhive.kit.clock import FrozenClock
from simhive.worker.runner import Worker
from tests.core.test_lifecycle import held_open_while, reject
from tests.fixtures import world
from tests.fixtures.world import Customer

GOOGLE = ("22000", "G-123456 is your Google verification code.")
AMAZON = ("AMZN", "654321 is your Amazon OTP. Do not share it with anyone.")


@pytest.fixture
def alice(db: Database) -> Customer:
    world.service(db, "Google", "1.00")
    world.service(db, "Amazon", "0.50")
    return world.customer(db, "alice", credit="10.00")


def request(db: Database, who: Customer, *services: str) -> list:  # type: ignore[type-arg]
    with db.uow() as uow:
        account = uow.session.get(world.Account, who.id)
        return activations.request_number(
            uow,
            account=account,  # type: ignore[arg-type]
            request=activations.NumberRequest(services=services),
        )


def inbound(
    to: str, sender: str, text: str, at: object, ref: str | None = None
) -> messages.Inbound:
    return messages.Inbound(
        to=to,
        sender=sender,
        text=text,
        received_at=at,
        gateway="test",
        gateway_ref=ref,  # type: ignore[arg-type]
    )


def receive(db: Database, to: str, sender: str, text: str) -> messages.Routed | None:
    with db.uow() as uow:
        return messages.receive(uow, inbound(to, sender, text, uow.clock.now()))


def states(db: Database) -> dict[str, str]:
    with db.uow(write=False) as uow:
        rows = uow.session.execute(
            select(Service.name, Activation.status).join(
                Service, Service.id == Activation.service_id
            )
        ).all()
    return {name: status for name, status in rows}


class TestMultiServiceRouting:
    def test_each_sms_goes_to_its_own_service(self, db: Database, alice: Customer) -> None:
        (mdn,) = world.numbers(db, 1)
        request(db, alice, "Google", "Amazon")
        first = receive(db, mdn, *GOOGLE)
        assert first is not None and first.service == "Google"
        # A second Google SMS must not complete (and charge) the Amazon request.
        again = receive(db, mdn, *GOOGLE)
        assert again is not None and again.status == MessageStatus.UNROUTED
        assert states(db) == {"Google": "completed", "Amazon": "reserved"}
        assert world.balance(db, alice) == Decimal("9.00")
        last = receive(db, mdn, *AMAZON)
        assert last is not None and last.service == "Amazon"
        assert world.balance(db, alice) == Decimal("8.50")

    def test_an_sms_of_no_listed_service_stays_unrouted(
        self, db: Database, alice: Customer
    ) -> None:
        (mdn,) = world.numbers(db, 1)
        request(db, alice, "Google", "Amazon")
        stray = receive(db, mdn, "55555", "Your Lyft code is 1234")
        assert stray is not None and stray.status == MessageStatus.UNROUTED
        assert states(db) == {"Google": "reserved", "Amazon": "reserved"}

    def test_the_operators_patterns_decide(self, db: Database, alice: Customer) -> None:
        from decimal import Decimal as D

        from simhive.core.catalog import service as catalog

        with db.uow() as uow:
            catalog.set_service(
                uow, catalog.ServiceSpec(name="Amazon", price=D("0.50"), sender_patterns="^777$")
            )
        (mdn,) = world.numbers(db, 1)
        request(db, alice, "Google", "Amazon")
        routed = receive(db, mdn, "777", "Code 4242")
        assert routed is not None and routed.service == "Amazon"

    def test_the_services_own_pattern_reads_the_code(self, db: Database, alice: Customer) -> None:
        from simhive.core.catalog import service as catalog

        with db.uow() as uow:
            catalog.set_service(
                uow,
                catalog.ServiceSpec(
                    name="Acme", price=Decimal("0.50"), text_patterns=r"ref (?P<code>[A-Z]{3}\d{3})"
                ),
            )
        (mdn,) = world.numbers(db, 1)
        request(db, alice, "Acme")
        routed = receive(db, mdn, "ACME", "Acme ref XYZ123, valid 5 minutes")
        assert routed is not None and routed.status == MessageStatus.ROUTED
        with db.uow(write=False) as uow:
            assert uow.session.scalar(select(Message.pin)) == "XYZ123"

    def test_a_single_service_request_takes_any_sms(self, db: Database, alice: Customer) -> None:
        (mdn,) = world.numbers(db, 1)
        request(db, alice, "Amazon")
        routed = receive(db, mdn, "12345", "Your code is 4242")
        assert routed is not None and routed.service == "Amazon"


class TestStore:
    def test_fifty_posts_of_one_ref_at_once_store_one_message(
        self, db: Database, alice: Customer
    ) -> None:
        (mdn,) = world.numbers(db, 1)
        request(db, alice, "Google")
        barrier = threading.Barrier(50)
        results: list[object] = []
        errors: list[BaseException] = []

        def post() -> None:
            try:
                barrier.wait(10)
                with db.uow() as uow:
                    results.append(
                        messages.receive(uow, inbound(mdn, *GOOGLE, uow.clock.now(), ref="r-1"))
                    )
            except BaseException as exc:  # noqa: BLE001 - reported to the test
                errors.append(exc)

        threads = [threading.Thread(target=post) for _ in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert len([r for r in results if r is not None]) == 1
        with db.uow(write=False) as uow:
            assert uow.session.scalar(select(func.count()).select_from(Message)) == 1
        assert world.balance(db, alice) == Decimal("9.00")


def strand(db: Database, mdn: str, sender: str, text: str, at: object) -> int:
    """Store an SMS whose routing has not happened yet (as after a failed attempt)."""
    with db.uow() as uow:
        message, _ = messages.store(uow, inbound(mdn, sender, text, at))
        return message.id


class TestStrandedMessages:
    def test_an_sms_that_came_in_time_completes_its_request_late(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        (mdn,) = world.numbers(db, 1)
        request(db, alice, "Google")
        clock.advance(899)
        message_id = strand(db, mdn, *GOOGLE, clock.now())
        clock.advance(60)  # routing retried after the deadline
        worker = Worker(db)
        try:
            result = worker.run_pending()
        finally:
            worker.stop()
        assert result.expired == 0 and result.rerouted == 1
        assert states(db) == {"Google": "completed"}
        with db.uow(write=False) as uow:
            assert uow.session.get(Message, message_id).status == "routed"  # type: ignore[union-attr]

    def test_an_sms_that_came_late_does_not(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        (mdn,) = world.numbers(db, 1)
        request(db, alice, "Google")
        clock.advance(901)
        strand(db, mdn, *GOOGLE, clock.now())
        with db.uow() as uow:
            message_id = uow.session.scalar(select(Message.id))
            assert messages.route_message(uow, message_id) is not None  # type: ignore[arg-type]
        assert states(db) == {"Google": "timed_out"}
        assert world.balance(db, alice) == Decimal("10.00")

    def test_a_request_waits_only_so_long_for_its_stranded_sms(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        (mdn,) = world.numbers(db, 1)
        request(db, alice, "Google")
        clock.advance(899)
        message_id = strand(db, mdn, *GOOGLE, clock.now())
        with db.uow() as uow:
            uow.session.execute(
                update(Message).values(next_route_at=uow.clock.now() + timedelta(days=1))
            )
        clock.advance(db.settings.stranded_grace_s + 2)
        from simhive.core.activations import lifecycle

        with db.uow() as uow:
            assert lifecycle.expire_due(uow) == 1
        del message_id

    def test_the_sweep_judges_each_request_by_its_own_number(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        # Several requests with numbers, one with its SMS stranded: the sweep asked for
        # "the" number of every request at once, and PostgreSQL refused the whole sweep
        # (more than one row), so no request ever timed out again.
        waiting, idle, other = world.numbers(db, 3)
        request(db, alice, "Google")
        request(db, alice, "Amazon")
        bob = world.customer(db, "bob")
        request(db, bob, "Google")
        clock.advance(899)
        strand(db, waiting, *GOOGLE, clock.now())
        clock.advance(5)
        from simhive.core.activations import lifecycle

        with db.uow() as uow:
            assert lifecycle.expire_due(uow) == 2
        with db.uow(write=False) as uow:
            left = uow.session.scalars(
                select(Number.mdn)
                .join(Activation, Activation.number_id == Number.id)
                .where(Activation.status == "reserved")
            ).all()
        assert left == [waiting]
        del idle, other

    def test_two_workers_retrying_one_message_route_it_once(
        self, db: Database, alice: Customer, backend: str
    ) -> None:
        (mdn,) = world.numbers(db, 1)
        request(db, alice, "Google")
        message_id = strand(db, mdn, *GOOGLE, db.clock.now())
        seen: list[object] = []

        def first(uow: UnitOfWork) -> None:
            seen.append(messages.route_message(uow, message_id))

        def second() -> None:
            with db.uow() as uow:
                seen.append(messages.route_message(uow, message_id))

        assert held_open_while(db, first, second) == []
        routed = [r for r in seen if r is not None]
        with db.uow(write=False) as uow:
            assert uow.session.get(Message, message_id).status == "routed"  # type: ignore[union-attr]
        assert world.balance(db, alice) == Decimal("9.00")
        # The second waits (SQLite) or skips (PostgreSQL); it never unroutes the message.
        assert all(r.status == MessageStatus.ROUTED for r in routed)  # type: ignore[attr-defined]

    def test_messages_that_keep_failing_do_not_block_the_others(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        ids = [strand(db, "12125550999", "1", f"text {i}", clock.now()) for i in range(130)]
        with db.uow() as uow:
            for message_id in ids[:100]:
                messages.route_failed(uow, message_id=message_id)
        with db.uow(write=False) as uow:
            due = messages.pending_messages(uow)
        assert due == ids[100:]
        clock.advance(2)
        with db.uow(write=False) as uow:
            assert messages.pending_messages(uow) == ids[100:] + ids[:70]

    def test_the_backoff_outlives_the_worker(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        (mdn,) = world.numbers(db, 1)
        request(db, alice, "Google")
        message_id = strand(db, mdn, *GOOGLE, clock.now())
        for _ in range(3):
            with db.uow() as uow:
                messages.route_failed(uow, message_id=message_id)
        worker = Worker(db)  # a restarted worker
        try:
            assert worker.run_pending().rerouted == 0
            clock.advance(7)
            assert worker.run_pending().rerouted == 0
            clock.advance(1)  # 2 ** 3 s after the third failure
            assert worker.run_pending().rerouted == 1
        finally:
            worker.stop()
        with db.uow(write=False) as uow:
            stored = uow.session.get(Message, message_id)
            assert stored is not None and (stored.status, stored.route_attempts) == ("routed", 3)


def rent(db: Database, who: Customer, mdn: str) -> int:
    with db.uow() as uow:
        catalog.set_service(
            uow,
            catalog.ServiceSpec(name="Amazon", price=Decimal("0.50"), ltr_price=Decimal("15.00")),
        )
        account = uow.session.get(world.Account, who.id)
        assert account is not None
        return rentals.rent(
            uow, account=account, request=rentals.RentRequest(service="Amazon", mdn=mdn)
        ).id


def release(db: Database, rental_id: int) -> None:
    with db.uow() as uow:
        rental = uow.session.get(Rental, rental_id)
        assert rental is not None
        rentals.release(uow, rental=rental)


def late(db: Database, mdn: str, sender: str, text: str, at: object) -> messages.Routed | None:
    """An SMS posted now, stamped by its gateway with when it reached the phone."""
    with db.uow() as uow:
        return messages.receive(uow, inbound(mdn, sender, text, at))


class TestMessagesFromBeforeTheHolder:
    """A gateway that posts late, or a routing retried for minutes, must not give the
    number's next holder an SMS that came before they held it: that is another
    customer's code, and the next holder would be charged for it."""

    def test_a_request_is_not_given_an_sms_from_before_it(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        bob = world.customer(db, "bob", credit="10.00")
        (mdn,) = world.numbers(db, 1)
        (amazon,) = request(db, alice, "Amazon")
        sent_at = clock.now()
        clock.advance(300)
        reject(db, alice, amazon.id)
        clock.advance(5)
        request(db, bob, "Google")
        routed = late(db, mdn, *AMAZON, sent_at)
        assert routed is not None and routed.status == MessageStatus.UNROUTED
        assert states(db) == {"Amazon": "rejected", "Google": "reserved"}
        assert world.balance(db, bob) == world.available(db, bob) + Decimal("1.00")
        assert world.balance(db, bob) == Decimal("10.00")
        # What came after the reservation is the holder's, as always.
        clock.advance(5)
        routed = late(db, mdn, *GOOGLE, clock.now())
        assert routed is not None and routed.service == "Google"

    def test_a_rental_is_not_given_an_sms_from_before_it(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        bob = world.customer(db, "bob", credit="100.00")
        carol = world.customer(db, "carol", credit="100.00")
        (mdn,) = world.numbers(db, 1)
        sent_at = clock.now()
        release(db, rent(db, carol, mdn))
        clock.advance(300)
        bobs = rent(db, bob, mdn)
        routed = late(db, mdn, *AMAZON, sent_at)
        assert routed is not None and routed.status == MessageStatus.UNROUTED
        clock.advance(1)
        routed = late(db, mdn, *AMAZON, clock.now())
        assert routed is not None and routed.rental_id == bobs

    def test_a_phone_whose_clock_is_a_little_slow_still_reaches_the_holder(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        (mdn,) = world.numbers(db, 1)
        request(db, alice, "Google")
        clock.advance(5)
        slow = clock.now() - timedelta(seconds=db.settings.sms_clock_skew_s - 10)
        routed = late(db, mdn, *GOOGLE, slow)
        assert routed is not None and routed.service == "Google"

    def test_a_phone_whose_clock_is_ahead_does_not_time_the_request_out(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        # Stamped an hour ahead, the SMS looked as if it came after the deadline.
        (mdn,) = world.numbers(db, 1)
        request(db, alice, "Google")
        routed = late(db, mdn, *GOOGLE, clock.now() + timedelta(hours=1))
        assert routed is not None and routed.service == "Google"
        assert states(db) == {"Google": "completed"}
        with db.uow(write=False) as uow:
            stored = uow.session.scalars(select(Message.received_at)).one()
        assert stored == clock.now()

    def test_a_renewal_is_given_what_came_in_the_period_it_continues(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        carol = world.customer(db, "carol", credit="100.00")
        (mdn,) = world.numbers(db, 1)
        first = rent(db, carol, mdn)
        clock.advance(60)
        sent_at = clock.now()
        # Renewed ahead of time: the renewal is the active rental, and starts in 3 days.
        renewal = rent(db, carol, mdn)
        assert renewal != first
        routed = late(db, mdn, *AMAZON, sent_at)
        assert routed is not None and routed.rental_id == renewal
        del alice


class TestSeenByAnotherService:
    """A request takes any SMS on its number; the service the SMS recognisably came
    from has seen the number all the same, and never gets it again from a plain request."""

    @pytest.mark.parametrize("asked", ["Amazon", "Unknown"])
    def test_a_number_is_used_for_the_service_whose_sms_it_got(
        self, db: Database, alice: Customer, asked: str
    ) -> None:
        world.service(db, "Unknown", "0.20")
        bob = world.customer(db, "bob", credit="10.00")
        (mdn,) = world.numbers(db, 1)
        request(db, alice, asked)
        routed = receive(db, mdn, *GOOGLE)
        assert routed is not None and routed.status == MessageStatus.ROUTED
        with db.uow(write=False) as uow:
            used = set(
                uow.session.scalars(
                    select(Service.name)
                    .join(NumberUsage, NumberUsage.service_id == Service.id)
                    .join(Number, Number.id == NumberUsage.number_id)
                    .where(Number.mdn == mdn)
                )
            )
        assert used == {asked, "Google"}
        with pytest.raises(NoNumbers):
            request(db, bob, "Google")

    def test_its_own_sms_marks_only_its_service(self, db: Database, alice: Customer) -> None:
        (mdn,) = world.numbers(db, 1)
        request(db, alice, "Amazon")
        receive(db, mdn, "AMZN", "654321 is your Amazon OTP. Google will never ask for it.")
        with db.uow(write=False) as uow:
            assert uow.session.scalar(select(func.count(NumberUsage.id))) == 1
