"""Activations: one-time requests for a number and its SMS."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from simhive.db.base import Base
from simhive.db.types import UtcDateTime


class ActivationStatus(StrEnum):
    """Where a one-time request stands; each dialect words these in its own tokens."""

    AWAITING_MDN = "awaiting_mdn"
    RESERVED = "reserved"
    COMPLETED = "completed"
    REJECTED = "rejected"
    TIMED_OUT = "timed_out"


OPEN_STATUSES = (ActivationStatus.AWAITING_MDN, ActivationStatus.RESERVED)


class Api(StrEnum):
    """The API a request (or rental) came through, for the operator to see."""

    COMMAND = "command"
    ORDER = "order"


class Activation(Base):
    __tablename__ = "activations"
    __table_args__ = (
        Index("ix_activations_due", "status", "expires_at"),
        Index("ix_activations_account", "account_id", "created_at"),
        Index("ix_activations_group", "group_id"),
        # A safety net under the compare-and-set lease: one open activation per
        # number and service.
        Index(
            "uq_activations_open_number_service",
            "number_id",
            "service_id",
            unique=True,
            sqlite_where=text("status = 'reserved'"),
            postgresql_where=text("status = 'reserved'"),
        ),
        # The order API's rule, held by the database too: one open order per account.
        Index(
            "uq_activations_open_order",
            "account_id",
            unique=True,
            sqlite_where=text("status = 'reserved' AND api = 'order'"),
            postgresql_where=text("status = 'reserved' AND api = 'order'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    # The activations of one request share a random group token, which is also the
    # number's lease while they hold it.
    group_id: Mapped[int] = mapped_column(BigInteger)
    number_id: Mapped[int | None] = mapped_column(ForeignKey("numbers.id"), default=None)
    status: Mapped[str] = mapped_column(String(16))
    api: Mapped[str] = mapped_column(String(16), default=Api.COMMAND)
    markup: Mapped[int] = mapped_column(Integer, default=0)
    price_cents: Mapped[int] = mapped_column(BigInteger)
    want_area_code: Mapped[str] = mapped_column(String(3), default="")
    want_state: Mapped[str] = mapped_column(String(2), default="")
    hold_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reserved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
