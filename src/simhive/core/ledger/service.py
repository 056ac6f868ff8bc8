"""The only code that writes ledger rows: credits, holds, captures, releases."""

from __future__ import annotations

import functools
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Row,
    Select,
    String,
    bindparam,
    func,
    insert,
    null,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from simhive.core.accounts.models import Account
from simhive.core.errors import InsufficientFunds, InvalidParameter, TooManyOpen
from simhive.core.ledger.amounts import checked_amount
from simhive.core.ledger.models import EntryKind, Hold, HoldStatus, LedgerBalance, LedgerEntry
from simhive.db.detached import inserted
from simhive.db.types import UtcDateTime, among
from simhive.db.uow import UnitOfWork
from simhive.kit.money import from_cents, to_cents

MEMO_LENGTH = 255  # ledger_entries.memo
MADE_BY_LENGTH = 128  # ledger_entries.made_by


def lock_account(uow: UnitOfWork, account_id: int) -> None:
    """Serialise money decisions per account (PostgreSQL row lock; SQLite is serial already).

    FOR NO KEY UPDATE, so inserts that merely reference the account (holds, entries,
    messages) never wait for it and cannot deadlock against it.
    """
    if uow.dialect == "postgresql":
        uow.run(_LOCK_ACCOUNT, {"account_id": account_id})


_LOCK_ACCOUNT = (
    select(Account.id).where(Account.id == bindparam("account_id")).with_for_update(key_share=True)
)


class _BalanceChanges:
    """The entries a transaction wrote, added to their accounts' balances as it ends.

    Written last (`UnitOfWork.last_in_transaction`), in account order: a balance row's
    lock is then held only while the transaction commits, so captures of one busy
    account queue for a moment instead of for the rest of each other's transactions,
    and no cycle of waits can run through a balance.

    The entries are summed by the database, by id: an entry whose savepoint was rolled
    back (a routing fault, say) is gone, and adds nothing.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.entries: dict[int, list[int]] = {}

    def add(self, account_id: int, entry_id: int) -> None:
        self.entries.setdefault(account_id, []).append(entry_id)

    def __call__(self) -> None:
        statement = _add_entries(self.uow.dialect)
        for account_id in sorted(self.entries):
            self.uow.run(statement, {"account_id": account_id, "ids": self.entries[account_id]})


def _pending(uow: UnitOfWork) -> _BalanceChanges | None:
    """The transaction's entries not yet in their balances, if it wrote any."""
    return next((h for h in uow.before_commit if isinstance(h, _BalanceChanges)), None)


def _changes(uow: UnitOfWork) -> _BalanceChanges:
    changes = _pending(uow)
    if changes is None:
        changes = _BalanceChanges(uow)
        uow.last_in_transaction(changes)
    return changes


def _unwritten(uow: UnitOfWork, account_id: int) -> int:
    """What this transaction's entries for the account add, not yet in its balance row."""
    changes = _pending(uow)
    if changes is None or account_id not in changes.entries:
        return 0
    ids = changes.entries[account_id]
    statement = _sum_entries(uow.dialect)
    return int(uow.run(statement, {"account_id": account_id, "ids": ids}).scalar_one())


@functools.cache
def _sum_entries(dialect: str) -> Select[int]:
    # By account too: SQLite may give a rolled-back entry's id to a later one.
    return select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0).label("cents")).where(
        LedgerEntry.account_id == bindparam("account_id"), among(LedgerEntry.id, "ids", dialect)
    )


@functools.cache
def _add_entries(dialect: str) -> Insert:
    module: Any = postgresql if dialect == "postgresql" else sqlite
    # WHERE true: SQLite reads ON CONFLICT after a bare SELECT as a join's ON.
    summed = select(
        bindparam("account_id", type_=BigInteger), _sum_entries(dialect).scalar_subquery()
    ).where(true())
    insert_row = module.insert(LedgerBalance).from_select(["account_id", "cents"], summed)
    return insert_row.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=[LedgerBalance.account_id],
        set_={"cents": LedgerBalance.cents + insert_row.excluded.cents},
    )


def available_cents(uow: UnitOfWork, account_id: int) -> int:
    """Balance less open holds, in one statement."""
    found = int(uow.run(_AVAILABLE, {"account_id": account_id}).scalar() or 0)
    return found + _unwritten(uow, account_id)


# One statement, so one snapshot: a capture commits its hold's closing and its entry
# (with the balance the entry moves) together, and is seen whole or not at all.
_AVAILABLE = select(
    (
        func.coalesce(
            select(LedgerBalance.cents)
            .where(LedgerBalance.account_id == bindparam("account_id"))
            .scalar_subquery(),
            0,
        )
        - select(func.coalesce(func.sum(Hold.amount_cents), 0))
        .where(Hold.account_id == bindparam("account_id"), Hold.status == HoldStatus.OPEN)
        .scalar_subquery()
    ).label("cents")
)


