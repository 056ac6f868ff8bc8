"""SIM rotation, as an operator sets a gateway's modem slots and watches its numbers turn."""

from __future__ import annotations

from datetime import datetime

from simhive.core.errors import InvalidParameter, NotFound
from simhive.core.rotation import service as rotation
from simhive.core.rotation.service import SlotsView
from simhive.db.uow import Database, UnitOfWork
from simhive.kit.clock import parse_duration

__all__ = ["SlotsView", "in_slots", "list_slots", "remove_slots", "report_slots", "set_slots"]

DEFAULT_WINDOW = "default"


def _window_s(raw: str) -> int | None:
    if raw.strip().lower() == DEFAULT_WINDOW:
        return None
    try:
        return parse_duration(raw)
    except ValueError as exc:
        raise InvalidParameter("window", raw[:40], str(exc)) from None


def _kept_window(uow: UnitOfWork, gateway: str) -> int | None:
    """The window a gateway set for itself, if any (None: it follows the setting)."""
    try:
        known = rotation.get_slots(uow, gateway=gateway.strip())
    except NotFound:
        return None
    return known.window_s if known.own_window else None


def set_slots(
    db: Database, *, gateway: str, slots: int, window: str | None = None, made_by: str
) -> SlotsView:
    """Give a gateway `slots` modem slots; `window` (`30m`, `1h`, or `default`, the
    SIMHIVE_ROTATION_WINDOW_S setting) is how long a number stays in one. Omitted, a
    gateway keeps the window it has."""
    with db.uow() as uow:
        window_s = _window_s(window) if window is not None else _kept_window(uow, gateway)
        return rotation.configure(
            uow, gateway=gateway, slots=slots, window_s=window_s, set_by=made_by
        )


def remove_slots(db: Database, *, gateway: str) -> int:
    """Forget a gateway's slots (its numbers come online for good); how many came online."""
    with db.uow() as uow:
        return rotation.remove(uow, gateway=gateway)


def list_slots(db: Database) -> list[SlotsView]:
    """Every gateway with slots, and how its numbers stand."""
    with db.uow(write=False) as uow:
        return rotation.list_slots(uow)


def report_slots(db: Database, *, gateway: str, slots: int, window_s: int | None) -> SlotsView:
    """A gateway reports its own slots (and window; None keeps the one it has)."""
    with db.uow() as uow:
        if window_s is None:
            window_s = _kept_window(uow, gateway)
        return rotation.configure(
            uow, gateway=gateway, slots=slots, window_s=window_s, set_by=f"gateway {gateway}"
        )


def in_slots(db: Database, *, gateway: str) -> tuple[SlotsView, list[tuple[str, datetime | None]]]:
    """A gateway's slots, and the numbers it should hold in them now, until when."""
    with db.uow(write=False) as uow:
        numbers = rotation.in_slots(uow, gateway=gateway)
        return rotation.get_slots(uow, gateway=gateway), numbers
