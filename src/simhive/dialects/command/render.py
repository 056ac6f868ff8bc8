"""The command API's JSON, shaped as in the references (000 / 001 / 004)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson

from simhive.core.activations.models import ActivationStatus
from simhive.core.activations.views import ActivationView
from simhive.core.messages.service import MessageView
from simhive.kit.money import format_amount, from_cents
from simhive.kit.timefmt import new_york_text, unix_seconds


def dumps(value: Any) -> str:
    """JSON with Decimals written as numbers with two places (`"price": 0.50`, as in 000)."""
    try:
        # Most answers hold no Decimal: orjson writes them at C speed.
        return orjson.dumps(value).decode()
    except TypeError:
        return _dumps(value)


def _dumps(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{_dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_dumps(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return format_amount(value)
    return json.dumps(value, ensure_ascii=False)


def ok(message: Any) -> str:
    return dumps({"status": "ok", "message": message})


def error(message: str) -> str:
    return dumps({"status": "error", "message": message})


# The status strings of the command reference (000, request_status).
STATUS_TEXT = {
    ActivationStatus.AWAITING_MDN: "Awaiting MDN",
    ActivationStatus.RESERVED: "Reserved",
    ActivationStatus.COMPLETED: "Completed",
    ActivationStatus.REJECTED: "Rejected",
    ActivationStatus.TIMED_OUT: "Timed Out",
}


def status_text(status: str) -> str:
    """A core status as the command API writes it."""
    return STATUS_TEXT[ActivationStatus(status)]


def activation(v: ActivationView, *, with_price: bool) -> dict[str, Any]:
    """One entry of `request` (with price) or `request_status` (without, as in 000)."""
    entry: dict[str, Any] = {
        "id": str(v.id),
        "mdn": v.mdn,
        "service": v.service,
        "status": STATUS_TEXT[v.status],
        "state": v.state,
        "markup": v.markup,
    }
    if with_price:
        entry["price"] = v.price
    entry["carrier"] = v.carrier
    entry["till_expiration"] = v.till_expiration
    return entry


def message(m: MessageView) -> dict[str, Any]:
    """One `read_sms` entry: `timestamp` a string, `price` a number (000)."""
    return {
        "timestamp": str(unix_seconds(m.received_at)),
        "date_time": new_york_text(m.received_at),
        "from": m.sender,
        "to": m.to,
        "service": m.service,
        "price": from_cents(m.price_cents),
        "reply": m.reply,
        "pin": m.pin or "",
    }


def service_entry(
    *,
    name: str,
    price: Decimal,
    ltr_price: Decimal,
    ltr_short_price: Decimal,
    available: int,
    ltr_available: int,
    recommended_markup: int | None,
) -> dict[str, Any]:
    """One `list_services` entry: every value a string (000); both availability names (004).

    `recommended_markup` is a number string for a single service and `""` in a list.
    """
    entry = {
        "name": name,
        "price": format_amount(price),
        "ltr_price": format_amount(ltr_price),
        "ltr_short_price": format_amount(ltr_short_price),
        "otp_available": str(available),
        "available": str(available),
        "ltr_available": str(ltr_available),
        "recommended_markup": "" if recommended_markup is None else str(recommended_markup),
    }
    return entry
