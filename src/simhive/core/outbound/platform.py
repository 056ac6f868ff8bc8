"""SMS the platform sends for REST requests (verification codes, `/v1/sms`), and the
delivery reports that come back for any outgoing SMS.

Such an SMS leaves from a sender id through the operator's outbound gateway; the worker
hands it over after the transaction commits (`sms.send`, as `send_sms` does), and core
hears back twice: the gateway took it (SENT), then the handset's network reported it
DELIVERED or UNDELIVERED.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update

from simhive.core.events import service as events
from simhive.core.outbound import service as outbound
from simhive.core.outbound.models import OutgoingMessage, OutgoingStatus
from simhive.core.outbound.segments import Segments, segment
from simhive.core.products import service as products
from simhive.core.products.models import Transport
from simhive.db.uow import UnitOfWork

REF_PREFIX = "out-"


def queue_sms(
    uow: UnitOfWork,
    *,
    account_id: int,
    request_id: int,
    sender: str,
    to: str,
    text: str,
    segments: Segments | None = None,
) -> OutgoingMessage:
    """Queue an SMS for a request, to an E.164 number, through the outbound gateway."""
    split = segments or segment(text)
    gateway = uow.settings.outbound_gateway
    message = OutgoingMessage(
        account_id=account_id,
        number_id=None,
        request_id=request_id,
        mdn=sender,
        to=to.removeprefix("+"),
        text=text,
        status=OutgoingStatus.QUEUED,
        gateway=gateway,
        fee_cents=0,  # the request holds the price
        encoding=split.encoding,
        parts=split.count,
        created_at=uow.clock.now(),
    )
    uow.session.add(message)
    uow.session.flush()
    events.enqueue_gateway(
        uow, gateway=gateway, event_type=outbound.SEND_SMS, payload={"message_id": str(message.id)}
    )
    return message


@dataclass(frozen=True, slots=True)
class Report:
    """A delivery report: our reference for the message (`out-<id>`), and what became of it."""

    ref: str
    delivered: bool
    at: datetime
    gateway_ref: str = ""
    error: str = ""


def record_report(uow: UnitOfWork, *, report: Report) -> bool:
    """Record a delivery report; a report for a message still queued marks it sent first.

    Reports are matched by our own reference, so one that overtakes the gateway's
    acceptance is not lost. False for an unknown message or a repeated report.
    """
    raw = report.ref.removeprefix(REF_PREFIX)
    if not report.ref.startswith(REF_PREFIX) or not raw.isdigit():
        return False
    message_id = int(raw)
    outbound.record_sent(uow, message_id=message_id, gateway_ref=report.gateway_ref or report.ref)
    status = OutgoingStatus.DELIVERED if report.delivered else OutgoingStatus.UNDELIVERED
    values: dict[str, object] = {"status": status, "reported_at": report.at}
    if report.error:
        values["error"] = report.error[: outbound.ERROR_LENGTH]
    moved = uow.session.execute(
        update(OutgoingMessage)
        .where(OutgoingMessage.id == message_id, OutgoingMessage.status == OutgoingStatus.SENT)
        .values(**values)
        .returning(OutgoingMessage.request_id)
        .execution_options(synchronize_session=False)
    ).first()
    if moved is None:
        return False
    if moved.request_id is not None:
        transport = Transport.DELIVERED if report.delivered else Transport.UNDELIVERED
        products.advance(uow, moved.request_id, transport)
    return True
