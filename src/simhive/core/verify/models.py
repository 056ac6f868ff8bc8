"""Verifications: the code behind a verify.* product request, and its checks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from simhive.db.base import Base
from simhive.db.types import UtcDateTime


class Verification(Base):
    __tablename__ = "verifications"

    request_id: Mapped[int] = mapped_column(ForeignKey("product_requests.id"), primary_key=True)
    method: Mapped[str] = mapped_column(String(8))
    # SHA-256 of the request id and the code: the code itself is only in what was sent.
    code_hash: Mapped[str] = mapped_column(String(64))
    code_length: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(8))
    attempts_allowed: Mapped[int] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
