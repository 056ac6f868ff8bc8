"""What a gateway is: the southbound edge between phone numbers and core."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class InboundSMS:
    """An SMS as a gateway delivers it to core; `to` is the MDN, 11 digits for US."""

    to: str
    sender: str
    text: str
    received_at: datetime
    gateway_ref: str | None = None


@dataclass(frozen=True, slots=True)
class SimNumber:
    """A number a gateway can bring online."""

    mdn: str
    state: str
    area_code: str
    carrier: str
    country: str = "US"


class GatewayError(Exception):
    """A gateway could not do what it was asked."""


class TemporaryGatewayError(GatewayError):
    """Worth retrying later."""


class PermanentGatewayError(GatewayError):
    """Retrying will not help."""


class InboundSink(Protocol):
    """Where a gateway hands inbound SMS: core stores them before anything else."""

    def __call__(self, sms: InboundSMS) -> None: ...


class Gateway(Protocol):
    """A source of phone numbers and inbound SMS."""

    name: str

    def start(self, sink: InboundSink) -> None: ...

    def stop(self) -> None: ...


@runtime_checkable
class SmsSender(Protocol):
    """A gateway that sends SMS from its numbers."""

    def send_sms(self, *, mdn: str, to: str, text: str, ref: str) -> str:
        """Hand an SMS to the network; returns the gateway's own reference for it.

        `ref` names the message the same way on every attempt, so a gateway that can
        drops a repeat. Raises TemporaryGatewayError when a later attempt may succeed,
        PermanentGatewayError when none will.
        """
        ...
