"""One-time requests as an operator sees them: the command API's and the order API's orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from simhive.core.accounts.models import Account
from simhive.core.activations.models import Activation, Api
from simhive.core.catalog.models import Service
from simhive.core.errors import InvalidParameter
from simhive.core.inventory.models import Number
from simhive.db.uow import Database
from simhive.kit.money import from_cents


@dataclass(frozen=True)
class ActivationInfo:
    id: int
    api: str  # the API it came through: command, or order
    account: str
    service: str
    mdn: str
    country: str
    status: str
    price: Decimal
    markup: int
    created_at: datetime
    expires_at: datetime
    closed_at: datetime | None


def list_activations(
    db: Database, *, api: str | None = None, account: str | None = None, limit: int = 100
) -> list[ActivationInfo]:
    """Requests of every API, newest first; `api` and `account` (user name) narrow them."""
    if api is not None and api not in {a.value for a in Api}:
        raise InvalidParameter("api", api, "api must be command or order")
    if not 1 <= limit <= 10_000:
        raise InvalidParameter("limit", str(limit), "limit must be between 1 and 10000")
    query = (
        select(Activation, Account.username, Service.name, Number.mdn, Number.country)
        .join(Account, Account.id == Activation.account_id)
        .join(Service, Service.id == Activation.service_id)
        .outerjoin(Number, Number.id == Activation.number_id)
        .order_by(Activation.id.desc())
        .limit(limit)
    )
    if api is not None:
        query = query.where(Activation.api == api)
    if account is not None:
        query = query.where(Account.username == account)
    with db.uow(write=False) as uow:
        return [
            ActivationInfo(
                id=a.id,
                api=a.api,
                account=username,
                service=service,
                mdn=mdn or "",
                country=country or "",
                status=a.status,
                price=from_cents(a.price_cents),
                markup=a.markup,
                created_at=a.created_at,
                expires_at=a.expires_at,
                closed_at=a.closed_at,
            )
            for a, username, service, mdn, country in uow.session.execute(query)
        ]
