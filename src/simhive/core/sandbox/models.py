"""The sandbox clock's one row: how far ahead of the wall clock every process runs."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from simhive.db.base import Base

ROW_ID = 1


class ClockOffset(Base):
    """The sandbox clock's offset in seconds; absent means none."""

    __tablename__ = "sandbox_clock"
    __table_args__ = (
        CheckConstraint(f"id = {ROW_ID}", name="one_row"),
        CheckConstraint("offset_s >= 0", name="forward"),
    )

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    offset_s: Mapped[int] = mapped_column(BigInteger)
