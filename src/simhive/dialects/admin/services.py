"""Admin API: services and their prices.

No `from __future__ import annotations` here: FastAPI reads these annotations at run time.
"""

from decimal import Decimal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from simhive.db.uow import Database
from simhive.dialects.admin.auth import Guard, Scope
from simhive.dialects.admin.fields import Short
from simhive.kit.money import format_amount
from simhive.operations import services as ops
from simhive.operations.services import ServiceInfo


class ServiceSet(BaseModel):
    price: Decimal | None = None
    country: Short | None = Field(
        None, description="NL or UK: `price` is the service's price on that country's numbers."
    )
    ltr_price: Decimal | None = None
    ltr_short_price: Decimal | None = None
    order_id: int | None = None
    sender_patterns: list[str] | None = Field(
        None,
        max_length=20,
        description="Regular expressions for its senders; [] restores the built-in ones.",
    )
    text_patterns: list[str] | None = Field(
        None,
        max_length=20,
        description="Regular expressions for its texts; [] restores the built-in ones.",
    )


class ServiceView(BaseModel):
    name: str
    price: str
    ltr_price: str
    ltr_short_price: str
    order_id: int | None
    country_prices: dict[str, str]
    sender_patterns: list[str]
    text_patterns: list[str]
    built_in_patterns: bool


def _service(info: ServiceInfo) -> ServiceView:
    return ServiceView(
        name=info.name,
        price=format_amount(info.price),
        ltr_price=format_amount(info.ltr_price),
        ltr_short_price=format_amount(info.ltr_short_price),
        order_id=info.order_id,
        country_prices={c: format_amount(p) for c, p in info.country_prices.items()},
        sender_patterns=info.sender_patterns,
        text_patterns=info.text_patterns,
        built_in_patterns=info.built_in_patterns,
    )


def router(db: Database, guard: Guard) -> APIRouter:
    """Routes under /services."""
    routes = APIRouter(
        prefix="/services", tags=["services"], dependencies=[Depends(guard(Scope.SERVICES))]
    )

    @routes.put("/{name}")
    def set_service(name: str, body: ServiceSet) -> ServiceView:
        return _service(ops.set_service(db, name=name, **body.model_dump()))

    @routes.get("")
    def list_services() -> list[ServiceView]:
        return [_service(s) for s in ops.list_services(db)]

    return routes
