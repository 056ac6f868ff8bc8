"""The service catalogue: names, prices, and how each service's SMS is recognised."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, select

from simhive.core.catalog.models import Service, ServicePrice
from simhive.core.catalog.patterns import built_in
from simhive.core.errors import InvalidParameter, UnknownService
from simhive.db.detached import columns, detached
from simhive.db.types import among
from simhive.db.uow import UnitOfWork
from simhive.db.upsert import insert_ignore
from simhive.kit.ids import parse_id
from simhive.kit.money import from_cents, to_cents

# Names a client may use for "any sender" (004: "Unlimited" for long-term rentals).
ANY_SERVICE_NAMES = frozenset({"unknown", "unlimited"})

MAX_ORDER_ID = 2**31 - 1  # services.order_id is a 32-bit integer


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    name: str
    price: Decimal
    ltr_price: Decimal = Decimal("0")
    ltr_short_price: Decimal = Decimal("0")
    order_id: int | None = None
    # One regular expression per line; None keeps what the service has, "" clears it.
    sender_patterns: str | None = None
    text_patterns: str | None = None


def name_key(name: str) -> str:
    return name.strip().lower()


def set_service(uow: UnitOfWork, spec: ServiceSpec) -> Service:
    """Create a service or update its prices and patterns."""
    name = spec.name.strip()
    if not name or len(name) > 64 or "," in name:
        raise InvalidParameter("name", spec.name, "1-64 characters, no commas")
    for price in (spec.price, spec.ltr_price, spec.ltr_short_price):
        if price < 0:
            raise InvalidParameter("price", str(price), "must not be negative")
    for pattern in f"{spec.sender_patterns or ''}\n{spec.text_patterns or ''}".splitlines():
        check_pattern(pattern)
    service = uow.session.scalar(select(Service).where(Service.name_key == name_key(name)))
    if service is None:
        service = Service(name=name, name_key=name_key(name), price_cents=0)
        uow.session.add(service)
    service.name = name
    service.price_cents = to_cents(spec.price)
    service.ltr_price_cents = to_cents(spec.ltr_price)
    service.ltr_short_price_cents = to_cents(spec.ltr_short_price)
    if spec.order_id is not None:
        service.order_id = spec.order_id
    if spec.sender_patterns is not None:
        service.sender_patterns = spec.sender_patterns
    if spec.text_patterns is not None:
        service.text_patterns = spec.text_patterns
    service.active = True
    uow.session.flush()
    return service


MAX_PATTERN = 200


def check_pattern(pattern: str) -> None:
    """Refuse a pattern that is not a regular expression, or one too long to be a shape."""
    if len(pattern) > MAX_PATTERN or "\x00" in pattern:
        raise InvalidParameter(
            "pattern", pattern[:40], f"a pattern is at most {MAX_PATTERN} characters"
        )
    try:
        re.compile(pattern)
    except re.error as exc:
        raise InvalidParameter("pattern", pattern, f"bad regular expression: {exc}") from exc


def unique_names(names: list[str] | tuple[str, ...]) -> list[str]:
    """Names without blanks and without repeats, compared as lookups compare them (any case)."""
    seen: dict[str, str] = {}
    for raw in names:
        if raw.strip():
            seen.setdefault(name_key(raw), raw.strip())
    return list(seen.values())


def find_services(uow: UnitOfWork, names: list[str]) -> list[Service]:
    """Services by name, in the order given, each once; the first unknown name is an error.

    Names match ignoring case everywhere, so `Google,google` is one service, not two.
    """
    names = unique_names(names)
    keys = [name_key(n) for n in names]
    found = {}
    # One Core statement, and the services kept out of the session (callers only read
    # them): on every request, the ORM's loading cost more than the query.
    for row in uow.run(_find_services(uow.dialect), {"keys": keys}).all():
        service = detached(Service, row._asdict())
        found[service.name_key] = service
    result = []
    for raw, key in zip(names, keys, strict=True):
        if key not in found:
            raise UnknownService(raw.strip())
        result.append(found[key])
    return result


@lru_cache
def _find_services(dialect: str) -> Select[Any]:
    return select(*columns(Service)).where(
        among(Service.name_key, "keys", dialect), Service.active.is_(True)
    )


def by_order_id(uow: UnitOfWork, raw: str) -> Service:
    """An active service by its order-API id (ASCII digits); UnknownService otherwise."""
    key = parse_id(raw.strip())
    service = (
        uow.session.scalar(select(Service).where(Service.order_id == key, Service.active.is_(True)))
        if key is not None and key <= MAX_ORDER_ID
        else None
    )
    if service is None:
        raise UnknownService(raw.strip())
    return service


def any_service(uow: UnitOfWork) -> Service:
    """The catalogue's any-sender service ("Unlimited", else "Unknown") for rentals that
    serve every service; made, inactive (no one-time requests), when there is neither."""
    found = {
        s.name_key: s
        for s in uow.session.scalars(
            select(Service).where(Service.name_key.in_(sorted(ANY_SERVICE_NAMES)))
        )
    }
    service = found.get("unlimited") or found.get("unknown")
    if service is None:
        insert_ignore(
            uow.session,
            Service,
            {"name": "Unlimited", "name_key": "unlimited", "price_cents": 0, "active": False},
            conflict=("name_key",),
        )
        service = uow.session.scalar(select(Service).where(Service.name_key == "unlimited"))
        assert service is not None
    return service


def price_cents_for(uow: UnitOfWork, service: Service, country: str) -> int:
    """The one-time price of `service` on a number of `country`: its own there, else its price."""
    if country == "US":
        return service.price_cents
    own = uow.session.scalar(
        select(ServicePrice.price_cents).where(
            ServicePrice.service_id == service.id, ServicePrice.country == country
        )
    )
    return service.price_cents if own is None else int(own)


def country_prices(uow: UnitOfWork, service: Service) -> dict[str, Decimal]:
    """The service's own prices by country, in country order."""
    rows = uow.session.execute(
        select(ServicePrice.country, ServicePrice.price_cents)
        .where(ServicePrice.service_id == service.id)
        .order_by(ServicePrice.country)
    ).all()
    return {country: from_cents(int(cents)) for country, cents in rows}


