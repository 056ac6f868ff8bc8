"""Turning the command API's JSON into typed values; no I/O here."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from simhive.client.errors import TransportError, error_for
from simhive.client.models import (
    Activation,
    ActivationStatus,
    LineStatus,
    Message,
    Rental,
    RentalReport,
    RentalState,
    ReportOutcome,
    ReportStatus,
    ServiceInfo,
)

NEW_YORK = ZoneInfo("America/New_York")


def envelope(status_code: int, body: bytes) -> Any:
    """The `message` of an ok answer; raises the typed error of an error answer."""
    if status_code != 200:
        raise TransportError(f"HTTP {status_code}")
    try:
        data = json.loads(body, parse_float=Decimal)
    except ValueError as exc:
        raise TransportError(f"not JSON: {body[:200]!r}") from exc
    if not isinstance(data, dict) or data.get("status") not in ("ok", "error"):
        raise TransportError(f"not the command API's envelope: {body[:200]!r}")
    if data["status"] == "error":
        raise error_for(str(data.get("message", "")))
    return data.get("message")


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def activation(entry: dict[str, Any]) -> Activation:
    price = entry.get("price")
    return Activation(
        id=str(entry["id"]),
        mdn=str(entry.get("mdn") or ""),
        service=str(entry["service"]),
        status=ActivationStatus(entry["status"]),
        state=str(entry.get("state") or ""),
        markup=int(entry.get("markup") or 0),
        carrier=str(entry.get("carrier") or ""),
        till_expiration=int(entry.get("till_expiration") or 0),
        price=_decimal(price) if price is not None else None,
    )


def activations(message: Any) -> list[Activation]:
    entries = message if isinstance(message, list) else [message]
    return [activation(e) for e in entries]


def message(entry: dict[str, Any]) -> Message:
    return Message(
        timestamp=int(entry["timestamp"]),
        date_time=str(entry["date_time"]),
        sender=str(entry["from"]),
        to=str(entry["to"]),
        service=str(entry["service"]),
        price=_decimal(entry["price"]),
        reply=str(entry["reply"]),
        pin=str(entry["pin"]) if entry.get("pin") else None,
    )


def service(entry: dict[str, Any]) -> ServiceInfo:
    available = entry.get("available", entry.get("otp_available", 0))
    markup = entry.get("recommended_markup")
    return ServiceInfo(
        name=str(entry["name"]),
        price=_decimal(entry["price"]),
        ltr_price=_decimal(entry.get("ltr_price", "0")),
        ltr_short_price=_decimal(entry.get("ltr_short_price", "0")),
        available=int(available or 0),
        ltr_available=int(entry.get("ltr_available") or 0),
        recommended_markup=int(markup) if markup not in (None, "") else None,
    )


def new_york(text: str) -> datetime | None:
    """004's `expires`, `2100-12-31 23:59:59` in New York time; None for `""`.

    The text carries no offset: a time in November's repeated hour reads as its first (EDT) pass.
    """
    if not text:
        return None
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=NEW_YORK)


def rental(entry: dict[str, Any]) -> Rental:
    return Rental(
        id=int(entry["id"]),
        mdn=str(entry.get("mdn") or ""),
        service=str(entry["service"]),
        price=_decimal(entry["price"]),
        expires=new_york(str(entry.get("expires") or "")),
        carrier=str(entry.get("carrier") or ""),
    )


def rental_state(entry: dict[str, Any]) -> RentalState:
    return RentalState(
        ltr_status=LineStatus(entry["ltr_status"]),
        till_change=int(entry.get("till_change") or 0),
        next_online=int(entry.get("next_online") or 0),
        timestamp=int(entry["timestamp"]),
    )


def rental_report(entry: dict[str, Any]) -> RentalReport:
    outcome = entry.get("outcome")
    return RentalReport(
        status=ReportStatus(entry["status"]),
        outcome=ReportOutcome(outcome) if outcome else None,
        reason=str(entry.get("reason") or ""),
        mdn=str(entry.get("mdn") or ""),
        refund=_decimal(entry.get("refund") or "0"),
        timestamp=int(entry["timestamp"]),
    )


def boolean(value: Any) -> bool:
    """`ltr_autorenew`'s JSON boolean (a `"true"` / `"false"` string is read too)."""
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text not in ("true", "false", "1", "0"):
        raise TransportError(f"not a boolean: {value!r}")
    return text in ("true", "1")


def forwarded_to(value: Any) -> str:
    """`Calls are forwarded to 1XXXXXXXXXX`: the destination."""
    return str(value).rsplit(" ", 1)[-1]
