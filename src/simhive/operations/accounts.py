"""Accounts and their money, as an operator manages them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from simhive.core.accounts import service as accounts
from simhive.core.accounts.models import Account, Role, StatusShape
from simhive.core.errors import InvalidParameter
from simhive.core.ledger import service as ledger
from simhive.db.uow import Database, UnitOfWork
from simhive.kit.money import from_cents

# What the accounts table holds (and, for passwords, what is worth hashing).
EMAIL_LENGTH = 254
PASSWORD_LENGTH = 1024
WEBHOOK_URL_LENGTH = 2048


def _fits(name: str, value: str, limit: int, *, shown: str | None = None) -> None:
    if len(value) > limit or "\x00" in value:
        raise InvalidParameter(
            name, shown or value[:64], f"{name} must be at most {limit} characters, without NUL"
        )


@dataclass(frozen=True)
class AccountInfo:
    id: int
    username: str
    email: str
    role: str
    active: bool
    webhook_url: str | None
    webhook_secret: str
    inbound_url: str | None
    status_shape: str
    balance: Decimal
    available: Decimal


def _info(uow: UnitOfWork, account: Account) -> AccountInfo:
    return AccountInfo(
        id=account.id,
        username=account.username,
        email=account.email,
        role=account.role,
        active=account.active,
        webhook_url=account.webhook_url,
        webhook_secret=account.webhook_secret,
        inbound_url=account.inbound_url,
        status_shape=account.status_shape,
        balance=ledger.balance(uow, account.id),
        available=ledger.available(uow, account.id),
    )


def create_account(
    db: Database, *, username: str, email: str, password: str, admin: bool = False
) -> tuple[AccountInfo, str]:
    """Create an account; returns it and its API key (shown this once)."""
    _fits("email", email, EMAIL_LENGTH)
    _fits("password", password, PASSWORD_LENGTH, shown="***")
    with db.uow() as uow:
        created = accounts.create_account(
            uow,
            username=username,
            email=email,
            password=password,
            role=Role.ADMIN if admin else Role.CUSTOMER,
        )
        return _info(uow, created.account), created.api_key


def account_info(db: Database, name: str) -> AccountInfo:
    with db.uow(write=False) as uow:
        return _info(uow, accounts.find_account(uow, name))


def credit(
    db: Database, *, name: str, amount: Decimal, made_by: str, memo: str | None = None
) -> AccountInfo:
    """Add funds (a negative amount is an adjustment, refused below the available funds).

    `made_by` names who did it; the ledger entry keeps it.
    """
    with db.uow() as uow:
        account = accounts.find_account(uow, name)
        ledger.credit(uow, account_id=account.id, amount=amount, memo=memo, made_by=made_by)
        return _info(uow, account)


@dataclass(frozen=True)
class LedgerEntryInfo:
    id: int
    created_at: datetime
    kind: str
    amount: Decimal
    reference: str | None
    memo: str | None
    made_by: str | None


def ledger_entries(db: Database, *, name: str, limit: int = 100) -> list[LedgerEntryInfo]:
    """An account's ledger entries, newest first, with who made each operator's entry."""
    with db.uow(write=False) as uow:
        account = accounts.find_account(uow, name)
        return [
            LedgerEntryInfo(
                id=e.id,
                created_at=e.created_at,
                kind=e.kind,
                amount=from_cents(e.amount_cents),
                reference=e.reference,
                memo=e.memo,
                made_by=e.made_by,
            )
            for e in ledger.entries(uow, account_id=account.id, limit=limit)
        ]


@dataclass(frozen=True)
class Unbalanced:
    username: str
    kept: Decimal
    summed: Decimal


def check_ledger(db: Database) -> list[Unbalanced]:
    """Accounts whose kept balance differs from the sum of their entries (none, ever)."""
    with db.uow(write=False) as uow:
        return [
            Unbalanced(
                username=uow.session.get_one(Account, account_id).username,
                kept=from_cents(kept),
                summed=from_cents(summed),
            )
            for account_id, kept, summed in ledger.unbalanced(uow)
        ]


def set_account(
    db: Database,
    *,
    name: str,
    webhook_url: str | None = None,
    clear_webhook: bool = False,
    inbound_url: str | None = None,
    clear_inbound: bool = False,
    status_shape: StatusShape | None = None,
    active: bool | None = None,
) -> AccountInfo:
    """Change an account's settings; core refuses a webhook or inbound URL that may not be
    a target."""
    if webhook_url is not None:
        _fits("webhook_url", webhook_url, WEBHOOK_URL_LENGTH)
    if inbound_url is not None:
        _fits("inbound_url", inbound_url, WEBHOOK_URL_LENGTH)
    with db.uow() as uow:
        account = accounts.find_account(uow, name)
        accounts.update_account(
            uow,
            account=account,
            webhook_url=webhook_url,
            clear_webhook=clear_webhook,
            inbound_url=inbound_url,
            clear_inbound=clear_inbound,
            status_shape=status_shape,
            active=active,
        )
        return _info(uow, account)


def issue_key(db: Database, *, name: str) -> str:
    """A new API key for an account (the old ones keep working)."""
    with db.uow() as uow:
        return accounts.issue_api_key(uow, account=accounts.find_account(uow, name))


def revoke_key(db: Database, *, name: str, prefix: str) -> int:
    """Revoke an account's API key by its first 8 characters (or the whole key)."""
    with db.uow() as uow:
        return accounts.revoke_api_keys(
            uow, account=accounts.find_account(uow, name), prefix=prefix
        )
