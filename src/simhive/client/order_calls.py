"""Each order API call as a request to send and a parser for its answer; no I/O here."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from simhive.client.errors import TransportError, order_error_for
from simhive.client.order_models import (
    Contract,
    ContractDetails,
    ContractExtension,
    ContractSms,
    Order,
)

T = TypeVar("T")

_ORDER = re.compile(r"ORDER_ID_(\d+)_NUMBER_(\d+)")


@dataclass(frozen=True)
class OrderCall(Generic[T]):
    path: str
    params: dict[str, str]
    parse: Callable[[str], T]
    # 002 documents the rental calls as POST; the others as GET.
    post: bool = False


def settle(call: OrderCall[T], status_code: int, body: bytes) -> T:
    """The call's typed answer; a token that is no success raises its typed error."""
    if status_code != 200:
        raise TransportError(f"HTTP {status_code}")
    try:
        text = body.decode()
    except UnicodeDecodeError as exc:
        raise TransportError(f"not text: {body[:200]!r}") from exc
    return call.parse(text)


def _order(text: str) -> Order:
    found = _ORDER.fullmatch(text)
    if found is None:
        raise order_error_for(text)
    return Order(id=int(found[1]), phone=found[2])


def _sms(text: str) -> str | None:
    if text == "WAITING":
        return None
    if text.startswith("SUCCESS_"):
        return text.removeprefix("SUCCESS_")
    raise order_error_for(text)


def _done(expected: str) -> Callable[[str], None]:
    def parse(text: str) -> None:
        if text != expected:
            raise order_error_for(text)

    return parse


def _balance(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise order_error_for(text) from None
    if not value.is_finite():
        raise order_error_for(text)
    return value


def moment(text: str) -> datetime:
    """002's `2026-06-22T12:57:03.000000Z` as an aware UTC datetime."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _json(text: str) -> dict[str, Any]:
    if not text.startswith("{"):
        raise order_error_for(text)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise TransportError(f"not JSON: {text[:200]!r}") from exc
    if not isinstance(data, dict) or data.get("success") is not True:
        raise TransportError(f"not a success: {text[:200]!r}")
    return data


def _flag(value: Any) -> bool:
    """002 writes `auto_renew` as "true" in rental/new and as a boolean elsewhere."""
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise TransportError(f"not a boolean: {value!r}")


def _contract(text: str) -> Contract:
    data = _json(text)
    return Contract(
        contract_id=int(data["contract_id"]),
        package=str(data["package"]),
        auto_renew=_flag(data["auto_renew"]),
        expire_on=moment(str(data["expire_on"])),
        phone_number=str(data["phone_number"]),
        country=str(data["country"]),
    )


def _extension(text: str) -> ContractExtension:
    data = _json(text)
    return ContractExtension(package=str(data["package"]), new_expire=moment(data["new_expire"]))


def _auto_renew(text: str) -> bool:
    return _flag(_json(text)["auto_renew"])


def _details(text: str) -> ContractDetails:
    data = _json(text)
    return ContractDetails(
        contract_id=int(data["contract_id"]),
        phone_number=str(data["phone_number"]),
        country=str(data["country"]),
        package=str(data["package"]),
        renewal_package=str(data["renewal_package"]),
        auto_renew=_flag(data["auto_renew"]),
        expire_on=moment(str(data["expire_on"])),
        received_sms=tuple(
            ContractSms(
                id=int(m["id"]),
                sender=str(m["sender"]),
                body=str(m["body"]),
                receive_date=moment(str(m["receive_date"])),
            )
            for m in data.get("received_sms") or []
        ),
    )


def make_order(service_id: int | str, country: str) -> OrderCall[Order]:
    return OrderCall("makeorder", {"serviceId": str(service_id), "country": country}, _order)


def get_sms(order_id: int | str) -> OrderCall[str | None]:
    return OrderCall("getsms", {"orderId": str(order_id)}, _sms)


def cancel_order(order_id: int | str) -> OrderCall[None]:
    return OrderCall("cancelorder", {"orderId": str(order_id)}, _done("ORDER_CANCELED"))


def skip_number(order_id: int | str) -> OrderCall[None]:
    done = _done("NUMBER_SKIPPED_ORDER_CANCELED")
    return OrderCall("skipnumber", {"orderId": str(order_id)}, done)


def get_balance() -> OrderCall[Decimal]:
    return OrderCall("getbalance", {}, _balance)


def reuse(order_id: int | str) -> OrderCall[Order]:
    return OrderCall("reuse", {"orderId": str(order_id)}, _order)


def rental_new(country: str, package: str, auto_renew: bool) -> OrderCall[Contract]:
    params = {"country": country, "package": package, "auto_renew": _wire(auto_renew)}
    return OrderCall("rental/new", params, _contract, post=True)


def rental_extend(contract_id: int | str, package: str) -> OrderCall[ContractExtension]:
    params = {"contract_id": str(contract_id), "package": package}
    return OrderCall("rental/extend", params, _extension, post=True)


def rental_edit(contract_id: int | str, auto_renew: bool) -> OrderCall[bool]:
    params = {"contract_id": str(contract_id), "auto_renew": _wire(auto_renew)}
    return OrderCall("rental/edit", params, _auto_renew, post=True)


def rental_view(contract_id: int | str) -> OrderCall[ContractDetails]:
    return OrderCall("rental/view", {"contract_id": str(contract_id)}, _details, post=True)


def _wire(value: bool) -> str:
    return "true" if value else "false"
