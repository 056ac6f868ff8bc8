"""The only code that writes ledger rows: credits, holds, captures, releases."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from simhive.core.accounts.models import Account
from simhive.core.errors import InsufficientFunds, InvalidParameter
from simhive.core.ledger.models import EntryKind, Hold, HoldStatus, LedgerEntry
from simhive.db.uow import UnitOfWork
from simhive.kit.money import from_cents, to_cents


def lock_account(uow: UnitOfWork, account_id: int) -> None:
    """Serialise money decisions per account (PostgreSQL row lock; SQLite is serial already)."""
    if uow.dialect == "postgresql":
        uow.session.execute(select(Account.id).where(Account.id == account_id).with_for_update())


def balance_cents(uow: UnitOfWork, account_id: int) -> int:
    """The sum of an account's entries."""
    total = uow.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
            LedgerEntry.account_id == account_id
        )
    )
    return int(total or 0)


def held_cents(uow: UnitOfWork, account_id: int) -> int:
    """The sum of an account's open holds."""
    total = uow.session.scalar(
        select(func.coalesce(func.sum(Hold.amount_cents), 0)).where(
            Hold.account_id == account_id, Hold.status == HoldStatus.OPEN
        )
    )
    return int(total or 0)


def available(uow: UnitOfWork, account_id: int) -> Decimal:
    """Balance less open holds: what the account can spend now."""
    return from_cents(balance_cents(uow, account_id) - held_cents(uow, account_id))


def balance(uow: UnitOfWork, account_id: int) -> Decimal:
    """The sum of an account's entries, as a Decimal."""
    return from_cents(balance_cents(uow, account_id))


def post_entry(
    uow: UnitOfWork,
    *,
    account_id: int,
    amount: Decimal,
    kind: EntryKind,
    reference: str | None = None,
    memo: str | None = None,
) -> LedgerEntry:
    """Append one entry; credits and adjustments come from operators."""
    if kind == EntryKind.CREDIT and amount <= 0:
        raise InvalidParameter("amount", str(amount), "a credit must be positive")
    lock_account(uow, account_id)
    if amount < 0 and available(uow, account_id) + amount < 0:
        raise InsufficientFunds(available(uow, account_id), -amount)
    entry = LedgerEntry(
        account_id=account_id,
        amount_cents=to_cents(amount),
        kind=kind,
        reference=reference,
        memo=memo,
        created_at=uow.clock.now(),
    )
    uow.session.add(entry)
    uow.session.flush()
    return entry


def place_hold(uow: UnitOfWork, *, account_id: int, amount: Decimal, reference: str) -> Hold:
    """Reserve funds for an open request, or refuse with the available balance."""
    lock_account(uow, account_id)
    cents = to_cents(amount)
    free = balance_cents(uow, account_id) - held_cents(uow, account_id)
    if cents > free:
        raise InsufficientFunds(from_cents(free), amount)
    hold = Hold(
        account_id=account_id,
        amount_cents=cents,
        status=HoldStatus.OPEN,
        reference=reference,
        created_at=uow.clock.now(),
    )
    uow.session.add(hold)
    uow.session.flush()
    return hold


def capture_hold(uow: UnitOfWork, hold_id: int, *, memo: str | None = None) -> LedgerEntry | None:
    """Turn an open hold into a debit entry; a closed hold is left as it is."""
    hold = uow.session.get(Hold, hold_id)
    if hold is None or hold.status != HoldStatus.OPEN:
        return None
    hold.status = HoldStatus.CAPTURED
    hold.closed_at = uow.clock.now()
    entry = LedgerEntry(
        account_id=hold.account_id,
        amount_cents=-hold.amount_cents,
        kind=EntryKind.CAPTURE,
        reference=hold.reference,
        memo=memo,
        created_at=uow.clock.now(),
    )
    uow.session.add(entry)
    uow.session.flush()
    return entry


def release_hold(uow: UnitOfWork, hold_id: int) -> bool:
    """Give held funds back; False when the hold was already closed."""
    hold = uow.session.get(Hold, hold_id)
    if hold is None or hold.status != HoldStatus.OPEN:
        return False
    hold.status = HoldStatus.RELEASED
    hold.closed_at = uow.clock.now()
    uow.session.flush()
    return True
