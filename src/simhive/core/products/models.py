"""Requests of the REST API's products, one table for all of them (003 "Getting request info").

Every product (a verification, an SMS, a flash call, an HLR lookup, a fraud check) is one
row here with the fields 003 shows for any request; a product's own details live in its
own table, keyed by this row's id.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from simhive.db.base import Base
from simhive.db.types import UtcDateTime


class Product(StrEnum):
    VERIFY_SMS = "verify.sms"
    VERIFY_VOICE = "verify.voice"
    VERIFY_CALL = "verify.call"
    SMS = "sms"
    CALL_FLASH = "call.flash"
    INSIGHT_HLR = "insight.hlr"
    INSIGHT_FRAUDCHECK = "insight.fraudcheck"


class Transport(StrEnum):
    """003's transport statuses, and QUEUED before the gateway has taken the request."""

    QUEUED = "QUEUED"
    SENT = "SENT"
    DELIVERED = "DELIVERED"
    UNDELIVERED = "UNDELIVERED"
    REJECTED = "REJECTED"


FINAL = frozenset({Transport.DELIVERED, Transport.UNDELIVERED, Transport.REJECTED})


class ProductRequest(Base):
    __tablename__ = "product_requests"
    __table_args__ = (Index("ix_product_requests_account", "account_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # What clients see as `id` / `requestId`: random, so ids tell nothing about volumes.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    product: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(16))  # E.164 with `+`
    mccmnc: Mapped[str | None] = mapped_column(String(8), default=None)
    network: Mapped[str | None] = mapped_column(String(64), default=None)
    country: Mapped[str | None] = mapped_column(String(2), default=None)
    status: Mapped[str] = mapped_column(String(16), default=Transport.QUEUED)
    # The request's parameters as the client sent them (003 `payload`), as JSON.
    payload: Mapped[str] = mapped_column(Text, default="{}")
    callback_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    price_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    hold_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    goal: Mapped[str | None] = mapped_column(String(64), default=None)
    goal_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
