"""The ledger: append-only entries and holds, in integer cents."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from simhive.db.base import Base
from simhive.db.types import UtcDateTime


class EntryKind(StrEnum):
    CREDIT = "credit"
    CAPTURE = "capture"
    ADJUSTMENT = "adjustment"
    CHARGE = "charge"
    REFUND = "refund"


class HoldStatus(StrEnum):
    OPEN = "open"
    CAPTURED = "captured"
    RELEASED = "released"


class LedgerEntry(Base):
    """One money movement; a balance is the sum of an account's entries."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str | None] = mapped_column(String(64), default=None)
    memo: Mapped[str | None] = mapped_column(String(255), default=None)
    # Who made an operator's entry: an admin token, or the CLI and its OS user.
    made_by: Mapped[str | None] = mapped_column(String(128), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LedgerBalance(Base):
    """An account's balance: the running sum of its entries.

    The ledger service adds a transaction's entries to it as the transaction's last
    statement, so it always equals the sum of the committed entries, while money
    decisions read one row instead of summing them all. Entries cannot be changed or
    deleted: triggers refuse it (migration 0015).
    """

    __tablename__ = "ledger_balances"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    cents: Mapped[int] = mapped_column(BigInteger)


class Hold(Base):
    """Funds reserved for an open request; available = balance - open holds."""

    __tablename__ = "holds"
    __table_args__ = (Index("ix_holds_account_open", "account_id", "status"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=HoldStatus.OPEN)
    reference: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
