"""Admin API: accounts and their money.

No `from __future__ import annotations` here: FastAPI reads these annotations at run time.
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from simhive.core.accounts.models import StatusShape
from simhive.db.uow import Database
from simhive.dialects.admin.auth import Guard, Operator, Scope
from simhive.dialects.admin.fields import Email, Memo, Password, Url, Username
from simhive.kit.money import format_amount
from simhive.operations import accounts as ops
from simhive.operations.accounts import AccountInfo


class AccountCreate(BaseModel):
    username: Username
    email: Email
    password: Password
    admin: bool = False


class AccountView(BaseModel):
    id: int
    username: str
    email: str
    role: str
    active: bool
    webhook_url: str | None
    webhook_secret: str
    inbound_url: str | None = Field(
        description="Where SMS to the account's rented numbers are posted as JSON (REST API)."
    )
    status_shape: str
    balance: str
    available: str


class AccountCreated(AccountView):
    api_key: str = Field(description="Shown this once; only its hash is stored.")


class AccountUpdate(BaseModel):
    webhook_url: Url | None = None
    clear_webhook: bool = False
    inbound_url: Url | None = None
    clear_inbound: bool = False
    status_shape: StatusShape | None = None
    active: bool | None = None


class Credit(BaseModel):
    amount: Decimal = Field(description="Two decimals at most; negative takes funds away.")
    memo: Memo | None = None


class LedgerEntryView(BaseModel):
    id: int
    created_at: datetime
    kind: str = Field(description="credit, adjustment (a negative credit) or capture.")
    amount: str
    reference: str | None
    memo: str | None
    made_by: str | None = Field(description="The admin token or CLI user behind a credit.")


def _account(info: AccountInfo) -> dict[str, Any]:
    data = dict(info.__dict__)
    data["balance"] = format_amount(info.balance)
    data["available"] = format_amount(info.available)
    return data


def router(db: Database, guard: Guard) -> APIRouter:
    """Routes under /accounts."""
    routes = APIRouter(prefix="/accounts", tags=["accounts"])
    accounts_scope = [Depends(guard(Scope.ACCOUNTS))]
    Money = Annotated[Operator, Depends(guard(Scope.MONEY))]

    @routes.post("", status_code=201, dependencies=accounts_scope)
    def create_account(body: AccountCreate) -> AccountCreated:
        """Create an account; the answer holds its API key, shown this once."""
        info, key = ops.create_account(
            db, username=body.username, email=body.email, password=body.password, admin=body.admin
        )
        return AccountCreated(**_account(info), api_key=key)

    @routes.get("/{name}", dependencies=accounts_scope)
    def get_account(name: str) -> AccountView:
        return AccountView(**_account(ops.account_info(db, name)))

    @routes.patch("/{name}", dependencies=accounts_scope)
    def update_account(name: str, body: AccountUpdate) -> AccountView:
        info = ops.set_account(
            db,
            name=name,
            webhook_url=body.webhook_url,
            clear_webhook=body.clear_webhook,
            inbound_url=body.inbound_url,
            clear_inbound=body.clear_inbound,
            status_shape=body.status_shape,
            active=body.active,
        )
        return AccountView(**_account(info))

    @routes.post("/{name}/credit")
    def credit(name: str, body: Credit, operator: Money) -> AccountView:
        """Add funds (a negative amount takes them away, never below the available funds).

        The ledger entry records the admin token that made it.
        """
        info = ops.credit(db, name=name, amount=body.amount, memo=body.memo, made_by=operator.label)
        return AccountView(**_account(info))

    @routes.get("/{name}/ledger")
    def ledger(
        name: str, operator: Money, limit: Annotated[int, Query(ge=1, le=1000)] = 100
    ) -> list[LedgerEntryView]:
        """The account's ledger entries, newest first, with who made each credit."""
        return [
            LedgerEntryView(
                id=e.id,
                created_at=e.created_at,
                kind=e.kind,
                amount=format_amount(e.amount),
                reference=e.reference,
                memo=e.memo,
                made_by=e.made_by,
            )
            for e in ops.ledger_entries(db, name=name, limit=limit)
        ]

    return routes
