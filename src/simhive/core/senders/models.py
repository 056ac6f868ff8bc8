"""Sender ids an operator approved for an account (003: "must be pre-validated by our support")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from simhive.db.base import Base
from simhive.db.types import UtcDateTime


class SenderId(Base):
    __tablename__ = "sender_ids"
    __table_args__ = (UniqueConstraint("account_id", "sender"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    sender: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