_AVAILABLE_AND_OPEN = select(
    _AVAILABLE.selected_columns[0],
    select(func.count(Hold.id))
    .where(
        Hold.account_id == bindparam("account_id"),
        Hold.status == HoldStatus.OPEN,
        Hold.reference.like(bindparam("kind")),
    )
    .scalar_subquery()
    .label("open"),
)


def balance_cents(uow: UnitOfWork, account_id: int) -> int:
    """The sum of an account's entries, as the database keeps it (`LedgerBalance`)."""
    cents = uow.session.scalar(
        select(LedgerBalance.cents).where(LedgerBalance.account_id == account_id)
    )
    return int(cents or 0) + _unwritten(uow, account_id)


def unbalanced(uow: UnitOfWork) -> list[tuple[int, int, int]]:
    """Accounts whose kept balance is not the sum of their entries: (id, kept, summed).

    There are never any, as the database keeps the balance; the money tests check it
    after every concurrent run, and `simhive account check-ledger` lets an operator.
    One statement, so one snapshot: entries committing meanwhile cannot make a mismatch.
    """
    kept = func.coalesce(
        select(LedgerBalance.cents).where(LedgerBalance.account_id == Account.id).scalar_subquery(),
        0,
    )
    summed = func.coalesce(
        select(func.sum(LedgerEntry.amount_cents))
        .where(LedgerEntry.account_id == Account.id)
        .scalar_subquery(),
        0,
    )
    query = select(Account.id, kept, summed).where(kept != summed).order_by(Account.id)
    return [(int(a), int(k), int(s)) for a, k, s in uow.session.execute(query)]


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
    return from_cents(available_cents(uow, account_id))


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
    made_by: str | None = None,
) -> LedgerEntry:
    """Append one entry; credits and adjustments come from operators."""
    if kind == EntryKind.CREDIT and amount <= 0:
        raise InvalidParameter("amount", str(amount), "a credit must be positive")
    lock_account(uow, account_id)
    if amount < 0 and available_cents(uow, account_id) + to_cents(amount) < 0:
        raise InsufficientFunds(available(uow, account_id), -amount)
    entry = LedgerEntry(
        account_id=account_id,
        amount_cents=to_cents(amount),
        kind=kind,
        reference=reference,
        memo=memo,
        made_by=made_by,
        created_at=uow.clock.now(),
    )
    uow.session.add(entry)
    uow.session.flush()
    _changes(uow).add(account_id, entry.id)
    return entry


def charge(
    uow: UnitOfWork, *, account_id: int, amount: Decimal, reference: str, memo: str | None = None
) -> LedgerEntry:
    """Debit a price now (a rental), or refuse with the available funds."""
    if amount < 0:
        raise InvalidParameter("amount", str(amount), "a charge must not be negative")
    return post_entry(
        uow,
        account_id=account_id,
        amount=-amount,
        kind=EntryKind.CHARGE,
        reference=reference,
        memo=memo,
    )


def refund(
    uow: UnitOfWork, *, account_id: int, cents: int, reference: str, made_by: str | None = None
) -> LedgerEntry:
    """Give money back for a service not (fully) rendered."""
    if cents <= 0:
        raise InvalidParameter("amount", str(cents), "a refund must be positive")
    return post_entry(
        uow,
        account_id=account_id,
        amount=from_cents(cents),
        kind=EntryKind.REFUND,
        reference=reference,
        made_by=made_by,
    )


def credit(
    uow: UnitOfWork, *, account_id: int, amount: Decimal, made_by: str, memo: str | None = None
) -> LedgerEntry:
    """An operator's credit; a negative amount is an adjustment, never below the available funds.

    `made_by` names the operator (an admin token, or the CLI and its OS user).
    """
    amount = checked_amount("amount", amount, signed=True)
    if amount == 0:
        raise InvalidParameter("amount", str(amount), "a non-zero amount in whole cents")
    if memo is not None and (len(memo) > MEMO_LENGTH or "\x00" in memo):
        raise InvalidParameter(
            "memo", memo[:64], f"a memo is at most {MEMO_LENGTH} characters, without NUL"
        )
    if not made_by or len(made_by) > MADE_BY_LENGTH:
        raise InvalidParameter("made_by", made_by[:64], "who made a credit must be named")
    kind = EntryKind.CREDIT if amount > 0 else EntryKind.ADJUSTMENT
    return post_entry(
        uow, account_id=account_id, amount=amount, kind=kind, memo=memo, made_by=made_by
    )


def entries(uow: UnitOfWork, *, account_id: int, limit: int = 100) -> list[LedgerEntry]:
    """An account's entries, newest first."""
    return list(
        uow.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.account_id == account_id)
            .order_by(LedgerEntry.id.desc())
            .limit(limit)
        )
    )


def place_hold(uow: UnitOfWork, *, account_id: int, amount: Decimal, reference: str) -> Hold:
    """Reserve funds for an open request, or refuse with the available balance."""
    return place_holds(uow, account_id=account_id, amounts=[amount], reference=reference)[0]


