"""Operator changes to the catalogue: partial updates that keep what they do not name."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from simhive.core.catalog.models import Service
from simhive.core.catalog.service import ServiceSpec, name_key, set_service
from simhive.db.uow import UnitOfWork
from simhive.kit.money import from_cents


def update_service(
    uow: UnitOfWork,
    *,
    name: str,
    price: Decimal | None = None,
    ltr_price: Decimal | None = None,
    ltr_short_price: Decimal | None = None,
    order_id: int | None = None,
) -> Service:
    """Create a service or change its prices; omitted prices keep their values.

    A new service without a price gets the operator's default price; its rental
    prices start at zero.
    """
    current = uow.session.scalar(select(Service).where(Service.name_key == name_key(name)))

    def kept(given: Decimal | None, column: str, default: Decimal) -> Decimal:
        if given is not None:
            return given
        return from_cents(int(getattr(current, column))) if current is not None else default

    spec = ServiceSpec(
        name=name,
        price=kept(price, "price_cents", uow.settings.default_price),
        ltr_price=kept(ltr_price, "ltr_price_cents", Decimal("0")),
        ltr_short_price=kept(ltr_short_price, "ltr_short_price_cents", Decimal("0")),
        order_id=order_id,
    )
    return set_service(uow, spec)
