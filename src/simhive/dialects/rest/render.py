"""The REST API's answers: 003's field names; times as integers (`createdAt` in ms)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from simhive.core.insight.service import FraudCheckDone, HlrDone
from simhive.core.products.service import RequestView
from simhive.core.verify.service import VerificationView
from simhive.kit.timefmt import as_utc, unix_seconds


def millis(when: datetime) -> int:
    return int(as_utc(when).timestamp() * 1000)


def seconds(when: datetime | None) -> int | None:
    return None if when is None else unix_seconds(when)


def request_info(view: RequestView) -> dict[str, Any]:
    """003 "Getting request info", and the goal a client recorded (null until then)."""
    return {
        "id": view.id,
        "product": view.product,
        "number": view.number,
        "mccmnc": view.mccmnc,
        "network": view.network,
        "country": view.country,
        "status": view.status,
        "createdAt": millis(view.created_at),
        "payload": view.payload,
        "goal": view.goal,
        "goalAt": None if view.goal_at is None else millis(view.goal_at),
    }


def verified(view: VerificationView) -> dict[str, Any]:
    """DESIGN.md: `/v1/verify/check` answers {requestId, number, method, verifiedAt}."""
    return {
        "requestId": view.request_id,
        "number": view.number,
        "method": view.method,
        "verifiedAt": seconds(view.verified_at),
    }


def verification_info(view: VerificationView) -> dict[str, Any]:
    """DESIGN.md: `POST /v1/verify/info`."""
    return {
        "requestId": view.request_id,
        "status": "verified" if view.verified_at is not None else "processing",
        "number": view.number,
        "method": view.method,
        "verifiedAt": seconds(view.verified_at),
        "verificationRequestedAt": seconds(view.requested_at),
        "checkAttempts": view.attempts,
    }


def hlr(done: HlrDone) -> dict[str, Any]:
    """003 "HLR lookup": its example's fields, in its order; status DELIVERED or UNDELIVERED."""
    request, result = done.request, done.result
    return {
        "id": request.public_id,
        "product": request.product,
        "number": result.number,
        "mccmnc": result.mccmnc,
        "network": result.network,
        "country": result.country,
        "status": result.status.value.upper(),
        "createdAt": millis(request.created_at),
    }


def fraud_verdict(done: FraudCheckDone) -> dict[str, Any]:
    """003 "Fraud Check": `status` as 003's list spells it (PASSED, NOT_MOBILE_PREFIX,
    SUSPICIOUS, FRAUDULENT), `mobilePrefix`; and `requestId`, the request it is kept as."""
    return {
        "status": done.verdict.status.value.upper(),
        "mobilePrefix": done.verdict.mobile_prefix,
        "requestId": done.request.public_id,
    }
