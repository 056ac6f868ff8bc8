"""SMS as an operator sees them: inbound ones handed in as a gateway would, and the lists."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from simhive.core.accounts.models import Account
from simhive.core.catalog import service as catalog
from simhive.core.catalog.models import Service
from simhive.core.errors import InvalidParameter
from simhive.core.messages import service as messages
from simhive.core.messages.models import Message
from simhive.core.outbound import service as outbound
from simhive.db.uow import Database
from simhive.kit.phone import normalize_number

# The gateway name stored on SMS that an operator injected (CLI or admin API).
INJECTED_GATEWAY = "cli"
# Longer than any concatenated SMS a phone delivers.
TEXT_LENGTH = 10_000


@dataclass(frozen=True)
class MessageInfo:
    """What became of an injected SMS: stored, and routed to a request or not."""

    message_id: int
    status: str
    activation_id: int | None
    service: str | None
    pin: str | None
    rental_id: int | None = None


def inject_sms(db: Database, *, to: str, sender: str, text: str) -> MessageInfo | None:
    """Deliver an inbound SMS: stored first, then routed in a savepoint; None if seen before."""
    for name, value, limit in (("to", to, 32), ("from", sender, 64), ("text", text, TEXT_LENGTH)):
        if len(value) > limit or "\x00" in value:
            raise InvalidParameter(
                name, value[:64], f"{name} must be at most {limit} characters, without NUL"
            )
    sms = messages.Inbound(
        to=to,
        sender=sender,
        text=text,
        received_at=db.clock.now(),
        gateway=INJECTED_GATEWAY,
        gateway_ref=f"cli-{secrets.token_hex(8)}",
    )
    with db.uow() as uow:
        routed = messages.receive(uow, sms)
        if routed is None:
            return None
        pin = uow.session.scalar(select(Message.pin).where(Message.id == routed.message_id))
        return MessageInfo(
            message_id=routed.message_id,
            status=routed.status.value,
            activation_id=routed.activation_id,
            service=routed.service,
            pin=pin,
            rental_id=routed.rental_id,
        )


def service_patterns(db: Database, name: str) -> tuple[re.Pattern[str], ...]:
    """The text patterns that read a service's code first (the operator's, else built-in)."""
    with db.uow(write=False) as uow:
        (service,) = catalog.find_services(uow, [name])
        return catalog.text_patterns(service)


@dataclass(frozen=True)
class IncomingInfo:
    """An inbound SMS as stored, with whom it was routed to."""

    id: int
    received_at: datetime
    to: str
    sender: str
    text: str
    status: str
    account: str | None
    service: str | None
    pin: str | None
    gateway: str


OutgoingInfo = outbound.OutgoingView


def _limit(limit: int) -> int:
    if not 1 <= limit <= 1000:
        raise InvalidParameter("limit", str(limit), "limit must be between 1 and 1000")
    return limit


def list_incoming(db: Database, *, to: str | None = None, limit: int = 50) -> list[IncomingInfo]:
    """Inbound SMS, newest first; `to` filters by the receiving MDN."""
    query = (
        select(Message, Account.username, Service.name)
        .outerjoin(Account, Account.id == Message.account_id)
        .outerjoin(Service, Service.id == Message.service_id)
        .order_by(Message.id.desc())
        .limit(_limit(limit))
    )
    if to is not None:
        query = query.where(Message.to_mdn == (normalize_number(to) or to.strip()))
    with db.uow(write=False) as uow:
        return [
            IncomingInfo(
                id=m.id,
                received_at=m.received_at,
                to=m.to_mdn,
                sender=m.sender,
                text=m.text,
                status=m.status,
                account=username,
                service=service,
                pin=m.pin,
                gateway=m.gateway,
            )
            for m, username, service in uow.session.execute(query)
        ]


def list_outgoing(db: Database, *, to: str | None = None, limit: int = 50) -> list[OutgoingInfo]:
    """Outgoing SMS, newest first, with their gateway status; `to` filters by destination."""
    with db.uow(write=False) as uow:
        return outbound.list_outgoing(uow, to=to, limit=_limit(limit))
