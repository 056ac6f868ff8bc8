"""Outgoing SMS: queued by a customer, sent by the worker through the number's gateway."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from simhive.db.base import Base
from simhive.db.types import UtcDateTime


class OutgoingStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    # Delivery reports from the handset's network, after `sent`.
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"


class OutgoingMessage(Base):
    """An outgoing SMS: from a number the customer holds (command `send_sms`), its fee held
    until the gateway answers; or from a sender id for a REST request (`request_id`), whose
    price the request holds."""

    __tablename__ = "outgoing_messages"
    __table_args__ = (Index("ix_outgoing_messages_account", "account_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    number_id: Mapped[int | None] = mapped_column(ForeignKey("numbers.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("product_requests.id"), index=True, default=None
    )
    # Who it is from: the sending MDN as it was when queued (a number row may change hands
    # later), or the REST request's sender id.
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
    # How the text travels: GSM-7 or UCS-2, in this many concatenated parts.
    encoding: Mapped[str] = mapped_column(String(8), default="gsm7")
    parts: Mapped[int] = mapped_column(Integer, default=1)
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class CallKind(StrEnum):
    FLASH = "flash"  # rings and hangs up: the caller id carries the code
    VOICE = "voice"  # answered, and a script read out (PIN-to-speech)


class CallStatus(StrEnum):
    QUEUED = "queued"
    PLACED = "placed"
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"


class OutgoingCall(Base):
    """A call placed for a REST request; its price is held by the request until it ends."""

    __tablename__ = "outgoing_calls"
    __table_args__ = (Index("ix_outgoing_calls_account", "account_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    request_id: Mapped[int] = mapped_column(ForeignKey("product_requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    caller_id: Mapped[str] = mapped_column(String(16))
    to: Mapped[str] = mapped_column(String(16), index=True)
    script: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[str] = mapped_column(String(16), default=CallStatus.QUEUED)
    gateway: Mapped[str] = mapped_column(String(32))
    gateway_ref: Mapped[str | None] = mapped_column(String(128), default=None)
    sip_status: Mapped[int | None] = mapped_column(Integer, default=None)
    billable: Mapped[bool] = mapped_column(Boolean, default=False)
    duration_s: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    placed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    ring_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
