"""Calls and delivery reports: place a queued call through the outbound gateway, and hand
the gateways' reports (SMS delivered or not, calls ended) to core.

As with outgoing SMS, the gateway is called outside any transaction and its answer is
recorded in a short one afterwards.
"""

from __future__ import annotations

import logging

from simhive.core.events.service import ClaimedEvent
from simhive.core.outbound import calls, platform
from simhive.core.outbound.models import CallStatus
from simhive.db.uow import Database
from simhive.gateways.base import (
    CallEnded,
    CallPlacer,
    DeliveryReport,
    PermanentGatewayError,
    ReportSource,
    TemporaryGatewayError,
)
from simhive.worker.delivery import Outcome

__all__ = ["PLACE_CALL", "collect_reports", "place"]

PLACE_CALL = calls.PLACE_CALL

log = logging.getLogger(__name__)


def place(db: Database, gateway: object, event: ClaimedEvent) -> Outcome:
    """Place the call an outbox event carries; the Outcome says whether to try again."""
    call_id = int(event.payload["call_id"])
    with db.uow(write=False) as uow:
        pending = calls.pending_call(uow, call_id=call_id)
    if pending is None:
        return Outcome(ok=True)
    if gateway is None:
        return _retry(db, event, call_id, f"no gateway {event.target} here")
    if not isinstance(gateway, CallPlacer):
        return _refused(db, call_id, f"gateway {event.target} cannot place calls")
    try:
        gateway_ref = gateway.place_call(
            caller_id=pending.caller_id, to=pending.to, script=pending.script, ref=pending.ref
        )
    except PermanentGatewayError as exc:
        return _refused(db, call_id, f"refused: {exc}")
    except Exception as exc:
        if not isinstance(exc, TemporaryGatewayError):
            log.exception("gateway %s failed placing call %s", event.target, call_id)
        return _retry(db, event, call_id, f"{type(exc).__name__}: {exc}")
    with db.uow() as uow:
        calls.record_placed(uow, call_id=call_id, gateway_ref=str(gateway_ref))
    return Outcome(ok=True)


def _refused(db: Database, call_id: int, error: str) -> Outcome:
    with db.uow() as uow:
        calls.record_refused(uow, call_id=call_id, error=error)
    return Outcome(ok=True, error=error)


def _retry(db: Database, event: ClaimedEvent, call_id: int, error: str) -> Outcome:
    if event.attempt > db.settings.webhook_max_retries:
        with db.uow() as uow:
            calls.record_refused(uow, call_id=call_id, error=error)
    return Outcome(ok=False, error=error)


class Unrecorded:
    """Reports a gateway handed over that could not be written yet (the database was
    away): kept for the next tick, since the gateway has let go of them."""

    LIMIT = 100_000

    def __init__(self) -> None:
        self.deliveries: list[DeliveryReport] = []
        self.calls: list[CallEnded] = []

    def trim(self) -> None:
        """Past LIMIT of a kind (a long outage), the oldest are dropped, and said so."""
        for kept in (self.deliveries, self.calls):
            if len(kept) > self.LIMIT:
                log.error("%d reports unrecorded; dropping the oldest", len(kept))
                del kept[: len(kept) - self.LIMIT]


def collect_reports(
    db: Database, name: str, gateway: object, unrecorded: Unrecorded | None = None
) -> int:
    """Record what a gateway reports about the SMS and calls it took; returns how many.

    A report whose write fails is kept in `unrecorded` and written at the next call.
    """
    if not isinstance(gateway, ReportSource):
        return 0
    waiting = unrecorded or Unrecorded()
    deliveries, waiting.deliveries = waiting.deliveries + gateway.delivery_reports(), []
    ended_calls, waiting.calls = waiting.calls + gateway.call_reports(), []
    seen = 0
    for report in deliveries:
        seen += 1
        try:
            with db.uow() as uow:
                platform.record_report(
                    uow,
                    report=platform.Report(
                        ref=report.ref,
                        delivered=report.delivered,
                        at=report.at,
                        gateway_ref=report.gateway_ref,
                        error=report.error,
                    ),
                )
        except Exception:
            log.exception("gateway %s: delivery report %s not recorded yet", name, report.ref)
            waiting.deliveries.append(report)
    for ended in ended_calls:
        seen += 1
        try:
            with db.uow() as uow:
                calls.record_report(
                    uow,
                    report=calls.CallReport(
                        ref=ended.ref,
                        status=CallStatus(ended.status),
                        sip_status=ended.sip_status,
                        created_at=ended.created_at,
                        ring_started_at=ended.ring_started_at,
                        answered_at=ended.answered_at,
                        ended_at=ended.ended_at,
                        billable=ended.billable,
                        duration_s=ended.duration_s,
                    ),
                )
        except Exception:
            log.exception("gateway %s: call report %s not recorded yet", name, ended.ref)
            waiting.calls.append(ended)
    waiting.trim()
    return seen
