"""The order API's answers: 002's tokens letter for letter, and its rental JSON."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from simhive.core.activations.models import ActivationStatus
from simhive.core.activations.orders import OrderView
from simhive.core.rentals.contracts import ContractSms, ContractView
from simhive.kit.phone import national_digits
from simhive.kit.timefmt import as_utc

# The order API writes the United Kingdom as 002 does.
COUNTRY_NAMES = {"GB": "UK", "NL": "NL", "US": "USA"}


def phone(mdn: str, country: str) -> str:
    """002's `PHONE_NUMBER`: national digits for NL and UK (`07684563067`), 1XXXXXXXXXX for USA."""
    return national_digits(mdn, country) if mdn else ""


def order_made(order: OrderView) -> str:
    """002 makeorder / reuse: `ORDER_ID_{ORDER_ID}_NUMBER_{PHONE_NUMBER}`."""
    return f"ORDER_ID_{order.id}_NUMBER_{phone(order.mdn, order.country)}"


def sms(order: OrderView) -> str:
    """002 getsms: `SUCCESS_{SMS_CONTENT}`, `WAITING`, or `ORDER_EXPIRED` (canceled or expired)."""
    if order.status == ActivationStatus.COMPLETED:
        return f"SUCCESS_{order.sms or ''}"
    if order.status in (ActivationStatus.RESERVED, ActivationStatus.AWAITING_MDN):
        return "WAITING"
    return "ORDER_EXPIRED"


def balance(amount: Decimal) -> str:
    """002 getbalance: the number alone; DESIGN.md: no trailing zeros (`10`, `10.5`)."""
    text = format(amount.quantize(Decimal("0.01")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def moment(when: datetime) -> str:
    """002's times, `2026-06-22T12:57:03.000000Z`: UTC, to the second."""
    return as_utc(when).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def dumps(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def contract_new(v: ContractView) -> str:
    """002 rental/new; `auto_renew` is the string "true" or "false" there."""
    return dumps(
        {
            "success": True,
            "contract_id": v.contract_id,
            "package": v.package,
            "auto_renew": "true" if v.auto_renew else "false",
            "expire_on": moment(v.expires_at),
            "phone_number": phone(v.mdn, v.country),
            "country": COUNTRY_NAMES.get(v.country, v.country),
        }
    )


def contract_extended(v: ContractView) -> str:
    """002 rental/extend: the extension's package and the new expiry."""
    return dumps({"success": True, "package": v.period_package, "new_expire": moment(v.expires_at)})


def contract_edited(v: ContractView) -> str:
    """002 rental/edit: `auto_renew` a JSON boolean."""
    return dumps({"success": True, "auto_renew": v.auto_renew})


def contract_view(v: ContractView, received: list[ContractSms]) -> str:
    """002 rental/view, with `received_sms` numbered from 1, oldest first (as its example)."""
    return dumps(
        {
            "success": True,
            "contract_id": v.contract_id,
            "phone_number": phone(v.mdn, v.country),
            "country": COUNTRY_NAMES.get(v.country, v.country),
            "package": v.package,
            "renewal_package": v.renewal_package,
            "auto_renew": v.auto_renew,
            "expire_on": moment(v.expires_at),
            "received_sms": [
                {
                    "id": n,
                    "sender": m.sender,
                    "body": m.body,
                    "receive_date": moment(m.received_at),
                }
                for n, m in enumerate(received, start=1)
            ],
        }
    )
