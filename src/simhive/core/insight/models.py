"""The fraud guard's tables: the operator's block list and the attempt counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from simhive.db.base import Base
from simhive.db.types import UtcDateTime


class FraudBlock(Base):
    """A number prefix the operator has blocked: numbers under it are FRAUDULENT."""

    __tablename__ = "fraud_blocks"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # E.164 digits without the plus: a country code, a range, or one whole number.
    prefix: Mapped[str] = mapped_column(String(15), unique=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FraudCounter(Base):
    """Verification attempts of one account on one key (a range, an address, a number),
    counted per time bucket. Every process increments the same rows in the database
    (an upsert), so all of them see one count and none is lost."""

    __tablename__ = "fraud_counters"
    __table_args__ = (Index("ix_fraud_counters_bucket", "bucket"),)

    account_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Unix seconds at the start of the bucket (a multiple of `fraud_bucket_s`).
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
