"""Inbound SMS: store first (its own transaction), then route, extract the PIN, notify."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update

from simhive.core.accounts.models import Account
from simhive.core.activations import lifecycle
from simhive.core.activations.models import Activation, ActivationStatus
from simhive.core.catalog import service as catalog
from simhive.core.catalog.models import Service
from simhive.core.errors import NoMessages, UnknownRental, UnknownRequest
from simhive.core.events import service as events
from simhive.core.inventory import service as inventory
from simhive.core.inventory.models import Number
from simhive.core.messages.models import Message, MessageStatus
from simhive.core.rentals.models import Rental, RentalStatus
from simhive.db.detached import columns, detached, split
from simhive.db.types import fixed
from simhive.db.uow import UnitOfWork
from simhive.db.upsert import insert_ignore_returning
from simhive.kit.ids import parse_id
from simhive.kit.phone import normalize_number
from simhive.pins import extract_pin

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Inbound:
    to: str
    sender: str
    text: str
    received_at: datetime
    gateway: str
    gateway_ref: str | None = None


@dataclass(frozen=True, slots=True)
class Routed:
    """What routing did with a message (for metrics and logs)."""

    message_id: int
    status: MessageStatus
    service: str | None = None
    activation_id: int | None = None
    seconds_to_code: float | None = None
    rental_id: int | None = None


def store_sms(uow: UnitOfWork, sms: Inbound) -> tuple[int, bool]:
    """Store an SMS exactly once; returns its id and whether it is new."""
    message, new = store(uow, sms)
    return message.id, new


def store(uow: UnitOfWork, sms: Inbound) -> tuple[Message, bool]:
    """Store an SMS exactly once; returns the stored row and whether it is new.

    One INSERT … ON CONFLICT DO NOTHING on (gateway, ref): a gateway that posts the
    same SMS many times at once (retrying after a timeout) gets one row and no error.
    """
    now = uow.clock.now()
    values = {
        "to_mdn": (normalize_number(sms.to) or sms.to)[:32],
        "sender": sms.sender[:64],
        "text": sms.text,
        "gateway": sms.gateway,
        "gateway_ref": sms.gateway_ref,
        # A gateway's clock may run ahead: an SMS is never received after it is stored.
        "received_at": min(sms.received_at, now),
        "stored_at": now,
        "status": MessageStatus.RECEIVED,
        "price_cents": 0,
        "route_attempts": 0,
        "next_route_at": now,
        "number_id": None,
        "account_id": None,
        "activation_id": None,
        "rental_id": None,
        "service_id": None,
        "pin": None,
    }
    if sms.gateway_ref:
        new_id = insert_ignore_returning(
            uow.session, Message, values, conflict=("gateway", "gateway_ref")
        )
    else:
        new_id = uow.run(_INSERT_MESSAGE, values).scalar()
    if new_id is not None:
        # The row as written, kept out of the session: routing writes its outcome with
        # one statement of its own (`_settle`), not through the ORM's flush.
        return detached(Message, {"id": new_id, **values}), True
    seen = uow.session.scalar(
        select(Message).where(
            Message.gateway == sms.gateway, Message.gateway_ref == sms.gateway_ref
        )
    )
    assert seen is not None
    return seen, False


def store_and_route(uow: UnitOfWork, sms: Inbound) -> Routed | None:
    """Store an SMS and route it in the same transaction, with no savepoint between.

    Two round trips fewer than `receive`, for the ingest path. If this raises, nothing
    it wrote stands: the caller rolls back and stores the SMS alone (`store_sms`), which
    the worker routes again later. None for an SMS this gateway delivered before.
    """
    message, new = store(uow, sms)
    if not new:
        return None
    return route(uow, message)


_INSERT_MESSAGE = insert(Message).returning(Message.id)


def receive(uow: UnitOfWork, sms: Inbound) -> Routed | None:
    """Store an SMS, then route it in a savepoint: if routing fails, the SMS is kept.

    Whoever hands the SMS in hears back only after the commit, so an SMS is never
    acknowledged unless it is stored; one stored but not routed (status received)
    is routed again by the worker. None for an SMS this gateway delivered before.
    """
    message, new = store(uow, sms)
    if not new:
        return None
    try:
        with uow.session.begin_nested():
            return route(uow, message)
    except Exception:
        log.exception("routing message %s failed; it stays stored for a retry", message.id)
        return Routed(message_id=message.id, status=MessageStatus.RECEIVED)


def route_message(uow: UnitOfWork, message_id: int) -> Routed | None:
    """Route a stored message again (the worker's retry); None if another worker has it.

    The message row is locked first, so two workers retrying at once route it once:
    the second skips it instead of turning a routed message back into unrouted.
    """
    query = (
        select(Message).where(Message.id == message_id).execution_options(populate_existing=True)
    )
    if uow.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    message = uow.session.scalar(query)
    if message is None:
        return None
    uow.session.expunge(message)
    return route(uow, message)


def _settle(uow: UnitOfWork, message: Message) -> None:
    """Write what routing decided for a message (it is kept out of the session)."""
    uow.run(
        _SETTLE,
        {
            "message_id": message.id,
            "status": message.status,
            "number_id": message.number_id,
            "account_id": message.account_id,
            "activation_id": message.activation_id,
            "rental_id": message.rental_id,
            "service_id": message.service_id,
            "price_cents": message.price_cents,
            "pin": message.pin,
        },
    )


_SETTLE = (
    update(Message)
    .where(Message.id == bindparam("message_id"))
    .values(
        status=bindparam("status"),
        number_id=bindparam("number_id"),
        account_id=bindparam("account_id"),
        activation_id=bindparam("activation_id"),
        rental_id=bindparam("rental_id"),
        service_id=bindparam("service_id"),
        price_cents=bindparam("price_cents"),
        pin=bindparam("pin"),
    )
)


def route(uow: UnitOfWork, message: Message) -> Routed:
    """Give a stored message to the request waiting for it; otherwise keep it unrouted."""
    message_id = message.id
    if message.status != MessageStatus.RECEIVED:
        return Routed(message_id, MessageStatus(message.status))
    target = _pick(uow, message)
    if target is None:
        rented = _rental_of(uow, message)
        if rented is not None and not _before_tenure(uow, message, rented[0]):
            return _deliver_to_rental(uow, message, *rented)
        return _unrouted(uow, message)
    activation, service, account = target
    # An SMS from before the number was reserved is not for its holder: a gateway that
    # posts late, or a retried routing, must not give one customer the code another
    # customer's request was sent (and charge them for it).
    if _before(uow, message, activation.reserved_at):
        return _unrouted(uow, message)
    # Judged by when the SMS arrived, not by when routing got to it: an SMS that came
    # in time completes its request even if routing it was delayed past the deadline.
    if activation.expires_at <= message.received_at:
        lifecycle.close(uow, activation, ActivationStatus.TIMED_OUT)
        return _unrouted(uow, message)
    return _complete(uow, message, activation, service, account)


def _rental_of(uow: UnitOfWork, message: Message) -> tuple[Rental, Account] | None:
    """The active rental holding the SMS's number, if any (rentals hold their number alone)."""
    row = uow.session.execute(
        select(Rental, Account)
        .join(Number, Number.id == Rental.number_id)
        .join(Account, Account.id == Rental.account_id)
        .where(
            Number.mdn == message.to_mdn,
            Rental.lease_group == Number.lease_group,
            Rental.status == RentalStatus.ACTIVE,
        )
        .limit(1)
    ).first()
    return (row[0], row[1]) if row is not None else None


def _before(uow: UnitOfWork, message: Message, moment: datetime | None) -> bool:
    """Whether the SMS came before `moment`, by more than a gateway's clock may run
    behind the server's (`sms_clock_skew_s`): a code that came just after a reservation,
    stamped by a phone a few seconds slow, is still the holder's."""
    if moment is None:
        return False
    skew = timedelta(seconds=uow.settings.sms_clock_skew_s)
    return message.received_at < moment - skew


def _before_tenure(uow: UnitOfWork, message: Message, rental: Rental) -> bool:
    """Whether the SMS arrived before the renter held the number without a break: before
    this rental started, and before each renewal it continues (`previous_id`) started.
    A number rented again after a gap starts a new hold: someone else may have had it."""
    start, previous = rental.starts_at, rental.previous_id
    while _before(uow, message, start):
        if previous is None:
            return True
        row = uow.session.execute(
            select(Rental.starts_at, Rental.previous_id).where(Rental.id == previous)
        ).first()
        if row is None:
            return True
        start, previous = row
    return False


def _deliver_to_rental(
    uow: UnitOfWork, message: Message, rental: Rental, account: Account
) -> Routed:
    """A rented number's SMS: the rental's service, or for Unlimited the one detected (004)."""
    service = uow.session.get(Service, rental.service_id)
    assert service is not None and rental.number_id is not None
    if service.name_key in catalog.ANY_SERVICE_NAMES:
        service = _detected(uow, message) or service
    message.number_id = rental.number_id
    message.status = MessageStatus.ROUTED
    message.account_id = account.id
    message.rental_id = rental.id
    message.service_id = service.id
    message.price_cents = 0
    message.pin = extract_pin(
        message.text,
        sender=message.sender,
        service=service.name,
        patterns=catalog.text_patterns(service),
    )
    _settle(uow, message)
    if service.name_key not in catalog.ANY_SERVICE_NAMES:
        _mark_seen(uow, message, service, number_id=rental.number_id, account_id=account.id)
    facts = completed_facts(message, service)
    facts["ltr_id"] = str(rental.id)
    facts["first_ltr_id"] = str(rental.first_id or rental.id)
    events.enqueue_webhook(uow, account=account, event_type=events.RENTAL_MESSAGE, fields=facts)
    # 003 "Inbound SMS": a rented number's SMS also goes to the REST inbound URL, as JSON.
    events.enqueue_inbound(uow, account=account, event_type=events.RENTAL_MESSAGE, fields=facts)
    uow.session.flush()
    return Routed(message.id, MessageStatus.ROUTED, service.name, rental_id=rental.id)


def _detected(uow: UnitOfWork, message: Message) -> Service | None:
    """The named service an SMS comes from, else the catalogue's "Unknown" service."""
    services = catalog.all_services(uow)
    found = catalog.detect(
        [s for s in services if s.name_key not in catalog.ANY_SERVICE_NAMES],
        sender=message.sender,
        text=message.text,
    )
    if found is not None:
        return found
    return next((s for s in services if s.name_key == "unknown"), None)


def record_billing(
    uow: UnitOfWork, *, account_id: int, to: str, service_id: int, price_cents: int, text: str
) -> None:
    """Log a rental's price in the account's messages, from `Billing` (004)."""
    now = uow.clock.now()
    uow.session.add(
        Message(
            to_mdn=to,
            sender="Billing",
            text=text,
            gateway="billing",
            received_at=now,
            stored_at=now,
            status=MessageStatus.BILLING,
            account_id=account_id,
            service_id=service_id,
            price_cents=price_cents,
        )
    )
    uow.session.flush()


def _unrouted(uow: UnitOfWork, message: Message) -> Routed:
    """Keep a message nobody was waiting for, with its PIN, for the operator."""
    message.number_id = uow.session.scalar(select(Number.id).where(Number.mdn == message.to_mdn))
    message.status = MessageStatus.UNROUTED
    message.pin = extract_pin(message.text, sender=message.sender)
    _settle(uow, message)
    return Routed(message.id, MessageStatus.UNROUTED)


def route_failed(uow: UnitOfWork, *, message_id: int) -> None:
    """Routing a message failed: try again later, backing off from 2 s to 5 min."""
    message = uow.session.get(Message, message_id, populate_existing=True)
    if message is None or message.status != MessageStatus.RECEIVED:
        return
    message.route_attempts += 1
    delay = min(2**message.route_attempts, 300)
    message.next_route_at = uow.clock.now() + timedelta(seconds=delay)
    uow.session.flush()


def _pick(uow: UnitOfWork, message: Message) -> tuple[Activation, Service, Account] | None:
    """The reserved request on the SMS's number that the SMS belongs to.

    A request for one service takes any SMS on its number. The requests of a
    multi-service request share the number, so each SMS goes to the one whose
    service it is (the service's sender and text patterns), or to none: an SMS
    that is not recognisably one of them stays unrouted rather than charge the wrong
    request (a second Google SMS must not complete the Amazon request).
    One Core statement finds the number, its holder's requests, their services and
    account; they come back detached (`db.detached`): routing only reads them, and
    closes the request with statements of its own.
    """
    rows = uow.run(_PICK, {"mdn": message.to_mdn}).all()
    if not rows:
        return None
    if len(rows) == 1 and rows[0].group_size == 1:
        return _picked(rows[0])
    picked = [_picked(row) for row in rows]
    by_service = {
        service.id: (activation, service, account) for activation, service, account in picked
    }
    found = catalog.detect(
        [service for _, service, _ in picked], sender=message.sender, text=message.text
    )
    if found is not None:
        return by_service[found.id]
    # "Unknown" in a multi-service request takes what no named service claims.
    for activation, service, account in picked:
        if service.name_key in catalog.ANY_SERVICE_NAMES:
            return activation, service, account
    return None


def _picked(row: Any) -> tuple[Activation, Service, Account]:
    return split(Activation, row, "a_"), split(Service, row, "s_"), split(Account, row, "c_")


_GROUP_SIZE = (
    select(func.count(Activation.id))
    .where(Activation.group_id == Number.lease_group)
    .correlate(Number)
    .scalar_subquery()
)
_PICK = (
    select(
        *columns(Activation, "a_"),
        *columns(Service, "s_"),
        *columns(Account, "c_"),
        _GROUP_SIZE.label("group_size"),
    )
    .join(Number, Number.id == Activation.number_id)
    .join(Service, Service.id == Activation.service_id)
    .join(Account, Account.id == Activation.account_id)
    .where(
        Number.mdn == bindparam("mdn"),
        Activation.group_id == Number.lease_group,
        Activation.status == ActivationStatus.RESERVED,
    )
    .order_by(Activation.id)
    .with_for_update(key_share=True, of=Activation)
)


def _complete(
    uow: UnitOfWork,
    message: Message,
    activation: Activation,
    service: Service,
    account: Account,
) -> Routed:
    assert activation.number_id is not None
    message.number_id = activation.number_id
    message.status = MessageStatus.ROUTED
    message.account_id = account.id
    message.activation_id = activation.id
    message.service_id = service.id
    message.price_cents = activation.price_cents
    # The service's own text patterns, where a group marks the code, come first.
    message.pin = extract_pin(
        message.text,
        sender=message.sender,
        service=service.name,
        patterns=catalog.text_patterns(service),
    )
    _settle(uow, message)
    _mark_seen(uow, message, service, number_id=activation.number_id, account_id=account.id)
    reserved_at = activation.reserved_at
    lifecycle.close(uow, activation, ActivationStatus.COMPLETED)
    events.enqueue_webhook(
        uow,
        account=account,
        event_type=events.ACTIVATION_COMPLETED,
        fields=completed_facts(message, service),
    )
    uow.session.flush()
    waited = (message.received_at - reserved_at).total_seconds() if reserved_at else None
    return Routed(message.id, MessageStatus.ROUTED, service.name, activation.id, waited)


def _mark_seen(
    uow: UnitOfWork, message: Message, service: Service, *, number_id: int, account_id: int
) -> None:
    """The number has now been used for `service`. A request or rental takes any SMS on its
    number ("Unknown" by design); when the SMS is recognisably another service's, that
    service has seen the number too."""
    for seen in (service, _other_service(uow, message, service)):
        if seen is not None:
            inventory.mark_used(uow, number_id=number_id, service_id=seen.id, account_id=account_id)


def _other_service(uow: UnitOfWork, message: Message, service: Service) -> Service | None:
    """The named service other than `service` whose sender or text pattern the SMS
    matches, if `service`'s own do not: the common case costs one match."""
    sender, text = message.sender, message.text
    if catalog.match_strength(service, sender=sender, text=text) >= 2:
        return None
    others = [
        s
        for s in catalog.all_services(uow)
        if s.id != service.id and s.name_key not in catalog.ANY_SERVICE_NAMES
    ]
    found = catalog.detect(others, sender=sender, text=text)
    if found is None or catalog.match_strength(found, sender=sender, text=text) < 2:
        return None
    return found


def completed_facts(message: Message, service: Service) -> dict[str, str]:
    """What happened when an SMS completed a request, for the dialects to word."""
    return {
        "activation_id": str(message.activation_id),
        "message_id": str(message.id),
        "received_at": message.received_at.isoformat(),
        "sender": message.sender,
        "to": message.to_mdn,
        "service": service.name,
        "text": message.text,
        "pin": message.pin or "",
        "price_cents": str(message.price_cents),
    }


@dataclass(frozen=True, slots=True)
class MessageView:
    received_at: datetime
    sender: str
    to: str
    service: str
    price_cents: int
    reply: str
    pin: str | None


def read_sms(
    uow: UnitOfWork,
    *,
    account: Account,
    activation_id: str | None = None,
    ltr_id: str | None = None,
    mdn: str | None = None,
    service: str | None = None,
) -> list[MessageView]:
    """The account's latest messages (000: at most 3 of the past 2 days, newest first).

    The `Billing` lines of rentals are in the account's log but never here.
    """
    settings = uow.settings
    since = uow.clock.now() - timedelta(seconds=settings.read_sms_window_s)
    query = (
        select(Message, Service.name)
        .join(Service, Service.id == Message.service_id)
        .where(
            Message.account_id == account.id,
            Message.received_at >= since,
            Message.status == MessageStatus.ROUTED,
        )
    )
    if activation_id is not None:
        # 000: with "id", "mdn" and "service" are ignored; results only once Completed.
        key = parse_id(activation_id)
        owner = uow.session.get(Activation, key) if key else None
        if owner is None or owner.account_id != account.id:
            raise UnknownRequest()
        query = query.where(Message.activation_id == key)
    elif ltr_id is not None:
        # 004: with "ltr_id", "mdn" is ignored; "service" filters an Unlimited rental's SMS.
        key = parse_id(ltr_id)
        rental = uow.session.get(Rental, key) if key else None
        if rental is None or rental.account_id != account.id:
            raise UnknownRental()
        chain = select(Rental.id).where(Rental.first_id == (rental.first_id or rental.id))
        query = query.where(Message.rental_id.in_(chain))
        if service:
            query = query.where(Message.service_id == catalog.find_services(uow, [service])[0].id)
    else:
        if mdn:
            query = query.where(Message.to_mdn == (normalize_number(mdn) or mdn))
        if service:
            query = query.where(Message.service_id == catalog.find_services(uow, [service])[0].id)
    rows = uow.session.execute(
        query.order_by(Message.received_at.desc(), Message.id.desc()).limit(settings.read_sms_limit)
    ).all()
    if not rows:
        raise NoMessages()
    return [
        MessageView(
            received_at=m.received_at,
            sender=m.sender,
            to=m.to_mdn,
            service=name,
            price_cents=m.price_cents,
            reply=m.text,
            pin=m.pin,
        )
        for m, name in rows
    ]


def pending_messages(uow: UnitOfWork, *, limit: int = 100) -> list[int]:
    """Stored messages not yet routed whose retry is due, the longest-waiting first.

    Each failure pushes a message's next try later, so messages that keep failing
    never hold back the ones behind them.
    """
    return list(uow.run(_PENDING, {"now": uow.clock.now(), "limit": limit}).scalars().all())


_PENDING = (
    select(Message.id)
    .where(
        Message.status == fixed(MessageStatus.RECEIVED), Message.next_route_at <= bindparam("now")
    )
    .order_by(Message.next_route_at, Message.id)
    .limit(bindparam("limit"))
)
