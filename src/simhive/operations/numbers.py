"""Phone numbers, as an operator adds, imports and switches them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from simhive.core.activations import lifecycle
from simhive.core.errors import InvalidAreaCode, InvalidParameter, InvalidState
from simhive.core.inventory import imports
from simhive.core.inventory import service as inventory
from simhive.core.inventory.imports import ImportResult
from simhive.core.inventory.models import Number
from simhive.core.rotation import service as rotation
from simhive.db.uow import Database
from simhive.kit.phone import area_code_state, is_valid_state, parse_country

__all__ = [
    "MAX_SIMULATED",
    "ImportResult",
    "NumberInfo",
    "add_simulated_numbers",
    "import_numbers",
    "list_numbers",
    "set_number_online",
]

MAX_SIMULATED = 100_000


@dataclass(frozen=True)
class NumberInfo:
    mdn: str
    country: str
    state: str
    area_code: str
    carrier: str
    gateway: str
    online: bool
    leased: bool
    held: bool  # offline and out of SIM rotation until brought back online
    online_until: datetime | None  # the end of its window in a slot (gateways with slots)


def _info(number: Number) -> NumberInfo:
    return NumberInfo(
        mdn=number.mdn,
        country=number.country,
        state=number.state,
        area_code=number.area_code,
        carrier=number.carrier,
        gateway=number.gateway,
        online=number.online,
        leased=number.lease_group is not None,
        held=number.held,
        online_until=number.online_until,
    )


def add_simulated_numbers(
    db: Database,
    *,
    count: int,
    state: str | None = None,
    area_code: str | None = None,
    seed: int | None = None,
    short_rentals: bool = True,
    country: str = "US",
) -> list[NumberInfo]:
    """Add simulated numbers of a country (US: realistic area codes and carriers; NL and
    UK: mobile ranges), then serve waiting bids.

    `short_rentals=False` adds numbers that take 30-day rentals only.
    """
    from simhive.gateways.simulator import generate_numbers

    if count < 1 or count > MAX_SIMULATED:
        raise InvalidParameter("count", str(count), f"count must be 1..{MAX_SIMULATED}")
    code = parse_country(country)
    if code is None:
        raise InvalidParameter("country", country, f"country must be US, NL or UK: {country!r}")
    if code != "US" and (state or area_code):
        raise InvalidParameter("country", country, "states and area codes are for US numbers")
    state = state.strip().upper() if state else None
    if state is not None and not is_valid_state(state):
        raise InvalidState(state)
    if area_code is not None:
        if area_code_state(area_code) is None:
            raise InvalidAreaCode(area_code)
        if state is not None and area_code_state(area_code) != state:
            raise InvalidParameter(
                "area_code", area_code, f"area code {area_code} is not in {state}"
            )
    with db.uow() as uow:
        try:
            made = generate_numbers(
                count,
                rng=random.Random(seed),
                state=state,
                area_code=area_code,
                exclude=inventory.all_mdns(uow),
                country=code,
            )
        except ValueError as exc:
            # What is left: an area code outside the state, or the area code is full.
            raise InvalidParameter("count", str(count), str(exc)) from exc
        added = [
            inventory.add_number(
                uow,
                inventory.NumberSpec(
                    mdn=n.mdn,
                    carrier=n.carrier,
                    state=n.state,
                    area_code=n.area_code,
                    gateway="simulator",
                    short_rentals=short_rentals,
                    country=code,
                ),
            )
            for n in made
        ]
        infos = [_info(n) for n in added]
        lifecycle.match_bids(uow)
    db.analyze("numbers")
    return infos


def import_numbers(db: Database, source: bytes | Path) -> ImportResult:
    """Import numbers from a CSV file or body in one transaction (one commit for it all)."""
    text = imports.decode(source.read_bytes() if isinstance(source, Path) else source)
    with db.uow() as uow:
        result = imports.import_numbers(uow, text=text)
        if result.added:
            lifecycle.match_bids(uow)
    if result.added:
        db.analyze("numbers")
    return result


def set_number_online(db: Database, *, mdn: str, online: bool) -> NumberInfo:
    """Bring a number online (on a gateway with slots: into the line for one) or hold it offline."""
    with db.uow() as uow:
        return _info(rotation.set_online(uow, mdn=mdn, online=online))


def list_numbers(db: Database, *, limit: int = 100) -> list[NumberInfo]:
    with db.uow(write=False) as uow:
        rows = uow.session.scalars(select(Number).order_by(Number.id).limit(limit))
        return [_info(n) for n in rows]
