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


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What became of an SMS a gateway sent: `ref` is the one `send_sms` was given."""

    ref: str
    delivered: bool
    at: datetime
    gateway_ref: str = ""
    error: str = ""


@dataclass(frozen=True, slots=True)
class CallEnded:
    """How a placed call ended; `status` is answered, no_answer, busy or failed."""

    ref: str
    status: str
    sip_status: int
    created_at: datetime
    ring_started_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime
    billable: bool
    duration_s: int


@runtime_checkable
class CallPlacer(Protocol):
    """A gateway that places calls: a flash call (`script` None) or one that reads a script."""

    def place_call(self, *, caller_id: str, to: str, script: str | None, ref: str) -> str:
        """Start a call; returns the gateway's reference. Errors as `SmsSender.send_sms`."""
        ...


@runtime_checkable
class ReportSource(Protocol):
    """A gateway that reports, when asked, what became of the SMS and calls it took."""

    def delivery_reports(self) -> list[DeliveryReport]: ...

    def call_reports(self) -> list[CallEnded]: ...
