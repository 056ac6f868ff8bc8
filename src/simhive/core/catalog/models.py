"""Services and their prices."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
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


class ServicePrice(Base):
    """A service's one-time price for numbers of one country (without one: its price)."""

    __tablename__ = "service_prices"
    __table_args__ = (UniqueConstraint("service_id", "country"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    country: Mapped[str] = mapped_column(String(2))
    price_cents: Mapped[int] = mapped_column(BigInteger)
