"""What the command API answers, as typed values (prices as exact Decimals)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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


class LineStatus(StrEnum):
    """`ltr_status`: whether a rented number can receive now."""

    ONLINE = "online"
    OFFLINE = "offline"
    AWAITING_MDN = "awaiting mdn"  # a reservation still waiting for its number


@dataclass(frozen=True, slots=True)
class Rental:
    """A long-term rental (`ltr_rent`, `ltr_switch_service`)."""

    id: int
    mdn: str  # "" while a reservation waits for its number
    service: str
    price: Decimal
    expires: datetime | None  # New York time; None while reserved
    carrier: str


@dataclass(frozen=True, slots=True)
class RentalState:
    """`ltr_status` / `ltr_activate`: `till_change` seconds until the number goes offline or
    comes online (0: no change planned), `next_online` and `timestamp` unix times
    (`next_online` now while online, 0 when unknown)."""

    ltr_status: LineStatus
    till_change: int
    next_online: int
    timestamp: int


class ReportStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class ReportOutcome(StrEnum):
    REPLACED = "replaced"  # another number within the same rental
    REFUNDED = "refunded"  # the unused days back, the rental ended
    DISMISSED = "dismissed"


@dataclass(frozen=True, slots=True)
class RentalReport:
    """`ltr_reported_status`: the latest report of a rental and its renewals."""

    status: ReportStatus
    outcome: ReportOutcome | None  # None while open
    reason: str
    mdn: str
    refund: Decimal
    timestamp: int  # when it was resolved, else when it was made


@dataclass(frozen=True, slots=True)
class RentalMessage:
    """The `incoming_message` webhook of a rented number (`ltr_id`, `first_ltr_id`, no `id`)."""

    ltr_id: int
    first_ltr_id: int
    timestamp: int
    date_time: str
    sender: str
    to: str
    service: str
    reply: str
    pin: str | None
    price: Decimal


@dataclass(frozen=True, slots=True)
class RentalRenewed:
    """The `ltr_renewal` webhook, status ok: a new rental continues the number."""

    new_ltr_id: int
    previous_ltr_id: int
    mdn: str
    service: str
    price: Decimal
    expires: datetime  # New York time


@dataclass(frozen=True, slots=True)
class RentalNotRenewed:
    """The `ltr_renewal` webhook, status error (e.g. `Low balance`): the rental has ended."""

    message: str
    previous_ltr_id: int
    mdn: str
    service: str
