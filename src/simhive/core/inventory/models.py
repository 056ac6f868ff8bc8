"""Phone numbers, who holds them, and the used / rejected rules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from simhive.db.base import Base
from simhive.db.types import UtcDateTime


class Number(Base):
    __tablename__ = "numbers"
    __table_args__ = (Index("ix_numbers_rotation", "gateway", "online", "queue_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    mdn: Mapped[str] = mapped_column(String(16), unique=True)
    country: Mapped[str] = mapped_column(String(2), default="US")
    carrier: Mapped[str] = mapped_column(String(32), default="")
    state: Mapped[str] = mapped_column(String(2), default="", index=True)
    area_code: Mapped[str] = mapped_column(String(3), default="", index=True)
    # The gateway that owns the number; core never treats one gateway specially.
    gateway: Mapped[str] = mapped_column(String(32))
    online: Mapped[bool] = mapped_column(Boolean, default=True)
    # Taken offline by the operator, its gateway or a report: SIM rotation passes it by
    # until someone brings it back online.
    held: Mapped[bool] = mapped_column(Boolean, default=False)
    # SIM rotation (a gateway with slots, see core.rotation): when an online number's
    # window ends; an offline one's place in line (its turn, or its customer's earlier
    # request) and its own turn.
    online_until: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    queue_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    turn_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    # Whether the number may be rented for 3 days (some SIMs only take 30-day rentals).
    short_rentals: Mapped[bool] = mapped_column(Boolean, default=True)
    # The activation group holding the number; NULL when free. Taken with a
    # compare-and-set UPDATE so that no number is ever given twice.
    lease_group: Mapped[int | None] = mapped_column(BigInteger, default=None)
    # When the number last became free (when it was added, if it was never leased):
    # free numbers are handed out longest free first.
    freed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


# Free online numbers in the order they are handed out (longest free first), so taking
# one reads the first few index entries instead of sorting every free one. The predicate
# is spelled as each database renders `Number.online.is_(True)`.
Index(
    "ix_numbers_free",
    Number.freed_at,
    Number.id,
    sqlite_where=text("lease_group IS NULL AND online IS 1"),
    postgresql_where=text("lease_group IS NULL AND online IS true"),
)


class NumberUsage(Base):
    """A number is used for a service once an account has received its SMS on it."""

    __tablename__ = "number_usages"
    __table_args__ = (UniqueConstraint("number_id", "service_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    number_id: Mapped[int] = mapped_column(ForeignKey("numbers.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    used_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Rejection(Base):
    """An account that rejected a number is never offered it again."""

    __tablename__ = "rejections"
    __table_args__ = (UniqueConstraint("account_id", "number_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    number_id: Mapped[int] = mapped_column(ForeignKey("numbers.id"), index=True)
    rejected_at: Mapped[datetime] = mapped_column(UtcDateTime)


class NumberSkip(Base):
    """An account that skipped a number for a service is never offered it for that service."""

    __tablename__ = "number_skips"
    __table_args__ = (UniqueConstraint("account_id", "number_id", "service_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    number_id: Mapped[int] = mapped_column(ForeignKey("numbers.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    skipped_at: Mapped[datetime] = mapped_column(UtcDateTime)
