"""Admin API: one-time requests of every API (command requests, order API orders).

No `from __future__ import annotations` here: FastAPI reads these annotations at run time.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from simhive.db.uow import Database
from simhive.dialects.admin.auth import Guard, Scope
from simhive.dialects.admin.fields import Username
from simhive.kit.money import format_amount
from simhive.operations import activations as ops


class ApiName(StrEnum):
    COMMAND = "command"
    ORDER = "order"


class ActivationView(BaseModel):
    id: int
    api: str
    account: str
    service: str
    mdn: str
    country: str
    status: str
    price: str
    markup: int
    created_at: datetime
    expires_at: datetime
    closed_at: datetime | None


def router(db: Database, guard: Guard) -> APIRouter:
    """Routes under /activations."""
    routes = APIRouter(
        prefix="/activations",
        tags=["activations"],
        dependencies=[Depends(guard(Scope.ACTIVATIONS))],
    )

    @routes.get("")
    def list_activations(
        api: Annotated[ApiName | None, Query(description="Only one API's requests.")] = None,
        account: Annotated[Username | None, Query(description="Only one account's.")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[ActivationView]:
        """Requests of every API, newest first, each with the API it came through."""
        found = ops.list_activations(
            db, api=api.value if api else None, account=account, limit=limit
        )
        return [ActivationView(**{**a.__dict__, "price": format_amount(a.price)}) for a in found]

    return routes
