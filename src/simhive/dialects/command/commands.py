"""The commands: each authenticates, calls core in one transaction, renders the answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from simhive.core.accounts import service as accounts
from simhive.core.accounts.models import Account, StatusShape
from simhive.core.activations import queries
from simhive.core.activations import service as activations
from simhive.core.catalog import service as catalog
from simhive.core.errors import UnknownCommand
from simhive.core.inventory import service as inventory
from simhive.core.ledger import service as ledger
from simhive.core.messages import service as messages
from simhive.db.uow import UnitOfWork
from simhive.dialects.command import params, render
from simhive.dialects.command import rentals as rental_commands
from simhive.dialects.command.outbound import cmd_send_sms
from simhive.kit.money import format_amount, from_cents

Params = Mapping[str, str]
Handler = Callable[[UnitOfWork, Account, Params], Any]


def authenticate(uow: UnitOfWork, p: Params, *, account_id: int | None = None) -> Account:
    """`user` (name or email) with `api_key`; or, for `pass` (as clients in the wild send it),
    the account whose password was checked before this transaction opened (`account_id`)."""
    if account_id is not None:
        return accounts.login_account(uow, account_id=account_id)
    # A password is never hashed inside a transaction: see `password_login`.
    return accounts.authenticate(
        uow, user=params.text(p, "user") or "", api_key=params.text(p, "api_key")
    )


def password_login(p: Params) -> tuple[str, str] | None:
    """(user, password) when the request signs in with `pass` rather than `api_key`."""
    user, password = params.text(p, "user"), params.text(p, "pass")
    if user and password and not params.text(p, "api_key"):
        return user, password
    return None


def cmd_request(uow: UnitOfWork, account: Account, p: Params) -> Any:
    views = activations.request_number(
        uow, account=account, request=params.number_request(p, uow.settings)
    )
    return [render.activation(v, with_price=True) for v in views]


def cmd_request_status(uow: UnitOfWork, account: Account, p: Params) -> Any:
    v = activations.request_status(uow, account=account, activation_id=params.required(p, "id"))
    entry = render.activation(v, with_price=False)
    # DESIGN.md: older clients want a bare object; the account's setting chooses.
    return entry if account.status_shape == StatusShape.OBJECT else [entry]


def status_entry(read: queries.StatusRead) -> Any:
    """`request_status`'s message; DESIGN.md: older clients want a bare object."""
    entry = render.activation(read.view, with_price=False)
    return entry if read.status_shape == StatusShape.OBJECT else [entry]


def cmd_reject(uow: UnitOfWork, account: Account, p: Params) -> Any:
    activations.reject(uow, account=account, activation_id=params.required(p, "id"))
    return "MDN has been rejected"


def cmd_read_sms(uow: UnitOfWork, account: Account, p: Params) -> Any:
    found = messages.read_sms(
        uow,
        account=account,
        activation_id=params.text(p, "id"),
        ltr_id=params.text(p, "ltr_id"),
        mdn=params.text(p, "mdn"),
        service=params.text(p, "service"),
    )
    return [render.message(m) for m in found]


def cmd_list_services(uow: UnitOfWork, account: Account, p: Params) -> Any:
    raw = params.text(p, "service")
    names = [n.strip() for n in raw.split(",") if n.strip()] if raw else []
    services = catalog.find_services(uow, names) if names else catalog.all_services(uow)
    counts = inventory.count_available(uow, [s.id for s in services])
    # 000: recommended_markup only "when a service parameter is passed with a single value";
    # in a list it is "" (DESIGN.md: the live service answers so).
    single = len(names) == 1
    return [
        render.service_entry(
            name=s.name,
            price=from_cents(s.price_cents),
            ltr_price=from_cents(s.ltr_price_cents),
            ltr_short_price=from_cents(s.ltr_short_price_cents),
            available=counts[s.id],
            # Rentable only where the operator priced rentals.
            ltr_available=counts[s.id] if s.ltr_price_cents or s.ltr_short_price_cents else 0,
            recommended_markup=activations.recommended_markup(uow, s) if single else None,
        )
        for s in services
    ]


def cmd_balance(uow: UnitOfWork, account: Account, p: Params) -> Any:
    return format_amount(ledger.available(uow, account.id))


COMMANDS: dict[str, tuple[Handler, bool]] = {
    # name: (handler, writes)
    "request": (cmd_request, True),
    "request_status": (cmd_request_status, False),
    "reject": (cmd_reject, True),
    "read_sms": (cmd_read_sms, False),
    "list_services": (cmd_list_services, False),
    "balance": (cmd_balance, False),
    **rental_commands.COMMANDS,
    "send_sms": (cmd_send_sms, True),
}


def lookup(name: str) -> tuple[Handler, bool]:
    try:
        return COMMANDS[name]
    except KeyError:
        raise UnknownCommand(name) from None
