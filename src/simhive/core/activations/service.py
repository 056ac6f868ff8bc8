"""One-time requests: ask for a number, read its status, reject it."""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, func, select

from simhive.core.accounts.models import Account
from simhive.core.activations import lifecycle
from simhive.core.activations.models import Activation, ActivationStatus, Api
from simhive.core.activations.views import ActivationView, view
from simhive.core.catalog import service as catalog
from simhive.core.catalog.models import Service
from simhive.core.errors import (
    InvalidAreaCode,
    InvalidMarkup,
    InvalidMdn,
    InvalidState,
    MdnNotAvailable,
    NoNumbers,
    RequestClosed,
    TooManyServices,
    UnknownRequest,
)
from simhive.core.inventory import service as inventory
from simhive.core.inventory.models import Number
from simhive.core.ledger import service as ledger
from simhive.db.detached import columns, detached, inserted
from simhive.db.uow import UnitOfWork
from simhive.kit.money import from_cents
from simhive.kit.phone import is_valid_state, is_valid_us_area_code, normalize_number


@dataclass(frozen=True, slots=True)
class NumberRequest:
    """A `request` as the dialects parse it; core checks every rule."""

    services: tuple[str, ...]
    mdn: str | None = None
    area_code: str | None = None
    state: str | None = None
    markup: int | None = None
    # The numbers' country (the command API's are US), and the API asking.
    country: str = "US"
    api: Api = Api.COMMAND


def _check(uow: UnitOfWork, req: NumberRequest) -> tuple[list[Service], str, str, str | None]:
    """Validate a request; returns services, area code, state and the normalised MDN."""
    limit = uow.settings.max_services_per_request
    names = catalog.unique_names(req.services)
    if len(names) > limit:
        raise TooManyServices(len(names), limit)
    services = catalog.find_services(uow, names)
    if req.markup is not None and not (
        uow.settings.markup_min <= req.markup <= uow.settings.markup_max
    ):
        raise InvalidMarkup(str(req.markup), uow.settings.markup_min, uow.settings.markup_max)
    mdn = None
    area_code = state = ""
    # 000: "mdn" beats "areacode", which beats "state"; the loser is ignored, not checked.
    if req.mdn:
        mdn = normalize_number(req.mdn, req.country)
        if mdn is None:
            raise InvalidMdn(req.mdn)
    elif req.area_code:
        if not is_valid_us_area_code(req.area_code):
            raise InvalidAreaCode(req.area_code)
        area_code = req.area_code
    elif req.state:
        if not is_valid_state(req.state):
            raise InvalidState(req.state)
        state = req.state.upper()
    return services, area_code, state, mdn


def request_number(
    uow: UnitOfWork, *, account: Account, request: NumberRequest
) -> list[ActivationView]:
    """Reserve a number for one or more services, or place bids that wait for one."""
    services, area_code, state, mdn = _check(uow, request)
    wanted = inventory.Wanted(
        account_id=account.id,
        service_ids=tuple(s.id for s in services),
        area_code=area_code,
        state=state,
        country=request.country,
    )
    now = uow.clock.now()
    # The group token leases the number before any row exists, so each activation
    # is written once, in its final state.
    group_id = secrets.randbits(62)
    number = _take_number(uow, wanted, mdn=mdn, group_id=group_id)
    if number is None and mdn is not None:
        raise MdnNotAvailable()
    if number is None and request.markup is None and len(services) == 1:
        raise NoNumbers()
    group = [
        Activation(
            account_id=account.id,
            service_id=service.id,
            group_id=group_id,
            status=ActivationStatus.AWAITING_MDN,
            api=request.api,
            markup=0,
            price_cents=catalog.price_cents_for(uow, service, request.country),
            want_area_code=wanted.area_code,
            want_state=wanted.state,
            created_at=now,
            expires_at=now,
        )
        for service in services
    ]
    if number is not None:
        for activation, service in zip(group, services, strict=True):
            lifecycle.reserve(uow, activation, number, markup=0, service=service)
    else:
        _make_bids(uow, group, services, markup=request.markup if len(services) == 1 else None)
    holds = ledger.place_holds(
        uow,
        account_id=account.id,
        amounts=[from_cents(a.price_cents) for a in group],
        reference=f"request:{group_id}",
        open_bound=uow.settings.max_open_requests,
    )
    for activation, hold in zip(group, holds, strict=True):
        activation.hold_id = hold.id
    group = _written(uow, group)
    views = [view(a, s, number, now) for a, s in zip(group, services, strict=True)]
    # 000's multi-service example lists the requests by service name.
    return sorted(views, key=lambda v: v.service.lower()) if len(views) > 1 else views


