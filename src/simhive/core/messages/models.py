"""Inbound SMS: stored first, routed second."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from simhive.db.base import Base
from simhive.db.types import UtcDateTime


class MessageStatus(StrEnum):
    RECEIVED = "received"
    ROUTED = "routed"
    UNROUTED = "unrouted"
    # Not an SMS: the account's log line for a rental's price (004 "Billing").
    BILLING = "billing"


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        # A gateway that delivers the same SMS twice (after a crash) stores it once.
        UniqueConstraint("gateway", "gateway_ref"),
        Index("ix_messages_account", "account_id", "received_at"),
        Index("ix_messages_activation", "activation_id"),
        Index("ix_messages_rental", "rental_id"),
        # The worker's retries: stored messages not yet routed, by when they are due.
        Index("ix_messages_route_due", "status", "next_route_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    to_mdn: Mapped[str] = mapped_column(String(32), index=True)
    sender: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    gateway: Mapped[str] = mapped_column(String(32))
    gateway_ref: Mapped[str | None] = mapped_column(String(128), default=None)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    stored_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.RECEIVED)
    number_id: Mapped[int | None] = mapped_column(ForeignKey("numbers.id"), default=None)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    activation_id: Mapped[int | None] = mapped_column(ForeignKey("activations.id"), default=None)
    rental_id: Mapped[int | None] = mapped_column(ForeignKey("rentals.id"), default=None)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), default=None)
    price_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    pin: Mapped[str | None] = mapped_column(String(32), default=None)
    # Routing retries (status received): how many failed, and when to try again.
    route_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_route_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