def set_country_price(uow: UnitOfWork, *, service: Service, country: str, price: Decimal) -> None:
    """Give a service its own one-time price on numbers of a country other than the US."""
    if price < 0:
        raise InvalidParameter("price", str(price), "must not be negative")
    own = uow.session.scalar(
        select(ServicePrice).where(
            ServicePrice.service_id == service.id, ServicePrice.country == country
        )
    )
    if own is None:
        own = ServicePrice(service_id=service.id, country=country, price_cents=0)
        uow.session.add(own)
    own.price_cents = to_cents(price)
    uow.session.flush()


def all_services(uow: UnitOfWork) -> list[Service]:
    """Every active service, by name."""
    return list(
        uow.session.scalars(
            select(Service).where(Service.active.is_(True)).order_by(Service.name_key)
        )
    )


def price(service: Service) -> Decimal:
    return from_cents(service.price_cents)


@lru_cache(maxsize=1024)
def _compiled(patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns.splitlines() if p.strip())


def patterns_of(service: Service) -> tuple[str, str]:
    """The service's sender and text patterns: the operator's, else the built-in ones."""
    if service.sender_patterns or service.text_patterns:
        return service.sender_patterns, service.text_patterns
    return built_in(service.name_key)


def text_patterns(service: Service) -> tuple[re.Pattern[str], ...]:
    """The compiled text patterns of a service (the operator's, else the built-in ones)."""
    return _compiled(patterns_of(service)[1])


def match_strength(service: Service, *, sender: str, text: str) -> int:
    """How surely an SMS is `service`'s: 3 by sender, 2 by text pattern, 1 by name, else 0.

    "Unknown" / "Unlimited" (any sender) match every SMS at strength 0: a fallback only.
    """
    senders, texts = patterns_of(service)
    if any(p.search(sender) for p in _compiled(senders)):
        return 3
    if any(p.search(text) for p in _compiled(texts)):
        return 2
    if re.search(rf"\b{re.escape(service.name)}\b", text, re.IGNORECASE) is not None:
        return 1
    return 0


def detect(services: Sequence[Service], *, sender: str, text: str) -> Service | None:
    """The service among `services` an SMS belongs to: the strongest match, None if none."""
    best: Service | None = None
    best_strength = 0
    for service in services:
        strength = match_strength(service, sender=sender, text=text)
        if strength > best_strength:
            best, best_strength = service, strength
    return best