def _take_number(
    uow: UnitOfWork, wanted: inventory.Wanted, *, mdn: str | None, group_id: int
) -> Number | None:
    if mdn is None:
        return inventory.take_free_number(uow, wanted, group_id=group_id)
    number = uow.session.scalar(select(Number).where(Number.mdn == mdn))
    if number is None or number.lease_group is not None:
        raise MdnNotAvailable()
    reuse = dataclasses.replace(wanted, own_used_ok=True)
    if not inventory.can_offer(uow, number, reuse) or not inventory.lease(
        uow, number, group_id=group_id
    ):
        raise MdnNotAvailable()
    return number


def _written(uow: UnitOfWork, group: list[Activation]) -> list[Activation]:
    """Insert a request's activations with one Core statement; they come back as written.

    As holds are (`ledger.place_holds`): the ORM's flush of new objects cost more than
    the rest of writing them. The activations are kept out of the session: the caller
    only describes them, and later changes are statements of their own.
    """
    rows = [{key: getattr(activation, key) for key in _COLUMNS} for activation in group]
    return inserted(uow, Activation, rows)


# Every column is given, so no Python-side default is left for the engine to fill in.
_COLUMNS = tuple(c.key for c in Activation.__table__.columns if c.key != "id")


def _make_bids(
    uow: UnitOfWork, group: list[Activation], services: list[Service], *, markup: int | None
) -> None:
    """Turn the group into waiting bids; multi-service bids outbid everyone by one cent."""
    expires = uow.clock.now() + timedelta(seconds=uow.settings.awaiting_lifetime_s)
    for activation, service in zip(group, services, strict=True):
        bid = (
            markup
            if markup is not None
            else recommended_markup(uow, service, excluding=activation.account_id)
        )
        activation.markup = bid
        activation.price_cents = service.price_cents + bid
        activation.expires_at = expires


def recommended_markup(uow: UnitOfWork, service: Service, *, excluding: int | None = None) -> int:
    """One cent above the highest waiting bid for the service, and at least the minimum.

    A multi-service request bids to be the highest bidder (000): above other accounts'
    bids (`excluding` its own), or each retry would outbid the last and hold more money.
    """
    query = select(func.max(Activation.markup)).where(
        Activation.service_id == service.id,
        Activation.status == ActivationStatus.AWAITING_MDN,
        Activation.expires_at > uow.clock.now(),
    )
    if excluding is not None:
        query = query.where(Activation.account_id != excluding)
    top = uow.session.scalar(query)
    return min(max(int(top or 0) + 1, uow.settings.markup_min), uow.settings.markup_max)


def _own(uow: UnitOfWork, account: Account, activation_id: str | int) -> Activation:
    key = _key(activation_id)
    activation = uow.session.get(Activation, key) if key is not None else None
    # Another account's id answers exactly like an unknown one.
    if activation is None or activation.account_id != account.id:
        raise UnknownRequest()
    return activation


def _own_locked(uow: UnitOfWork, account: Account, activation_id: str | int) -> Activation:
    """One of the account's activations, its row locked, read by one Core statement.

    The lock makes a reject and the SMS that completes the same request (or the sweep
    that times it out) happen one after the other, never both. The activation is kept
    out of the session, as written ones are (`_written`): the caller changes it only
    through statements (`lifecycle.close`).
    """
    key = _key(activation_id)
    row = uow.run(_LOCK_OWN, {"activation_id": key}).first() if key is not None else None
    if row is None or row.account_id != account.id:
        raise UnknownRequest()
    return detached(Activation, row._asdict())


_LOCK_OWN = (
    select(*columns(Activation))
    .where(Activation.id == bindparam("activation_id"))
    .with_for_update(key_share=True)
)


def _key(activation_id: str | int) -> int | None:
    """A request id as a client may write it; None for one no activation can have."""
    try:
        key = int(str(activation_id).strip())
    except ValueError:
        raise UnknownRequest() from None
    return key if 0 < key < 2**63 else None


def request_status(uow: UnitOfWork, *, account: Account, activation_id: str) -> ActivationView:
    """The current state of one of the account's requests."""
    activation = _own(uow, account, activation_id)
    return lifecycle.current_view(uow, activation)


def reject(uow: UnitOfWork, *, account: Account, activation_id: str) -> None:
    """Give back a reserved number (never offered again to this account), or cancel a bid.

    Answers nothing: the request is Rejected, and a caller that shows more reads it
    with `request_status` (a reject storm does not pay for a view nobody reads).
    """
    activation = _own_locked(uow, account, activation_id)
    lifecycle.settle_if_due(uow, activation)
    if activation.status not in (ActivationStatus.RESERVED, ActivationStatus.AWAITING_MDN):
        raise RequestClosed(activation.status)
    if activation.status == ActivationStatus.RESERVED and activation.number_id is not None:
        inventory.mark_rejected(uow, number_id=activation.number_id, account_id=account.id)
    lifecycle.close(uow, activation, ActivationStatus.REJECTED)
