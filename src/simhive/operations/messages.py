"""Inbound SMS an operator hands in, as a gateway would."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from simhive.core.catalog import service as catalog
from simhive.core.errors import InvalidParameter
from simhive.core.messages import service as messages
from simhive.core.messages.models import Message
from simhive.db.uow import Database

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
        )


def service_patterns(db: Database, name: str) -> tuple[re.Pattern[str], ...]:
    """The text patterns that read a service's code first (the operator's, else built-in)."""
    with db.uow(write=False) as uow:
        (service,) = catalog.find_services(uow, [name])
        return catalog.text_patterns(service)
