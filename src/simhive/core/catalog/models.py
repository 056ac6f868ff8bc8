"""Services and their prices."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from simhive.db.base import Base


class Service(Base):
    __tablename__ = "services"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # Lookups ignore case ("google" finds "Google"); the unique index is on this key.
    name_key: Mapped[str] = mapped_column(String(64), unique=True)
    price_cents: Mapped[int] = mapped_column(BigInteger)
    ltr_price_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    ltr_short_price_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    order_id: Mapped[int | None] = mapped_column(Integer, unique=True, default=None)
    # Regular expressions (one per line) that recognise this service's SMS.
    sender_patterns: Mapped[str] = mapped_column(Text, default="")
    text_patterns: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
