"""Where gateways hand inbound SMS: stored in one transaction, routed in the next."""

from __future__ import annotations

import logging

from simhive.core.messages import service as messages
from simhive.core.messages.models import MessageStatus
from simhive.db.uow import Database
from simhive.gateways.base import InboundSMS
from simhive.observability import SMS_RECEIVED, TIME_TO_CODE

log = logging.getLogger(__name__)


def receive(db: Database, sms: InboundSMS, *, gateway: str) -> messages.Routed | None:
    """Store and route an inbound SMS in one transaction; if routing fails, store it alone.

    Either way the SMS is committed before this returns (and so before the gateway hears
    back), and one stored but not routed is routed again by the worker. None for an SMS
    this gateway delivered before.
    """
    try:
        with db.uow() as uow:
            routed = messages.store_and_route(uow, _inbound(sms, gateway))
    except Exception:
        log.exception("routing an SMS to %s failed; storing it alone for a retry", sms.to)
        message_id, new = store(db, sms, gateway=gateway)
        routed = messages.Routed(message_id, MessageStatus.RECEIVED) if new else None
    if routed is not None:
        _count(routed)
    return routed


def store(db: Database, sms: InboundSMS, *, gateway: str) -> tuple[int, bool]:
    """Store an inbound SMS without routing it (the worker routes it later): its id, and
    whether it is new."""
    with db.uow() as uow:
        return messages.store_sms(uow, _inbound(sms, gateway))


def _inbound(sms: InboundSMS, gateway: str) -> messages.Inbound:
    return messages.Inbound(
        to=sms.to,
        sender=sms.sender,
        text=sms.text,
        received_at=sms.received_at,
        gateway=gateway,
        gateway_ref=sms.gateway_ref,
    )


def route(db: Database, message_id: int) -> messages.Routed | None:
    """Route a stored message again; a failure keeps it stored and backs its next try off.

    None when it was not routed now (it failed, or another worker holds it).
    """
    try:
        with db.uow() as uow:
            routed = messages.route_message(uow, message_id)
    except Exception:
        log.exception("routing message %s failed; it stays stored for a retry", message_id)
        with db.uow() as uow:
            messages.route_failed(uow, message_id=message_id)
        return None
    if routed is not None:
        _count(routed)
    return routed


def _count(routed: messages.Routed) -> None:
    SMS_RECEIVED.labels(routed.status.value).inc()
    if routed.service and routed.seconds_to_code is not None:
        TIME_TO_CODE.labels(routed.service).observe(max(routed.seconds_to_code, 0))


class Sink:
    """The callable a gateway gets: it delivers into `receive`."""

    def __init__(self, db: Database, gateway: str) -> None:
        self.db = db
        self.gateway = gateway

    def __call__(self, sms: InboundSMS) -> messages.Routed | None:
        return receive(self.db, sms, gateway=self.gateway)
