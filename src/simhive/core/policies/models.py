"""Per-account REST policy: code lifetime, attempts, countries and prices (NULL: the setting)."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from simhive.db.base import Base


class AccountPolicy(Base):
    __tablename__ = "account_policies"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    code_expiry_s: Mapped[int | None] = mapped_column(Integer, default=None)
    check_attempts: Mapped[int | None] = mapped_column(Integer, default=None)
    # ISO country codes, comma-separated; NULL serves every country.
    countries: Mapped[str | None] = mapped_column(String(1024), default=None)
    verify_sms_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    verify_voice_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    verify_call_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    sms_part_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    flash_call_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
