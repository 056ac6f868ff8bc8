"""Number inventory: adding numbers, online state, and taking a free number safely."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, exists, func, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import ReturningUpdate

from simhive.core.errors import Conflict, InvalidMdn, NotFound
from simhive.core.inventory.models import Number, NumberSkip, NumberUsage, Rejection
from simhive.core.rotation.models import GatewaySlots
from simhive.db.detached import attached
from simhive.db.types import among
from simhive.db.uow import UnitOfWork
from simhive.db.upsert import insert_ignore
from simhive.kit.phone import area_code_state, normalize_number


@dataclass(frozen=True, slots=True)
class NumberSpec:
    mdn: str
    # No default: a real number taken for a simulated one would never get its SMS.
    gateway: str
    carrier: str = ""
    state: str = ""
    area_code: str = ""
    online: bool = True
    country: str = "US"
    # False for SIMs that only take 30-day rentals.
    short_rentals: bool = True


@dataclass(frozen=True, slots=True)
class Wanted:
    """What a request asks of a number: services it must serve, for whom, where."""

    account_id: int
    service_ids: tuple[int, ...]
    area_code: str = ""
    state: str = ""
    # `mdn=`: a number this account used for the service may come back to it.
    own_used_ok: bool = False
    # A 3-day rental: only numbers that take short rentals.
    short_rental: bool = False
    # The country the number must be of (the command API serves US numbers only).
    country: str = "US"


def add_number(uow: UnitOfWork, spec: NumberSpec) -> Number:
    """Add a number to the inventory; a US number's area code and state come from the MDN
    when omitted (other countries have neither).

    One added offline is held (out of rotation until brought online); one added online to a
    gateway with slots joins the line for a slot instead, the worker's next turn puts it in.
    """
    mdn = normalize_number(spec.mdn, spec.country)
    if mdn is None:
        raise InvalidMdn(spec.mdn)
    if uow.session.scalar(select(Number.id).where(Number.mdn == mdn)) is not None:
        raise Conflict(f"number {mdn} exists")
    us = spec.country == "US"
    area_code = (spec.area_code or mdn[1:4]) if us else ""
    now = uow.clock.now()
    in_line = spec.online and uow.session.get(GatewaySlots, spec.gateway) is not None
    number = Number(
        mdn=mdn,
        country=spec.country,
        carrier=spec.carrier,
        state=(spec.state or area_code_state(area_code) or "").upper() if us else "",
        area_code=area_code,
        gateway=spec.gateway,
        online=spec.online and not in_line,
        held=not spec.online,
        queue_at=now if in_line else None,
        turn_at=now if in_line else None,
        short_rentals=spec.short_rentals,
        created_at=now,
        freed_at=now,
    )
    uow.session.add(number)
    uow.session.flush()
    return number


def get_by_mdn(uow: UnitOfWork, raw: str) -> Number:
    """A number by MDN in any accepted form (national forms of NL and UK numbers too)."""
    mdn = normalize_number(raw)
    if mdn is None:
        raise InvalidMdn(raw)
    number = uow.session.scalar(select(Number).where(Number.mdn == mdn))
    if number is None:
        raise NotFound(f"no number {mdn}")
    return number


def all_mdns(uow: UnitOfWork) -> set[str]:
    return set(uow.session.scalars(select(Number.mdn)))


def gateway_mdns(uow: UnitOfWork, *, gateway: str) -> list[str]:
    """The MDNs a gateway serves, in order."""
    return list(
        uow.session.scalars(select(Number.mdn).where(Number.gateway == gateway).order_by(Number.id))
    )


def count_numbers(uow: UnitOfWork, *, gateway: str, country: str) -> int:
    """How many numbers of a country a gateway serves."""
    found = uow.session.scalar(
        select(func.count(Number.id)).where(Number.gateway == gateway, Number.country == country)
    )
    return int(found or 0)


def eligible(wanted: Wanted) -> list[object]:
    """SQL conditions for a number that may be offered to `wanted` (apart from being free).

    They carry bind parameters: run them with `eligible_params(wanted)`.
    """
    return list(_eligible(wanted.own_used_ok, wanted.short_rental, _where(wanted)))


def eligible_params(wanted: Wanted) -> dict[str, object]:
    return {
        "want_account": wanted.account_id,
        "want_services": list(wanted.service_ids),
        "want_country": wanted.country,
        "want_area_code": wanted.area_code,
        "want_state": wanted.state,
    }


def _where(wanted: Wanted) -> str:
    # 000: "mdn" beats "areacode", which beats "state"; only one of them narrows.
    return "area_code" if wanted.area_code else "state" if wanted.state else ""


@functools.cache
def _eligible(
    own_used_ok: bool, short_rental: bool, where: str, dialect: str = ""
) -> tuple[object, ...]:
    """The conditions; with a `dialect`, the services' list is in its form for it
    (`db.types.among`: one array on PostgreSQL), else an IN list rendered per call."""
    # A number the service has seen (it received the service's SMS) is never handed out
    # for that service again, to anyone; only `mdn=` brings it back to the account that
    # used it.
    account_id: BindParameter[int] = bindparam("want_account")
    used = exists().where(
        NumberUsage.number_id == Number.id,
        among(NumberUsage.service_id, "want_services", dialect),
        *([NumberUsage.account_id != account_id] if own_used_ok else []),
    )
    rejected = exists().where(Rejection.number_id == Number.id, Rejection.account_id == account_id)
    skipped = exists().where(
        NumberSkip.number_id == Number.id,
        NumberSkip.account_id == account_id,
        among(NumberSkip.service_id, "want_services", dialect),
    )
    conditions: list[object] = [
        Number.online.is_(True),
        Number.country == bindparam("want_country"),
        ~used,
        ~rejected,
        ~skipped,
    ]
    if short_rental:
        conditions.append(Number.short_rentals.is_(True))
    if where == "area_code":
        conditions.append(Number.area_code == bindparam("want_area_code"))
    elif where == "state":
        conditions.append(Number.state == bindparam("want_state"))
    return tuple(conditions)


def take_free_number(uow: UnitOfWork, wanted: Wanted, *, group_id: int) -> Number | None:
    """Lease a free number that suits `wanted` to `group_id`, or None when there is none.

    One statement picks and leases: an UPDATE of the first suitable free number in
    hand-out order. On PostgreSQL racing requests skip each other's candidates instead
    of queueing on them (SKIP LOCKED; NO KEY UPDATE leaves rows that only reference the
    number free to be written), and the lease is a compare-and-set all the same.
    """
    pick, take = _take_statements(
        uow.dialect, wanted.own_used_ok, wanted.short_rental, _where(wanted)
    )
    params = {**eligible_params(wanted), "group_id": group_id}
    for _ in range(8):
        taken = uow.run(take, params).first()
        if taken is not None:
            # Callers may change the number: it joins the session as if loaded.
            return attached(uow, Number, taken._asdict())
        # None free, or (SQLite never; PostgreSQL rarely) the one picked was leased
        # between the pick and the update: ask again whether any is left.
        if uow.run(pick, params).first() is None:
            return None
    return None


@functools.cache
def _take_statements(
    dialect: str, own_used_ok: bool, short_rental: bool, where: str
) -> tuple[Select[int], ReturningUpdate[Any]]:
    eligible = _eligible(own_used_ok, short_rental, where, dialect)
    pick = (
        select(Number.id)
        .where(Number.lease_group.is_(None), *eligible)  # type: ignore[arg-type]
        .order_by(Number.freed_at, Number.id)
        .limit(1)
    )
    if dialect == "postgresql":
        pick = pick.with_for_update(skip_locked=True, key_share=True)
    take = (
        update(Number)
        .where(Number.id == pick.scalar_subquery(), Number.lease_group.is_(None))
        .values(lease_group=bindparam("group_id"))
        .returning(*Number.__table__.columns)
    )
    return pick, take


def lease(uow: UnitOfWork, number: Number, *, group_id: int) -> bool:
    """Compare-and-set the lease: True only for the one caller that took a free number."""
    result = uow.session.execute(
        update(Number)
        .where(Number.id == number.id, Number.lease_group.is_(None))
        .values(lease_group=group_id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    set_committed_value(number, "lease_group", group_id)
    return True


def can_offer(uow: UnitOfWork, number: Number, wanted: Wanted) -> bool:
    """Whether a given number suits `wanted` (ignoring whether it is free)."""
    query = select(Number.id).where(Number.id == number.id, *eligible(wanted))  # type: ignore[arg-type]
    return uow.session.scalar(query, eligible_params(wanted)) is not None


def release(uow: UnitOfWork, number: Number) -> None:
    """Give a number back to the pool."""
    number.lease_group = None
    number.freed_at = uow.clock.now()
    uow.session.flush()


def mark_used(uow: UnitOfWork, *, number_id: int, service_id: int, account_id: int) -> None:
    """Record that `account_id` received `service_id`'s SMS on the number (first one wins)."""
    insert_ignore(
        uow.session,
        NumberUsage,
        {
            "number_id": number_id,
            "service_id": service_id,
            "account_id": account_id,
            "used_at": uow.clock.now(),
        },
        conflict=("number_id", "service_id"),
    )


