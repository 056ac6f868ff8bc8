"""The command API's long-term rentals (004 `ltr_*`), parsed, run and rendered."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simhive.core.accounts.models import Account
from simhive.core.errors import InvalidParameter, MissingParameter
from simhive.core.rentals import reports
from simhive.core.rentals import service as rentals
from simhive.core.rentals.models import Rental
from simhive.db.uow import UnitOfWork
from simhive.dialects.command import params
from simhive.dialects.command.webhooks import expires_text
from simhive.kit.money import from_cents
from simhive.kit.timefmt import unix_seconds

Params = Mapping[str, str]

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def flag(p: Params, name: str) -> bool | None:
    """A boolean parameter (`true` / `false`, as 004 writes them); None when absent."""
    raw = params.text(p, name)
    if raw is None:
        return None
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise InvalidParameter(name, raw, f"{name} must be true or false")


def _duration(p: Params) -> int:
    raw = params.text(p, "duration")
    if raw is None:
        return 30
    if not raw.isascii() or not raw.isdigit() or int(raw) not in rentals.DURATIONS:
        raise InvalidParameter("duration", raw[:16], "duration must be 3 or 30")
    return int(raw)


def rental_entry(v: rentals.RentalView) -> dict[str, Any]:
    """004's `ltr_rent` object: `id` an integer, `price` a number."""
    return {
        "id": v.id,
        "mdn": v.mdn,
        "service": v.service,
        "price": v.price,
        "expires": expires_text(v.expires_at) if v.expires_at else "",
        "carrier": v.carrier,
    }


def state_entry(s: rentals.RentalState) -> dict[str, Any]:
    """DESIGN.md: `ltr_status` / `ltr_activate` answer integers and one of three states.

    004 names the fields without a table: `till_change` is seconds until the number goes
    offline or comes online, `next_online` a unix time (now while online), 0 when unknown.
    """
    return {
        "ltr_status": s.state,
        "till_change": s.till_change,
        "next_online": unix_seconds(s.next_online) if s.next_online else 0,
        "timestamp": unix_seconds(s.now),
    }


def _rental(uow: UnitOfWork, account: Account, p: Params, *, lock: bool = False) -> Rental:
    """The rental named by `ltr_id` (or `id`), else by `mdn` (and `service`)."""
    ltr_id = params.text(p, "ltr_id") or params.text(p, "id")
    mdn = params.text(p, "mdn")
    if ltr_id is None and mdn is None:
        raise MissingParameter("ltr_id")
    return rentals.find(
        uow,
        account=account,
        ltr_id=ltr_id,
        mdn=mdn,
        service=params.text(p, "service") if ltr_id is None else None,
        lock=lock,
    )


def cmd_ltr_rent(uow: UnitOfWork, account: Account, p: Params) -> Any:
    request = rentals.RentRequest(
        service=params.required(p, "service"),
        days=_duration(p),
        mdn=params.text(p, "mdn"),
        area_code=params.text(p, "areacode"),
        state=params.text(p, "state"),
        reserve=bool(flag(p, "reserve")),
        autorenew=bool(flag(p, "autorenew")),
    )
    return rental_entry(rentals.rent(uow, account=account, request=request))


def cmd_ltr_autorenew(uow: UnitOfWork, account: Account, p: Params) -> Any:
    wanted = flag(p, "autorenew")
    if params.text(p, "ltr_id") is None and params.text(p, "id") is None:
        # 004: without ltr_id, "service" and "mdn" are both required.
        params.required(p, "service")
        params.required(p, "mdn")
    rental = _rental(uow, account, p, lock=wanted is not None)
    if wanted is None:
        return rental.autorenew
    rentals.set_autorenew(uow, rental=rental, autorenew=wanted)
    return "Auto renew status updated"


def cmd_ltr_status(uow: UnitOfWork, account: Account, p: Params) -> Any:
    return state_entry(rentals.state(uow, rental=_rental(uow, account, p)))


def cmd_ltr_activate(uow: UnitOfWork, account: Account, p: Params) -> Any:
    return state_entry(rentals.activate(uow, rental=_rental(uow, account, p, lock=True)))


def cmd_ltr_release(uow: UnitOfWork, account: Account, p: Params) -> Any:
    rentals.release(uow, rental=_rental(uow, account, p, lock=True))
    return "MDN has been released"


def cmd_ltr_switch_service(uow: UnitOfWork, account: Account, p: Params) -> Any:
    rental = _rental(uow, account, p, lock=True)
    view = rentals.switch_service(uow, rental=rental, service=params.required(p, "service"))
    return rental_entry(view)


def cmd_ltr_forward(uow: UnitOfWork, account: Account, p: Params) -> Any:
    rental = _rental(uow, account, p, lock=True)
    target = rentals.forward(uow, rental=rental, destination=params.required(p, "destination"))
    return f"Calls are forwarded to {target}"


def cmd_ltr_report(uow: UnitOfWork, account: Account, p: Params) -> Any:
    rental = _rental(uow, account, p, lock=True)
    reports.report(uow, rental=rental, reason=params.text(p, "reason") or "")
    return "The MDN has been reported"


def cmd_ltr_reported_status(uow: UnitOfWork, account: Account, p: Params) -> Any:
    found = reports.latest(uow, rental=_rental(uow, account, p))
    return {
        "status": found.status.value,
        "outcome": found.outcome.value if found.outcome else "",
        "reason": found.reason,
        "mdn": found.mdn,
        "refund": from_cents(found.refund_cents),
        "timestamp": unix_seconds(found.resolved_at or found.created_at),
    }


COMMANDS = {
    # name: (handler, writes)
    "ltr_rent": (cmd_ltr_rent, True),
    "ltr_autorenew": (cmd_ltr_autorenew, True),
    "ltr_status": (cmd_ltr_status, False),
    "ltr_activate": (cmd_ltr_activate, True),
    "ltr_release": (cmd_ltr_release, True),
    "ltr_switch_service": (cmd_ltr_switch_service, True),
    "ltr_forward": (cmd_ltr_forward, True),
    "ltr_report": (cmd_ltr_report, True),
    "ltr_reported_status": (cmd_ltr_reported_status, False),
}
