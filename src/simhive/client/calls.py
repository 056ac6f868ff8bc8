"""Each command as a request to send and a parser for its answer (shared by both clients)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from simhive.client import _parse
from simhive.client.errors import ApiError
from simhive.client.models import Activation, Message, ServiceInfo

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
    *, activation_id: str | int | None = None, mdn: str | None = None, service: str | None = None
) -> Call[list[Message]]:
    params = {"cmd": "read_sms"}
    for key, value in (("id", activation_id), ("mdn", mdn), ("service", service)):
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


def settle(call: Call[T], status_code: int, body: bytes) -> T:
    """Parse an answer; the "nothing" error of a call becomes an empty result."""
    try:
        return call.parse(_parse.envelope(status_code, body))
    except ApiError as exc:
        if call.empty_on is not None and exc.message == call.empty_on:
            return call.parse([])
        raise
