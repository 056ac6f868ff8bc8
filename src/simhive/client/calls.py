"""Each command as a request to send and a parser for its answer (shared by both clients)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from simhive.client import _parse
from simhive.client.errors import ApiError
from simhive.client.models import (
    Activation,
    Message,
    Rental,
    RentalReport,
    RentalState,
    ServiceInfo,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Call(Generic[T]):
    params: dict[str, str]
    parse: Callable[[Any], T]
    empty_on: str | None = None  # an error message that means "nothing", not a failure


def _names(service: str | Sequence[str]) -> str:
    return service if isinstance(service, str) else ",".join(service)


def request(
    service: str | Sequence[str],
    *,
    mdn: str | None = None,
    areacode: str | None = None,
    state: str | None = None,
    markup: int | None = None,
) -> Call[list[Activation]]:
    params = {"cmd": "request", "service": _names(service)}
    for key, value in (("mdn", mdn), ("areacode", areacode), ("state", state), ("markup", markup)):
        if value is not None:
            params[key] = str(value)
    return Call(params, _parse.activations)


def request_status(activation_id: str | int) -> Call[Activation]:
    # The references answer a one-element array; some servers a bare object: both work.
    return Call(
        {"cmd": "request_status", "id": str(activation_id)}, lambda m: _parse.activations(m)[0]
    )


def reject(activation_id: str | int) -> Call[str]:
    return Call({"cmd": "reject", "id": str(activation_id)}, str)


def read_sms(
    *,
    activation_id: str | int | None = None,
    ltr_id: str | int | None = None,
    mdn: str | None = None,
    service: str | None = None,
) -> Call[list[Message]]:
    params = {"cmd": "read_sms"}
    pairs = (("id", activation_id), ("ltr_id", ltr_id), ("mdn", mdn), ("service", service))
    for key, value in pairs:
        if value is not None:
            params[key] = str(value)
    return Call(params, lambda m: [_parse.message(e) for e in m], empty_on="No messages")


def list_services(services: str | Sequence[str] | None = None) -> Call[list[ServiceInfo]]:
    params = {"cmd": "list_services"}
    if services:
        params["service"] = _names(services)
    return Call(params, lambda m: [_parse.service(e) for e in m])


def send_sms(mdn: str, to: str, text: str) -> Call[str]:
    # 004 names the text `sms`.
    return Call({"cmd": "send_sms", "mdn": mdn, "to": to, "sms": text}, str)


def balance() -> Call[Decimal]:
    return Call({"cmd": "balance"}, lambda m: Decimal(str(m)))


def _given(params: dict[str, str], **values: str | int | None) -> dict[str, str]:
    for key, value in values.items():
        if value is not None:
            params[key] = str(value)
    return params


def _rental(cmd: str, ltr_id: str | int | None, mdn: str | None) -> dict[str, str]:
    """The rental named by `ltr_id`, or by `mdn` (004: `mdn` is ignored when `ltr_id` is given)."""
    if ltr_id is None and mdn is None:
        raise ValueError("give an ltr_id or an mdn")
    return _given({"cmd": cmd}, ltr_id=ltr_id, mdn=mdn)


def ltr_rent(
    service: str,
    *,
    duration: int = 30,
    mdn: str | None = None,
    areacode: str | None = None,
    state: str | None = None,
    reserve: bool = False,
    autorenew: bool = False,
) -> Call[Rental]:
    params = _given(
        {"cmd": "ltr_rent", "service": service, "duration": str(duration)},
        mdn=mdn,
        areacode=areacode,
        state=state,
        reserve="true" if reserve else None,
        autorenew="true" if autorenew else None,
    )
    return Call(params, _parse.rental)


def ltr_autorenew_get(
    ltr_id: str | int | None, *, service: str | None, mdn: str | None
) -> Call[bool]:
    return Call(_autorenew(ltr_id, service, mdn), _parse.boolean)


def ltr_autorenew_set(
    ltr_id: str | int | None, *, service: str | None, mdn: str | None, autorenew: bool
) -> Call[None]:
    params = _autorenew(ltr_id, service, mdn)
    params["autorenew"] = "true" if autorenew else "false"
    return Call(params, lambda m: None)


def _autorenew(ltr_id: str | int | None, service: str | None, mdn: str | None) -> dict[str, str]:
    # 004: without ltr_id, "service" and "mdn" are both required.
    if ltr_id is None and (service is None or mdn is None):
        raise ValueError("give an ltr_id, or a service and an mdn")
    if ltr_id is not None:
        return _given({"cmd": "ltr_autorenew"}, ltr_id=ltr_id)
    return _given({"cmd": "ltr_autorenew"}, service=service, mdn=mdn)


def ltr_status(ltr_id: str | int | None, *, mdn: str | None) -> Call[RentalState]:
    return Call(_rental("ltr_status", ltr_id, mdn), _parse.rental_state)


def ltr_activate(ltr_id: str | int | None, *, mdn: str | None) -> Call[RentalState]:
    return Call(_rental("ltr_activate", ltr_id, mdn), _parse.rental_state)


def ltr_release(ltr_id: str | int | None, *, mdn: str | None) -> Call[str]:
    return Call(_rental("ltr_release", ltr_id, mdn), str)


def ltr_switch_service(ltr_id: str | int, service: str) -> Call[Rental]:
    params = {"cmd": "ltr_switch_service", "ltr_id": str(ltr_id), "service": service}
    return Call(params, _parse.rental)


def ltr_forward(ltr_id: str | int | None, *, mdn: str | None, destination: str) -> Call[str]:
    params = _rental("ltr_forward", ltr_id, mdn)
    params["destination"] = destination
    return Call(params, _parse.forwarded_to)


def ltr_report(ltr_id: str | int | None, *, mdn: str | None, reason: str | None) -> Call[str]:
    return Call(_given(_rental("ltr_report", ltr_id, mdn), reason=reason), str)


def ltr_reported_status(ltr_id: str | int | None, *, mdn: str | None) -> Call[RentalReport]:
    return Call(_rental("ltr_reported_status", ltr_id, mdn), _parse.rental_report)


def settle(call: Call[T], status_code: int, body: bytes) -> T:
    """Parse an answer; the "nothing" error of a call becomes an empty result."""
    try:
        return call.parse(_parse.envelope(status_code, body))
    except ApiError as exc:
        if call.empty_on is not None and exc.message == call.empty_on:
            return call.parse([])
        raise