def mark_rejected(uow: UnitOfWork, *, number_id: int, account_id: int) -> None:
    """Never offer this number to this account again (idempotent: parallel rejects race here)."""
    insert_ignore(
        uow.session,
        Rejection,
        {"number_id": number_id, "account_id": account_id, "rejected_at": uow.clock.now()},
        conflict=("account_id", "number_id"),
    )


def mark_skipped(uow: UnitOfWork, *, number_id: int, account_id: int, service_id: int) -> None:
    """Never offer this number to this account for this service again (idempotent)."""
    insert_ignore(
        uow.session,
        NumberSkip,
        {
            "number_id": number_id,
            "account_id": account_id,
            "service_id": service_id,
            "skipped_at": uow.clock.now(),
        },
        conflict=("account_id", "number_id", "service_id"),
    )


def set_online(uow: UnitOfWork, *, mdn: str, online: bool) -> Number:
    """Mark a number online, or offline and held, as it is (no slots checked, no bids served:
    `rotation.set_online` is the use case)."""
    number = get_by_mdn(uow, mdn)
    number.online = online
    number.held = not online
    number.online_until = None
    uow.session.flush()
    return number


def hold(uow: UnitOfWork, number: Number) -> None:
    """Take a number offline and out of SIM rotation until someone brings it back online."""
    number.online = False
    number.held = True
    number.online_until = None
    number.queue_at = None
    number.turn_at = None
    uow.session.flush()


def count_available(
    uow: UnitOfWork, service_ids: Sequence[int], *, country: str = "US"
) -> dict[int, int]:
    """Free online numbers of a country not used for each service (approximate, as 000 says)."""
    free = uow.session.scalar(
        select(func.count(Number.id)).where(
            Number.online.is_(True), Number.lease_group.is_(None), Number.country == country
        )
    )
    used_rows = uow.session.execute(
        select(NumberUsage.service_id, func.count(NumberUsage.id))
        .join(Number, Number.id == NumberUsage.number_id)
        .where(
            NumberUsage.service_id.in_(service_ids),
            Number.online.is_(True),
            Number.lease_group.is_(None),
            Number.country == country,
        )
        .group_by(NumberUsage.service_id)
    ).all()
    used = {int(sid): int(n) for sid, n in used_rows}
    return {sid: max(int(free or 0) - used.get(sid, 0), 0) for sid in service_ids}


def has_free_number(uow: UnitOfWork) -> bool:
    return (
        uow.session.scalar(
            select(Number.id).where(Number.online.is_(True), Number.lease_group.is_(None)).limit(1)
        )
        is not None
    )
