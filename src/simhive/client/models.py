"""What the command API answers, as typed values (prices as exact Decimals)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class ActivationStatus(StrEnum):
    AWAITING_MDN = "Awaiting MDN"
    RESERVED = "Reserved"
    COMPLETED = "Completed"
    REJECTED = "Rejected"
    TIMED_OUT = "Timed Out"


@dataclass(frozen=True, slots=True)
class Activation:
    id: str
    mdn: str
    service: str
    status: ActivationStatus
    state: str
    markup: int
    carrier: str
    till_expiration: int
    price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Message:
    timestamp: int
    date_time: str
    sender: str
    to: str
    service: str
    price: Decimal
    reply: str
    pin: str | None


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    name: str
    price: Decimal
    ltr_price: Decimal
    ltr_short_price: Decimal
    available: int
    ltr_available: int
    recommended_markup: int | None


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """The `incoming_message` webhook."""

    id: str
    timestamp: int
    date_time: str
    sender: str
    to: str
    service: str
    reply: str
    pin: str | None
    price: Decimal


@dataclass(frozen=True, slots=True)
class PriorityRequestWon:
    """The `priority_request` (or `premium_request`) webhook."""

    id: str
    mdn: str
    service: str
    price: Decimal
