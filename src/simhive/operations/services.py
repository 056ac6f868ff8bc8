"""Services and their prices, as an operator manages them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from simhive.core.catalog import service as catalog
from simhive.core.catalog.models import Service
from simhive.core.catalog.operations import update_service
from simhive.db.uow import Database, UnitOfWork
from simhive.kit.money import from_cents


@dataclass(frozen=True)
class ServiceInfo:
    name: str
    price: Decimal
    ltr_price: Decimal
    ltr_short_price: Decimal
    order_id: int | None
    # Its own one-time prices on numbers of other countries (NL, GB), by country.
    country_prices: dict[str, Decimal]
    # The patterns that recognise the service's SMS: the operator's, else built-in ones.
    sender_patterns: list[str]
    text_patterns: list[str]
    built_in_patterns: bool


def _info(uow: UnitOfWork, service: Service) -> ServiceInfo:
    senders, texts = catalog.patterns_of(service)
    return ServiceInfo(
        name=service.name,
        price=from_cents(service.price_cents),
        ltr_price=from_cents(service.ltr_price_cents),
        ltr_short_price=from_cents(service.ltr_short_price_cents),
        order_id=service.order_id,
        country_prices=catalog.country_prices(uow, service),
        sender_patterns=senders.splitlines(),
        text_patterns=texts.splitlines(),
        built_in_patterns=not (service.sender_patterns or service.text_patterns),
    )


def set_service(
    db: Database,
    *,
    name: str,
    price: Decimal | None = None,
    ltr_price: Decimal | None = None,
    ltr_short_price: Decimal | None = None,
    order_id: int | None = None,
    sender_patterns: list[str] | None = None,
    text_patterns: list[str] | None = None,
    country: str | None = None,
) -> ServiceInfo:
    """Create a service or change its prices and patterns; what is omitted keeps its value.

    With `country` NL or UK, `price` is its own price on that country's numbers.
    """
    with db.uow() as uow:
        return _info(
            uow,
            update_service(
                uow,
                name=name,
                price=price,
                ltr_price=ltr_price,
                ltr_short_price=ltr_short_price,
                order_id=order_id,
                sender_patterns=sender_patterns,
                text_patterns=text_patterns,
                country=country,
            ),
        )


def list_services(db: Database) -> list[ServiceInfo]:
    with db.uow(write=False) as uow:
        return [_info(uow, s) for s in catalog.all_services(uow)]
