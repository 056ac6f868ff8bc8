"""The outbox: events written with the change that caused them, and every attempt."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from simhive.db.base import Base
from simhive.db.types import UtcDateTime


class EventKind(StrEnum):
    WEBHOOK = "webhook"  # the account's webhook URL: the command API's form-encoded events
    GATEWAY = "gateway"
    INBOUND = "inbound"  # the account's REST inbound URL: 003's inbound SMS as JSON


class EventStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


# Partial indexes hold only the events still to deliver, so claims and heartbeats never
# walk the delivered history; queries spell the status as a literal to use them.
PENDING_ONLY = "status = 'pending'"
HELD_ONLY = "status = 'pending' AND claimed_until IS NOT NULL"


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        # Due events in delivery order.
        Index(
            "ix_events_pending",
            "next_attempt_at",
            "id",
            sqlite_where=text(PENDING_ONLY),
            postgresql_where=text(PENDING_ONLY),
        ),
        # Claims held or lapsed, per account (the per-account claim bound counts them).
        Index(
            "ix_events_claimed",
            "account_id",
            "claimed_until",
            sqlite_where=text(HELD_ONLY),
            postgresql_where=text(HELD_ONLY),
        ),
        # Heartbeats find their claims by token.
        Index(
            "ix_events_claim_token",
            "claim_token",
            sqlite_where=text("claim_token IS NOT NULL"),
            postgresql_where=text("claim_token IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # The Standard Webhooks `webhook-id`: the same on every attempt.
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    event_type: Mapped[str] = mapped_column(String(32))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    target: Mapped[str] = mapped_column(String(2048))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=EventStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    # Written with each claim: only the holder of the current claim may record the outcome.
    claim_token: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class EventAttempt(Base):
    __tablename__ = "event_attempts"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
