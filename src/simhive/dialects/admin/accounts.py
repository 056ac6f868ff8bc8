"""Admin API: accounts and their money.

No `from __future__ import annotations` here: FastAPI reads these annotations at run time.
"""

from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from simhive.core.accounts.models import StatusShape
from simhive.db.uow import Database
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
    status_shape: str
    balance: str
    available: str


class AccountCreated(AccountView):
    api_key: str = Field(description="Shown this once; only its hash is stored.")


class AccountUpdate(BaseModel):
    webhook_url: Url | None = None
    clear_webhook: bool = False
    status_shape: StatusShape | None = None
    active: bool | None = None


class Credit(BaseModel):
    amount: Decimal = Field(description="Two decimals at most; negative takes funds away.")
    memo: Memo | None = None


def _account(info: AccountInfo) -> dict[str, Any]:
    data = dict(info.__dict__)
    data["balance"] = format_amount(info.balance)
    data["available"] = format_amount(info.available)
    return data


def router(db: Database) -> APIRouter:
    """Routes under /accounts."""
    routes = APIRouter(prefix="/accounts", tags=["accounts"])

    @routes.post("", status_code=201)
    def create_account(body: AccountCreate) -> AccountCreated:
        """Create an account; the answer holds its API key, shown this once."""
        info, key = ops.create_account(
            db, username=body.username, email=body.email, password=body.password, admin=body.admin
        )
        return AccountCreated(**_account(info), api_key=key)

    @routes.get("/{name}")
    def get_account(name: str) -> AccountView:
        return AccountView(**_account(ops.account_info(db, name)))

    @routes.patch("/{name}")
    def update_account(name: str, body: AccountUpdate) -> AccountView:
        info = ops.set_account(
            db,
            name=name,
            webhook_url=body.webhook_url,
            clear_webhook=body.clear_webhook,
            status_shape=body.status_shape,
            active=body.active,
        )
        return AccountView(**_account(info))

    @routes.post("/{name}/credit")
    def credit(name: str, body: Credit) -> AccountView:
        """Add funds (a negative amount takes them away, never below the available funds)."""
        return AccountView(
            **_account(ops.credit(db, name=name, amount=body.amount, memo=body.memo))
        )

    return routes
