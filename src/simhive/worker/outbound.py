"""Outgoing SMS: hand a queued message to its number's gateway, then settle its fee.

The gateway is called outside any transaction; its answer is recorded in a short one
afterwards. Accepted: the message is sent and its fee captured. Refused for good: failed,
the fee released. A temporary refusal is retried as events are; the last attempt fails it.
"""

from __future__ import annotations

import logging

from simhive.core.events.service import ClaimedEvent
from simhive.core.outbound import service as outbound
from simhive.db.uow import Database
from simhive.gateways.base import PermanentGatewayError, SmsSender, TemporaryGatewayError
from simhive.worker.delivery import Outcome

__all__ = ["SEND_SMS", "send"]

SEND_SMS = outbound.SEND_SMS

log = logging.getLogger(__name__)


def send(db: Database, gateway: object, event: ClaimedEvent) -> Outcome:
    """Send the message an outbox event carries; the Outcome says whether to try again.

    A gateway's definite refusal is an answer, not a failed delivery: the event is done
    (its attempt log keeps the reason) and the message is marked failed.
    """
    message_id = int(event.payload["message_id"])
    with db.uow(write=False) as uow:
        pending = outbound.pending_send(uow, message_id=message_id)
    if pending is None:
        return Outcome(ok=True)  # settled by an earlier attempt
    if gateway is None:
        return _retry(db, event, message_id, f"no gateway {event.target} here")
    if not isinstance(gateway, SmsSender):
        return _refused(db, message_id, f"gateway {event.target} cannot send SMS")
    try:
        gateway_ref = gateway.send_sms(
            mdn=pending.mdn, to=pending.to, text=pending.text, ref=pending.ref
        )
    except PermanentGatewayError as exc:
        return _refused(db, message_id, f"refused: {exc}")
    except TemporaryGatewayError as exc:
        return _retry(db, event, message_id, f"{type(exc).__name__}: {exc}")
    except Exception as exc:
        # A gateway that fails in a way it did not name is given the benefit of the doubt.
        log.exception("gateway %s failed sending SMS %s", event.target, message_id)
        return _retry(db, event, message_id, f"{type(exc).__name__}: {exc}")
    with db.uow() as uow:
        outbound.record_sent(uow, message_id=message_id, gateway_ref=str(gateway_ref))
    return Outcome(ok=True)


def _refused(db: Database, message_id: int, error: str) -> Outcome:
    with db.uow() as uow:
        outbound.record_failed(uow, message_id=message_id, error=error)
    return Outcome(ok=True, error=error)


def _retry(db: Database, event: ClaimedEvent, message_id: int, error: str) -> Outcome:
    """Try again later; on the event's last attempt give up and release the fee."""
    if event.attempt > db.settings.webhook_max_retries:
        log.warning(
            "outgoing SMS %s given up after %d attempts: %s", message_id, event.attempt, error
        )
        with db.uow() as uow:
            outbound.record_failed(uow, message_id=message_id, error=error)
    return Outcome(ok=False, error=error)
