"""Long-term rentals of a number, for one service or for any ("Unlimited")."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from simhive.db.base import Base
from simhive.db.types import UtcDateTime


class RentalStatus(StrEnum):
    AWAITING_MDN = "awaiting_mdn"  # reserved: the next free number goes to it
    ACTIVE = "active"
    RENEWED = "renewed"  # continued by a newer rental of the same number
    EXPIRED = "expired"
    RELEASED = "released"


OPEN_RENTAL_STATUSES = (RentalStatus.AWAITING_MDN, RentalStatus.ACTIVE)


class Rental(Base):
    """One paid period. A renewal is a new rental that continues the number (004)."""

    __tablename__ = "rentals"
    __table_args__ = (
        Index("ix_rentals_due", "status", "expires_at"),
        Index("ix_rentals_account", "account_id", "created_at"),
        Index("ix_rentals_number", "number_id", "status"),
        # A contract (and read_sms of a rental) is found by its chain's first id.
        Index("ix_rentals_first", "first_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    number_id: Mapped[int | None] = mapped_column(ForeignKey("numbers.id"), default=None)
    # The first rental of this number and service for the account (004's first_ltr_id),
    # and the one this renews.
    first_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    previous_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    # The number's lease while the chain of rentals holds it.
    lease_group: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    days: Mapped[int] = mapped_column(Integer)
    price_cents: Mapped[int] = mapped_column(BigInteger)
    autorenew: Mapped[bool] = mapped_column(Boolean, default=False)
    want_area_code: Mapped[str] = mapped_column(String(3), default="")
    want_state: Mapped[str] = mapped_column(String(2), default="")
    forward_to: Mapped[str | None] = mapped_column(String(16), default=None)
    # The API it came through; an order API contract (002) also names this period's
    # package (1m, 3m, 6m, 1y) and the one it renews with.
    api: Mapped[str] = mapped_column(String(16), default="command")
    package: Mapped[str | None] = mapped_column(String(4), default=None)
    renewal_package: Mapped[str | None] = mapped_column(String(4), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class ReportStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class ReportOutcome(StrEnum):
    REPLACED = "replaced"  # another number within the same rental
    REFUNDED = "refunded"  # the unused days back, the rental ended
    DISMISSED = "dismissed"


class RentalReport(Base):
    """A customer's report that a rented number receives nothing, and how it ended."""

    __tablename__ = "rental_reports"
    __table_args__ = (Index("ix_rental_reports_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    rental_id: Mapped[int] = mapped_column(ForeignKey("rentals.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    number_id: Mapped[int | None] = mapped_column(ForeignKey("numbers.id"), default=None)
    status: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)
    reason: Mapped[str] = mapped_column(String(500), default="")
    refund_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    resolved_by: Mapped[str | None] = mapped_column(String(128), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
