"""Outgoing SMS: queued by a customer, sent by the worker through the number's gateway."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from simhive.db.base import Base
from simhive.db.types import UtcDateTime


class OutgoingStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class OutgoingMessage(Base):
    """An SMS sent from a number the customer holds; the fee is held until the gateway answers."""

    __tablename__ = "outgoing_messages"
    __table_args__ = (Index("ix_outgoing_messages_account", "account_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    number_id: Mapped[int] = mapped_column(ForeignKey("numbers.id"), index=True)
    # The sending MDN as it was when queued (a number row may change hands later).
    mdn: Mapped[str] = mapped_column(String(16))
    # The destination, digits only: 11 for a US number, fewer for a short code.
    to: Mapped[str] = mapped_column(String(16), index=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=OutgoingStatus.QUEUED)
    gateway: Mapped[str] = mapped_column(String(32))
    gateway_ref: Mapped[str | None] = mapped_column(String(128), default=None)
    fee_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    hold_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
