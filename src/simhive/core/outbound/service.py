"""Outgoing SMS: who may send from a number, and the fee held until the gateway accepts.

004 (`send_sms`): a customer may send from a number they hold to a number that sent
them an SMS there within the past 30 minutes, if the number is online; the flat fee
is charged only once the gateway has accepted the message for delivery.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, or_, select, update

from simhive.core.accounts.models import Account
from simhive.core.activations.models import Activation, ActivationStatus
from simhive.core.errors import (
    InvalidMdn,
    InvalidRecipient,
    MdnNotHeld,
    MdnOffline,
    NoRecentMessages,
)
from simhive.core.events import service as events
from simhive.core.insight import fraud
from simhive.core.inventory.models import Number
from simhive.core.ledger import service as ledger
from simhive.core.messages.models import Message
from simhive.core.outbound import segments
from simhive.core.outbound.models import OutgoingMessage, OutgoingStatus
from simhive.core.products import service as products
from simhive.core.products.models import ProductRequest, Transport
from simhive.core.rentals.models import Rental, RentalStatus
from simhive.db.uow import UnitOfWork
from simhive.kit.money import from_cents, to_cents
from simhive.kit.phone import normalize_mdn

# The gateway event that carries an outgoing message to the number's gateway.
SEND_SMS = "sms.send"
ERROR_LENGTH = 500  # outgoing_messages.error

# Spaces, dots, dashes and brackets people write inside phone numbers.
_FORMATTING = re.compile(r"[\s().\-]")
_ADDRESS = re.compile(r"[0-9]{3,15}")


def address_key(raw: str) -> str | None:
    """A phone number or short code as digits, so that a sender and a destination compare.

    US numbers become 11 digits (`+1 212-555-0100`, `2125550100` → `12125550100`); short
    codes and other countries' numbers keep their digits (`22000`, `+44 7700 900123`);
    names (`Google`) and anything else are None: nobody can answer them.
    """
    value = _FORMATTING.sub("", raw.strip())
    value = value.removeprefix("+")
    if not _ADDRESS.fullmatch(value):
        return None
    return normalize_mdn(value) or value


def account_holds_number(uow: UnitOfWork, *, account_id: int, number_id: int) -> bool:
    """Whether the account holds the number: a request open on it, or one completed on it
    while `read_sms` still shows it that request's message (2 days by default).

    Wider than the reply window on purpose: an account whose SMS came 31 minutes ago
    hears 004's "No incoming messages within past 30 minutes", the actual reason, rather
    than that the number is not theirs.
    """
    since = uow.clock.now() - timedelta(seconds=uow.settings.read_sms_window_s)
    found = uow.session.scalar(
        select(Activation.id)
        .where(
            Activation.account_id == account_id,
            Activation.number_id == number_id,
            or_(
                Activation.status == ActivationStatus.RESERVED,
                and_(
                    Activation.status == ActivationStatus.COMPLETED,
                    Activation.closed_at >= since,
                ),
            ),
        )
        .limit(1)
    )
    if found is not None:
        return True
    # An active long-term rental of the number (004: "works for both one-time numbers and
    # long-term rentals").
    rented = uow.session.scalar(
        select(Rental.id)
        .where(
            Rental.account_id == account_id,
            Rental.number_id == number_id,
            Rental.status == RentalStatus.ACTIVE,
        )
        .limit(1)
    )
    return rented is not None


def heard_from(uow: UnitOfWork, *, account_id: int, mdn: str, recipient: str) -> bool:
    """Whether `recipient` sent the account an SMS on `mdn` within the reply window.

    Only messages routed to this account count: an SMS that came to the number for
    somebody else, or for nobody, gives this account no one to answer.
    """
    since = uow.clock.now() - timedelta(seconds=uow.settings.send_sms_reply_window_s)
    senders = uow.session.scalars(
        select(Message.sender)
        .where(
            Message.account_id == account_id,
            Message.to_mdn == mdn,
            Message.received_at >= since,
        )
        .distinct()
    )
    return any(address_key(sender) == recipient for sender in senders)


def send_sms(uow: UnitOfWork, *, account: Account, mdn: str, to: str, text: str) -> OutgoingMessage:
    """Queue an SMS from a number the account holds to a sender it heard from; hold the fee.

    The worker hands it to the number's gateway after this transaction commits; the fee
    is captured when the gateway accepts it and released when the gateway refuses it.
    """
    number_mdn = normalize_mdn(mdn)
    if number_mdn is None:
        raise InvalidMdn(mdn)
    recipient = address_key(to)
    if recipient is None:
        raise InvalidRecipient(to)
    split = segments.checked(text)
    if recipient.isdigit():
        fraud.refuse_fraudulent(uow, recipient)
    number = uow.session.scalar(select(Number).where(Number.mdn == number_mdn))
    if number is None or not account_holds_number(uow, account_id=account.id, number_id=number.id):
        raise MdnNotHeld(number_mdn)
    if not heard_from(uow, account_id=account.id, mdn=number_mdn, recipient=recipient):
        raise NoRecentMessages(uow.settings.send_sms_reply_window_s)
    if not number.online:
        raise MdnOffline()
    fee = to_cents(uow.settings.send_sms_fee)
    message = OutgoingMessage(
        account_id=account.id,
        number_id=number.id,
        mdn=number_mdn,
        to=recipient,
        text=text,
        status=OutgoingStatus.QUEUED,
        gateway=number.gateway,
        fee_cents=fee,
        encoding=split.encoding,
        parts=split.count,
        created_at=uow.clock.now(),
    )
    uow.session.add(message)
    uow.session.flush()
    if fee > 0:
        hold = ledger.place_hold(
            uow, account_id=account.id, amount=from_cents(fee), reference=f"sms:{message.id}"
        )
        message.hold_id = hold.id
    events.enqueue_gateway(
        uow, gateway=number.gateway, event_type=SEND_SMS, payload={"message_id": str(message.id)}
    )
    uow.session.flush()
    return message


@dataclass(frozen=True, slots=True)
class PendingSend:
    """A queued message as its gateway needs it."""

    id: int
    mdn: str
    to: str
    text: str
    gateway: str

    @property
    def ref(self) -> str:
        """Our name for the message, the same on every attempt (a gateway may drop repeats)."""
        return f"out-{self.id}"


def pending_send(uow: UnitOfWork, *, message_id: int) -> PendingSend | None:
    """The queued message an outbox event carries; None once it is sent or failed."""
    message = uow.session.get(OutgoingMessage, message_id)
    if message is None or message.status != OutgoingStatus.QUEUED:
        return None
    return PendingSend(message.id, message.mdn, message.to, message.text, message.gateway)


def record_sent(uow: UnitOfWork, *, message_id: int, gateway_ref: str) -> bool:
    """The gateway accepted the message: mark it sent and charge the fee (004: only now).

    False when the message was settled already (a repeated attempt): nothing is charged twice.
    """
    settled = uow.session.execute(
        update(OutgoingMessage)
        .where(OutgoingMessage.id == message_id, OutgoingMessage.status == OutgoingStatus.QUEUED)
        .values(status=OutgoingStatus.SENT, gateway_ref=gateway_ref[:128], sent_at=uow.clock.now())
        .returning(OutgoingMessage.hold_id, OutgoingMessage.request_id)
        .execution_options(synchronize_session=False)
    ).first()
    if settled is None:
        return False
    if settled.hold_id is not None:
        ledger.capture_hold(uow, settled.hold_id, memo=f"outgoing sms {message_id}")
    if settled.request_id is not None:
        # A REST request's price is captured once its SMS has left (003 status SENT).
        products.settle(uow, settled.request_id, capture=True)
        products.advance(uow, settled.request_id, Transport.SENT)
    return True


def record_failed(uow: UnitOfWork, *, message_id: int, error: str) -> bool:
    """The gateway refused the message for good: mark it failed and give the fee back."""
    settled = uow.session.execute(
        update(OutgoingMessage)
        .where(OutgoingMessage.id == message_id, OutgoingMessage.status == OutgoingStatus.QUEUED)
        .values(
            status=OutgoingStatus.FAILED,
            error=error[:ERROR_LENGTH] or "failed",
            failed_at=uow.clock.now(),
        )
        .returning(OutgoingMessage.hold_id, OutgoingMessage.request_id)
        .execution_options(synchronize_session=False)
    ).first()
    if settled is None:
        return False
    if settled.hold_id is not None:
        ledger.release_hold(uow, settled.hold_id)
    if settled.request_id is not None:
        products.settle(uow, settled.request_id, capture=False)
        products.advance(uow, settled.request_id, Transport.REJECTED)
    return True


@dataclass(frozen=True, slots=True)
class OutgoingView:
    """An outgoing message as operators list it."""

    id: int
    account: str
    mdn: str
    to: str
    text: str
    status: str
    gateway: str
    gateway_ref: str | None
    fee: Decimal
    error: str | None
    created_at: datetime
    sent_at: datetime | None
    parts: int = 1
    encoding: str = "gsm7"
    # An SMS sent for a REST request (a verification, `/v1/sms`) costs nothing of its
    # own (`fee` 0): the request holds the price, whatever it sent.
    request: str | None = None
    request_price: Decimal | None = None


def list_outgoing(uow: UnitOfWork, *, to: str | None = None, limit: int = 50) -> list[OutgoingView]:
    """Outgoing messages, newest first; `to` filters by destination."""
    query = (
        select(
            OutgoingMessage, Account.username, ProductRequest.public_id, ProductRequest.price_cents
        )
        .join(Account, Account.id == OutgoingMessage.account_id)
        .outerjoin(ProductRequest, ProductRequest.id == OutgoingMessage.request_id)
        .order_by(OutgoingMessage.id.desc())
        .limit(limit)
    )
    if to is not None:
        query = query.where(OutgoingMessage.to == (address_key(to) or to))
    return [
        OutgoingView(
            id=m.id,
            account=username,
            mdn=m.mdn,
            to=m.to,
            text=m.text,
            status=m.status,
            gateway=m.gateway,
            gateway_ref=m.gateway_ref,
            fee=from_cents(m.fee_cents),
            error=m.error,
            created_at=m.created_at,
            sent_at=m.sent_at,
            parts=m.parts,
            encoding=m.encoding,
            request=request,
            request_price=None if request is None else from_cents(price),
        )
        for m, username, request, price in uow.session.execute(query)
    ]
