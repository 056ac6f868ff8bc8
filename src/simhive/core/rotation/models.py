"""How many SIMs a gateway holds online at once, and customers' asks to bring theirs online."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from simhive.db.base import Base
from simhive.db.types import UtcDateTime


class GatewaySlots(Base):
    """A gateway whose SIM bank holds more SIMs than modem slots: its numbers take turns.

    A gateway without a row has no known limit: its numbers are online unless held.
    """

    __tablename__ = "gateway_slots"
    __table_args__ = (
        CheckConstraint("slots >= 1", name="some_slots"),
        CheckConstraint("window_s IS NULL OR window_s >= 60", name="window_length"),
    )

    gateway: Mapped[str] = mapped_column(String(32), primary_key=True)
    slots: Mapped[int] = mapped_column(Integer)
    # How long a number stays online once in a slot; NULL: SIMHIVE_ROTATION_WINDOW_S.
    window_s: Mapped[int | None] = mapped_column(Integer, default=None)
    # Who set it: an operator (CLI user or admin token) or the gateway itself.
    set_by: Mapped[str] = mapped_column(String(128), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RequestStatus(StrEnum):
    PENDING = "pending"
    HONOURED = "honoured"  # the number came online
    CANCELLED = "cancelled"  # the rental let the number go first


class Turn(StrEnum):
    """How an honoured request's number came online."""

    REQUEST = "request"  # the request placed it in line
    ROTATION = "rotation"  # its own turn came first


class OnlineRequest(Base):
    """A customer's `ltr_activate` on a number out of its slot: honoured oldest first."""

    __tablename__ = "online_requests"
    __table_args__ = (
        Index("ix_online_requests_number", "number_id", "status"),
        Index("ix_online_requests_rental", "rental_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    number_id: Mapped[int] = mapped_column(ForeignKey("numbers.id"))
    rental_id: Mapped[int] = mapped_column(ForeignKey("rentals.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    # The lease that asked: a number its rental let go no longer owes it a window.
    lease_group: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    turn: Mapped[str | None] = mapped_column(String(16), default=None)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    # The guaranteed window an honoured request got.
    online_until: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
