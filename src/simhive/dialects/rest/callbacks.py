"""Callbacks to a request's `callbackUrl`: core's facts as 003's JSON bodies.

003 "Callbacks (webhooks)": a delivery receipt with the status (SENT, DELIVERED,
UNDELIVERED, REJECTED); for calls, the call's status with `sipStatus`, its timestamps
(`callCreatedAt`, `callRingStartedAt`, `callAnsweredAt`, `callEndedAt`, unix seconds),
`billable` and `duration`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

from simhive.core.products import service as products
from simhive.kit.timefmt import unix_seconds


def owns(event_type: str) -> bool:
    return event_type in (products.RECEIPT, products.CALL_STATUS)


def _seconds(raw: str) -> int | None:
    return int(raw) if raw else None


def receipt(facts: Mapping[str, str]) -> dict[str, Any]:
    return {
        "requestId": facts["request_id"],
        "product": facts["product"],
        "number": facts["number"],
        "mccmnc": facts.get("mccmnc") or None,
        "status": facts["status"],
        "timestamp": unix_seconds(datetime.fromisoformat(facts["at"])),
    }


def call_status(facts: Mapping[str, str]) -> dict[str, Any]:
    return {
        "requestId": facts["request_id"],
        "product": facts["product"],
        "number": facts["number"],
        "mccmnc": facts.get("mccmnc") or None,
        "from": facts.get("caller_id") or None,
        "status": facts["status"].upper(),
        "sipStatus": _seconds(facts.get("sip_status", "")),
        "timestamp": unix_seconds(datetime.fromisoformat(facts["at"])),
        "callCreatedAt": _seconds(facts.get("call_created_at", "")),
        "callRingStartedAt": _seconds(facts.get("call_ring_started_at", "")),
        "callAnsweredAt": _seconds(facts.get("call_answered_at", "")),
        "callEndedAt": _seconds(facts.get("call_ended_at", "")),
        "billable": facts.get("billable") == "true",
        "duration": int(facts.get("duration") or 0),
    }


def render(event_type: str, facts: Mapping[str, str]) -> bytes:
    """The exact JSON body posted as the callback for a core event."""
    body = call_status(facts) if event_type == products.CALL_STATUS else receipt(facts)
    return orjson.dumps(body)