def place_holds(
    uow: UnitOfWork,
    *,
    account_id: int,
    amounts: list[Decimal],
    reference: str,
    open_bound: int = 0,
) -> list[Hold]:
    """Reserve funds for several requests at once: all of them, or none.

    With an `open_bound`, the account may hold at most that many open holds of the same
    kind as `reference` (what comes before its colon: `request:` for requests), these
    included; counted in the statement that reads the available funds, under the
    account's lock, so parallel requests cannot pass the bound together.
    """
    lock_account(uow, account_id)
    cents = [to_cents(a) for a in amounts]
    if open_bound > 0:
        kind = reference.split(":", 1)[0] + ":%"
        row = uow.run(_AVAILABLE_AND_OPEN, {"account_id": account_id, "kind": kind}).one()
        if int(row.open) + len(cents) > open_bound:
            raise TooManyOpen(open_bound)
        free = int(row.cents or 0) + _unwritten(uow, account_id)
    else:
        free = available_cents(uow, account_id)
    if sum(cents) > free:
        raise InsufficientFunds(from_cents(free), from_cents(sum(cents)))
    now = uow.clock.now()
    rows = [
        {
            "account_id": account_id,
            "amount_cents": c,
            "status": HoldStatus.OPEN,
            "reference": reference,
            "created_at": now,
            "closed_at": None,
        }
        for c in cents
    ]
    # Written by Core, not by the ORM's flush of new objects, which cost more than the
    # rest of placing a hold. The holds come back kept out of the session: callers read
    # their ids, and only statements (a capture, a release) change them later.
    return inserted(uow, Hold, rows)


def _close_hold(
    uow: UnitOfWork, hold_id: int, status: HoldStatus, *, at: datetime | None = None
) -> Row[int, int, str | None] | None:
    """Close an open hold in one statement; None when it was closed already."""
    closed_at = at or uow.clock.now()
    return uow.run(  # type: ignore[return-value]
        _CLOSE_HOLD, {"hold_id": hold_id, "status": status, "closed_at": closed_at}
    ).first()


_CLOSE_HOLD = (
    update(Hold)
    .where(Hold.id == bindparam("hold_id"), Hold.status == HoldStatus.OPEN)
    .values(status=bindparam("status"), closed_at=bindparam("closed_at"))
    .returning(Hold.account_id, Hold.amount_cents, Hold.reference)
)


def capture_hold(uow: UnitOfWork, hold_id: int, *, memo: str | None = None) -> int | None:
    """Turn an open hold into a debit entry (its id); a closed hold is left as it is (None)."""
    now = uow.clock.now()
    if uow.dialect == "postgresql":
        # One statement: the hold's closing feeds the entry's insert (a data-modifying
        # WITH), a round trip fewer on every captured request.
        captured = uow.run(
            _CAPTURE,
            {
                "hold_id": hold_id,
                "status": HoldStatus.CAPTURED,
                "closed_at": now,
                "kind": EntryKind.CAPTURE,
                "memo": memo,
                "entered_at": now,
            },
        ).first()
        if captured is None:
            return None
        account_id, entry_id = captured.account_id, captured.id
    else:
        closed = _close_hold(uow, hold_id, HoldStatus.CAPTURED, at=now)
        if closed is None:
            return None
        account_id = closed.account_id
        entry_id = uow.run(
            _INSERT_ENTRY,
            {
                "account_id": account_id,
                "amount_cents": -closed.amount_cents,
                "kind": EntryKind.CAPTURE,
                "reference": closed.reference,
                "memo": memo,
                "made_by": None,
                "created_at": now,
            },
        ).scalar_one()
    _changes(uow).add(account_id, int(entry_id))
    return int(entry_id)


# The hold's closing, as `_close_hold` runs it, feeding the entry's insert. SQLAlchemy
# adds every execution parameter named after a column of holds to the UPDATE's SET:
# the only such names here are the two it sets anyway (status, closed_at), so the
# entry's own values go by other names (entered_at, kind, memo).
_CLOSED = _CLOSE_HOLD.cte("closed")
_CAPTURE = (
    insert(LedgerEntry)
    .from_select(
        ["account_id", "amount_cents", "kind", "reference", "memo", "made_by", "created_at"],
        select(
            _CLOSED.c.account_id,
            -_CLOSED.c.amount_cents,
            bindparam("kind", type_=String),
            _CLOSED.c.reference,
            bindparam("memo", type_=String),
            null(),
            bindparam("entered_at", type_=UtcDateTime),
        ),
    )
    .returning(LedgerEntry.id, LedgerEntry.account_id)
)
_INSERT_ENTRY = insert(LedgerEntry).returning(LedgerEntry.id)


def release_hold(uow: UnitOfWork, hold_id: int) -> bool:
    """Give held funds back; False when the hold was already closed."""
    return _close_hold(uow, hold_id, HoldStatus.RELEASED) is not None
