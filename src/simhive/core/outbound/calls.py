"""Calls placed for REST requests: flash calls whose caller id carries a code, and voice
calls that read a script; placed by the worker through the outbound gateway.

The request holds the price; the call's final report captures it when the call was
billable and releases it otherwise. Each final report queues a call-status callback
(003: status, sipStatus, the call's timestamps, billable, duration).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from simhive.core.accounts.models import Account
from simhive.core.errors import InvalidParameter
from simhive.core.events import service as events
from simhive.core.outbound.models import CallKind, CallStatus, OutgoingCall
from simhive.core.products import service as products
from simhive.core.products.models import Transport
from simhive.db.uow import UnitOfWork
from simhive.kit.timefmt import unix_seconds

# The gateway event that carries a call to the outbound gateway.
PLACE_CALL = "call.place"
REF_PREFIX = "call-"
CALLER_ID_DIGITS = (8, 15)

# What a final call status means for the request (003 transport statuses).
_TRANSPORT = {
    CallStatus.ANSWERED: Transport.DELIVERED,
    CallStatus.NO_ANSWER: Transport.DELIVERED,  # a flash call that rang has done its job
    CallStatus.BUSY: Transport.UNDELIVERED,
    CallStatus.FAILED: Transport.UNDELIVERED,
}
FINAL = frozenset(_TRANSPORT)


def pool_caller_id(uow: UnitOfWork, *, ending: str | None = None, digits: int = 4) -> str:
    """A caller id from the operator's pool: a prefix, then `ending` (or random digits).

    003 flash calls: "the verification code will be 4 to 6 trailing digits in a phone
    number we called from". Prefixes come from `caller_id_pool`; one is picked at random
    among those that make a caller id of 8 to 15 digits.
    """
    tail = (
        ending if ending is not None else "".join(str(secrets.randbelow(10)) for _ in range(digits))
    )
    low, high = CALLER_ID_DIGITS
    prefixes = [
        p.strip()
        for p in uow.settings.caller_id_pool.split(",")
        if p.strip().isdigit() and low <= len(p.strip()) + len(tail) <= high
    ]
    if not prefixes:
        raise InvalidParameter(
            "code", tail, "the operator's caller-id pool has no prefix for a code this long"
        )
    return secrets.choice(prefixes) + tail


def queue_call(
    uow: UnitOfWork,
    *,
    account_id: int,
    request_id: int,
    kind: CallKind,
    caller_id: str,
    to: str,
    script: str | None = None,
) -> OutgoingCall:
    """Queue a call for a request; the worker places it after this transaction commits."""
    gateway = uow.settings.outbound_gateway
    call = OutgoingCall(
        account_id=account_id,
        request_id=request_id,
        kind=kind,
        caller_id=caller_id.removeprefix("+"),
        to=to.removeprefix("+"),
        script=script,
        status=CallStatus.QUEUED,
        gateway=gateway,
        created_at=uow.clock.now(),
    )
    uow.session.add(call)
    uow.session.flush()
    events.enqueue_gateway(
        uow, gateway=gateway, event_type=PLACE_CALL, payload={"call_id": str(call.id)}
    )
    return call


@dataclass(frozen=True, slots=True)
class PendingCall:
    id: int
    kind: str
    caller_id: str
    to: str
    script: str | None

    @property
    def ref(self) -> str:
        return f"{REF_PREFIX}{self.id}"


def pending_call(uow: UnitOfWork, *, call_id: int) -> PendingCall | None:
    call = uow.session.get(OutgoingCall, call_id)
    if call is None or call.status != CallStatus.QUEUED:
        return None
    return PendingCall(call.id, call.kind, call.caller_id, call.to, call.script)


def record_placed(uow: UnitOfWork, *, call_id: int, gateway_ref: str) -> bool:
    """The gateway took the call: it is placed (the request SENT)."""
    placed = uow.session.execute(
        update(OutgoingCall)
        .where(OutgoingCall.id == call_id, OutgoingCall.status == CallStatus.QUEUED)
        .values(status=CallStatus.PLACED, gateway_ref=gateway_ref[:128], placed_at=uow.clock.now())
        .returning(OutgoingCall.request_id)
        .execution_options(synchronize_session=False)
    ).first()
    if placed is None:
        return False
    products.advance(uow, placed.request_id, Transport.SENT, event_type=None)
    return True


def record_refused(uow: UnitOfWork, *, call_id: int, error: str) -> bool:
    """The gateway refused the call for good: failed, the request REJECTED, its price released."""
    refused = uow.session.execute(
        update(OutgoingCall)
        .where(OutgoingCall.id == call_id, OutgoingCall.status == CallStatus.QUEUED)
        .values(status=CallStatus.FAILED, error=error[:500] or "failed", ended_at=uow.clock.now())
        .returning(OutgoingCall.request_id)
        .execution_options(synchronize_session=False)
    ).first()
    if refused is None:
        return False
    products.settle(uow, refused.request_id, capture=False)
    products.advance(uow, refused.request_id, Transport.REJECTED, event_type=None)
    _callback(uow, call_id)
    return True


@dataclass(frozen=True, slots=True)
class CallReport:
    """How a call ended, as the gateway tells it (`ref` is ours: `call-<id>`)."""

    ref: str
    status: CallStatus
    sip_status: int
    created_at: datetime
    ring_started_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime
    billable: bool
    duration_s: int


def record_report(uow: UnitOfWork, *, report: CallReport) -> bool:
    """Record a call's end; settle the request's price and queue the call-status callback."""
    raw = report.ref.removeprefix(REF_PREFIX)
    if not report.ref.startswith(REF_PREFIX) or not raw.isdigit() or report.status not in FINAL:
        return False
    call_id = int(raw)
    record_placed(uow, call_id=call_id, gateway_ref=report.ref)
    ended = uow.session.execute(
        update(OutgoingCall)
        .where(OutgoingCall.id == call_id, OutgoingCall.status == CallStatus.PLACED)
        .values(
            status=report.status,
            sip_status=report.sip_status,
            ring_started_at=report.ring_started_at,
            answered_at=report.answered_at,
            ended_at=report.ended_at,
            billable=report.billable,
            duration_s=max(0, report.duration_s),
        )
        .returning(OutgoingCall.request_id)
        .execution_options(synchronize_session=False)
    ).first()
    if ended is None:
        return False
    products.settle(uow, ended.request_id, capture=report.billable)
    products.advance(uow, ended.request_id, _TRANSPORT[report.status], event_type=None)
    _callback(uow, call_id)
    return True


def _stamp(when: datetime | None) -> str:
    return "" if when is None else str(unix_seconds(when))


def _callback(uow: UnitOfWork, call_id: int) -> None:
    call = uow.session.get(OutgoingCall, call_id)
    if call is None:
        return
    uow.session.refresh(call)
    products.queue_callback(
        uow,
        call.request_id,
        event_type=products.CALL_STATUS,
        facts={
            "status": call.status,
            "sip_status": "" if call.sip_status is None else str(call.sip_status),
            "call_created_at": _stamp(call.placed_at or call.created_at),
            "call_ring_started_at": _stamp(call.ring_started_at),
            "call_answered_at": _stamp(call.answered_at),
            "call_ended_at": _stamp(call.ended_at),
            "billable": "true" if call.billable else "false",
            "duration": str(call.duration_s),
            "caller_id": call.caller_id,
        },
    )


@dataclass(frozen=True, slots=True)
class CallView:
    """A call as operators list it: what the handset saw (caller id, script) and the outcome."""

    id: int
    account: str
    kind: str
    caller_id: str
    to: str
    script: str | None
    status: str
    sip_status: int | None
    billable: bool
    duration_s: int
    created_at: datetime
    ended_at: datetime | None


def list_calls(uow: UnitOfWork, *, to: str | None = None, limit: int = 50) -> list[CallView]:
    """Calls, newest first; `to` filters by the called number (with or without `+`)."""
    query = (
        select(OutgoingCall, Account.username)
        .join(Account, Account.id == OutgoingCall.account_id)
        .order_by(OutgoingCall.id.desc())
        .limit(limit)
    )
    if to is not None:
        digits = "".join(c for c in to if c.isdigit())
        query = query.where(OutgoingCall.to == digits)
    return [
        CallView(
            id=c.id,
            account=username,
            kind=c.kind,
            caller_id=c.caller_id,
            to=c.to,
            script=c.script,
            status=c.status,
            sip_status=c.sip_status,
            billable=c.billable,
            duration_s=c.duration_s,
            created_at=c.created_at,
            ended_at=c.ended_at,
        )
        for c, username in uow.session.execute(query)
    ]
