"""The order API's one-time requests (002): one open order per account, skip and reuse.

An order is an activation like any other, marked `api = order`: it lives as long as a
Reserved request, and its price is held, captured and released the same way. What the
order API adds is here: a number of the country asked for, at most one open order per
account, skipping a number for good, and ordering a completed order's number again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from simhive.core.accounts.models import Account
from simhive.core.activations import lifecycle
from simhive.core.activations import service as activations
from simhive.core.activations.models import OPEN_STATUSES, Activation, ActivationStatus, Api
from simhive.core.catalog import service as catalog
from simhive.core.catalog.models import Service
from simhive.core.errors import (
    InvalidParameter,
    MdnOffline,
    NotReusable,
    OrderAlreadyOpen,
    RequestClosed,
    UnknownRequest,
)
from simhive.core.inventory import service as inventory
from simhive.core.inventory.models import Number
from simhive.core.ledger import service as ledger
from simhive.core.messages.models import Message, MessageStatus
from simhive.db.uow import UnitOfWork
from simhive.kit.ids import parse_id
from simhive.kit.phone import COUNTRIES


@dataclass(frozen=True, slots=True)
class OrderView:
    """An order as it stands now: past its deadline an open order reads as timed out."""

    id: int
    status: ActivationStatus
    mdn: str
    country: str
    # The text of the SMS that completed it.
    sms: str | None = None


def make_order(uow: UnitOfWork, *, account: Account, service_id: str, country: str) -> OrderView:
    """Reserve a number of `country` for the service with that order id, unless an order is open."""
    service = catalog.by_order_id(uow, service_id)
    if country not in COUNTRIES:
        raise InvalidParameter("country", country, "country must be US, NL or UK")
    _none_open(uow, account)
    request = activations.NumberRequest(services=(service.name,), country=country, api=Api.ORDER)
    return _placed(uow, account, request)


def reuse(uow: UnitOfWork, *, account: Account, order_id: str) -> OrderView:
    """A new order on a completed order's number, for its service, within the reuse window."""
    original = _order(uow, account, order_id)
    _none_open(uow, account)
    if original.status != ActivationStatus.COMPLETED or original.number_id is None:
        raise NotReusable(NotReusable.NOT_COMPLETED)
    window = timedelta(seconds=uow.settings.order_reuse_window_s)
    if original.closed_at is None or original.closed_at + window <= uow.clock.now():
        raise NotReusable(NotReusable.WINDOW_PASSED)
    number = uow.session.get(Number, original.number_id)
    service = uow.session.get(Service, original.service_id)
    assert number is not None and service is not None
    if not number.online:
        raise MdnOffline()
    request = activations.NumberRequest(
        services=(service.name,), mdn=number.mdn, country=number.country, api=Api.ORDER
    )
    return _placed(uow, account, request)


def get_order(uow: UnitOfWork, *, account: Account, order_id: str) -> OrderView:
    """One of the account's orders, with the text of its SMS once it is completed."""
    order = _order(uow, account, order_id)
    sms = None
    if order.status == ActivationStatus.COMPLETED:
        sms = uow.session.scalar(
            select(Message.text)
            .where(Message.activation_id == order.id, Message.status == MessageStatus.ROUTED)
            .order_by(Message.id)
            .limit(1)
        )
    return _view(uow, order, sms=sms)


def cancel(uow: UnitOfWork, *, account: Account, order_id: str) -> OrderView:
    """Give an open order's number back (nothing is charged)."""
    order = _open_order(uow, account, order_id)
    lifecycle.close(uow, order, ActivationStatus.REJECTED)
    return _view(uow, order)


def skip(uow: UnitOfWork, *, account: Account, order_id: str) -> OrderView:
    """Cancel an open order, and never offer its number to the account for its service again."""
    order = _open_order(uow, account, order_id)
    assert order.number_id is not None
    # Before the number is freed, so that no offer made on freeing it hands it back.
    inventory.mark_skipped(
        uow, number_id=order.number_id, account_id=account.id, service_id=order.service_id
    )
    lifecycle.close(uow, order, ActivationStatus.REJECTED)
    return _view(uow, order)


def _placed(uow: UnitOfWork, account: Account, request: activations.NumberRequest) -> OrderView:
    (made,) = activations.request_number(uow, account=account, request=request)
    return OrderView(id=made.id, status=made.status, mdn=made.mdn, country=request.country)


def _none_open(uow: UnitOfWork, account: Account) -> None:
    """Refuse while the account has an open order; one past its deadline is timed out first.

    The account row is locked first (as for every money decision), so two orders made at
    once check one after the other and the second sees the first.
    """
    ledger.lock_account(uow, account.id)
    query = select(Activation).where(
        Activation.account_id == account.id,
        Activation.api == Api.ORDER,
        Activation.status == ActivationStatus.RESERVED,
    )
    open_order = uow.session.scalar(
        query.with_for_update(key_share=True).execution_options(populate_existing=True)
    )
    if open_order is None:
        return
    lifecycle.settle_if_due(uow, open_order)
    if open_order.status in OPEN_STATUSES:
        raise OrderAlreadyOpen(open_order.id)


def _order(uow: UnitOfWork, account: Account, order_id: str, *, lock: bool = False) -> Activation:
    """One of the account's orders; another account's, or a command API request, is unknown."""
    key = parse_id(order_id.strip())
    locking = {"key_share": True} if lock else None
    order = uow.session.get(Activation, key, with_for_update=locking) if key else None
    if order is None or order.account_id != account.id or order.api != Api.ORDER:
        raise UnknownRequest()
    return order


def _open_order(uow: UnitOfWork, account: Account, order_id: str) -> Activation:
    """The order, locked, if it is still open (a reject, the SMS and the sweep take turns)."""
    order = _order(uow, account, order_id, lock=True)
    lifecycle.settle_if_due(uow, order)
    if order.status not in OPEN_STATUSES:
        raise RequestClosed(order.status)
    return order


def _view(uow: UnitOfWork, order: Activation, *, sms: str | None = None) -> OrderView:
    number = uow.session.get(Number, order.number_id) if order.number_id else None
    status = ActivationStatus(order.status)
    if status in OPEN_STATUSES and order.expires_at <= uow.clock.now():
        status = ActivationStatus.TIMED_OUT
    return OrderView(
        id=order.id,
        status=status,
        mdn=number.mdn if number else "",
        country=number.country if number else "",
        sms=sms,
    )
