"""Operator changes to the catalogue: partial updates that keep what they do not name."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from simhive.core.catalog.models import Service
from simhive.core.catalog.service import (
    MAX_ORDER_ID,
    ServiceSpec,
    name_key,
    set_country_price,
    set_service,
)
from simhive.core.errors import Conflict, InvalidParameter
from simhive.core.ledger.amounts import checked_amount
from simhive.db.uow import UnitOfWork
from simhive.kit.money import from_cents
from simhive.kit.phone import parse_country

__all__ = ["MAX_ORDER_ID", "update_service"]


def update_service(
    uow: UnitOfWork,
    *,
    name: str,
    price: Decimal | None = None,
    ltr_price: Decimal | None = None,
    ltr_short_price: Decimal | None = None,
    order_id: int | None = None,
    sender_patterns: list[str] | None = None,
    text_patterns: list[str] | None = None,
    country: str | None = None,
) -> Service:
    """Create a service or change its prices and patterns; what is omitted keeps its value.

    With `country` (NL or UK), `price` is the service's own price on that country's
    numbers; the service's price (which US numbers take) stays as it is. `US` names
    the service's price itself.

    Patterns (regular expressions, matched ignoring case) recognise the service's SMS
    by sender and by text; an empty list clears them, so the built-in ones apply.

    A new service without a price gets the operator's default price; its rental
    prices start at zero.
    """
    if "\x00" in name:
        raise InvalidParameter("name", name.replace("\x00", ""), "1-64 characters, no commas")
    price, ltr_price, ltr_short_price = (
        None if value is None else checked_amount(label, value)
        for label, value in (
            ("price", price),
            ("ltr_price", ltr_price),
            ("ltr_short_price", ltr_short_price),
        )
    )
    if order_id is not None:
        _check_order_id(uow, name=name, order_id=order_id)
    abroad = _abroad(country, price)
    country_price = price if abroad is not None else None
    if abroad is not None:
        price = None
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
        sender_patterns=_lines(sender_patterns),
        text_patterns=_lines(text_patterns),
    )
    service = set_service(uow, spec)
    if abroad is not None and country_price is not None:
        set_country_price(uow, service=service, country=abroad, price=country_price)
    return service


def _abroad(country: str | None, price: Decimal | None) -> str | None:
    """The country (other than the US) whose own price `price` is, or None for the base price."""
    if country is None:
        return None
    code = parse_country(country)
    if code is None:
        raise InvalidParameter("country", country, f"country must be US, NL or UK: {country!r}")
    if code == "US":
        return None
    if price is None:
        raise InvalidParameter("price", "", "a price by country needs the price to set")
    return code


def _lines(patterns: list[str] | None) -> str | None:
    if patterns is None:
        return None
    kept = [p.strip() for p in patterns if p.strip()]
    if any("\n" in p or "\r" in p for p in kept):
        raise InvalidParameter("pattern", kept[0][:40], "one pattern per value, no line breaks")
    return "\n".join(kept)


def _check_order_id(uow: UnitOfWork, *, name: str, order_id: int) -> None:
    """The order API's numeric id: in range, and no other service's."""
    if not 1 <= order_id <= MAX_ORDER_ID:
        raise InvalidParameter("order_id", str(order_id), f"order_id must be 1..{MAX_ORDER_ID}")
    holder = uow.session.scalar(select(Service).where(Service.order_id == order_id))
    if holder is not None and holder.name_key != name_key(name):
        raise Conflict(f"order id {order_id} belongs to service {holder.name}")
