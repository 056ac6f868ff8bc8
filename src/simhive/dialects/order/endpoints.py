"""The order API's endpoints: each calls core in one transaction and renders its answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from simhive.core.accounts.models import Account
from simhive.core.activations import orders
from simhive.core.ledger import service as ledger
from simhive.core.rentals import contracts
from simhive.db.uow import UnitOfWork
from simhive.dialects.order import params, render

Params = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Answer:
    body: str
    json: bool = False


Handler = Callable[[UnitOfWork, Account, Params], Answer]


def makeorder(uow: UnitOfWork, account: Account, p: Params) -> Answer:
    # 002: "country ... Options: USA, NL or UK (Optional NL by default)".
    order = orders.make_order(
        uow,
        account=account,
        service_id=params.required(p, "serviceId"),
        country=params.country(p, default="NL"),
    )
    return Answer(render.order_made(order))


def getsms(uow: UnitOfWork, account: Account, p: Params) -> Answer:
    order = orders.get_order(uow, account=account, order_id=params.required(p, "orderId"))
    return Answer(render.sms(order))


def cancelorder(uow: UnitOfWork, account: Account, p: Params) -> Answer:
    orders.cancel(uow, account=account, order_id=params.required(p, "orderId"))
    return Answer("ORDER_CANCELED")


def skipnumber(uow: UnitOfWork, account: Account, p: Params) -> Answer:
    orders.skip(uow, account=account, order_id=params.required(p, "orderId"))
    return Answer("NUMBER_SKIPPED_ORDER_CANCELED")


def getbalance(uow: UnitOfWork, account: Account, p: Params) -> Answer:
    # What the account can spend now, as the command API's `balance` says it.
    return Answer(render.balance(ledger.available(uow, account.id)))


def reuse(uow: UnitOfWork, account: Account, p: Params) -> Answer:
    order = orders.reuse(uow, account=account, order_id=params.required(p, "orderId"))
    return Answer(render.order_made(order))


def rental_new(uow: UnitOfWork, account: Account, p: Params) -> Answer:
    contract = contracts.new_contract(
        uow,
        account=account,
        country=params.country(p),
        package=params.package(p),
        auto_renew=params.flag(p, "auto_renew", default=True),
    )
    return Answer(render.contract_new(contract), json=True)


def rental_extend(uow: UnitOfWork, account: Account, p: Params) -> Answer:
    contract = contracts.extend(
        uow,
        account=account,
        contract_id=params.required(p, "contract_id"),
        package=params.package(p),
    )
    return Answer(render.contract_extended(contract), json=True)


def rental_edit(uow: UnitOfWork, account: Account, p: Params) -> Answer:
    contract_id = params.required(p, "contract_id")
    contract = contracts.set_auto_renew(
        uow, account=account, contract_id=contract_id, auto_renew=params.flag(p, "auto_renew")
    )
    return Answer(render.contract_edited(contract), json=True)


def rental_view(uow: UnitOfWork, account: Account, p: Params) -> Answer:
    contract_id = params.required(p, "contract_id")
    contract = contracts.view(uow, account=account, contract_id=contract_id)
    received = contracts.received(uow, account=account, contract_id=contract_id)
    return Answer(render.contract_view(contract, received), json=True)


@dataclass(frozen=True, slots=True)
class Endpoint:
    handler: Handler
    writes: bool
    rental: bool = False


# Path under /api → what it runs.
ENDPOINTS: dict[str, Endpoint] = {
    "makeorder": Endpoint(makeorder, writes=True),
    "getsms": Endpoint(getsms, writes=False),
    "cancelorder": Endpoint(cancelorder, writes=True),
    "skipnumber": Endpoint(skipnumber, writes=True),
    "getbalance": Endpoint(getbalance, writes=False),
    "reuse": Endpoint(reuse, writes=True),
    "rental/new": Endpoint(rental_new, writes=True, rental=True),
    "rental/extend": Endpoint(rental_extend, writes=True, rental=True),
    "rental/edit": Endpoint(rental_edit, writes=True, rental=True),
    "rental/view": Endpoint(rental_view, writes=False, rental=True),
}
