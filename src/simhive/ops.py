"""Operator use cases, shared by the CLI and the admin API: one transaction each."""

from __future__ import annotations

import csv
import io
import logging
import random
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from simhive.core.accounts import service as accounts
from simhive.core.accounts.models import Account, Role, StatusShape
from simhive.core.activations import lifecycle
from simhive.core.catalog import service as catalog
from simhive.core.catalog.models import Service
from simhive.core.errors import (
    Conflict,
    CoreError,
    InvalidAreaCode,
    InvalidParameter,
    InvalidState,
    NotFound,
)
from simhive.core.events import service as events
from simhive.core.events.models import Event, EventAttempt
from simhive.core.inventory import service as inventory
from simhive.core.inventory.models import Number
from simhive.core.ledger import service as ledger
from simhive.core.ledger.models import EntryKind
from simhive.core.messages import service as messages
from simhive.core.messages.models import Message
from simhive.core.messages.service import Routed
from simhive.db.uow import Database, UnitOfWork
from simhive.kit.money import CENT, from_cents
from simhive.kit.phone import area_code_state, is_valid_state

log = logging.getLogger(__name__)

# The gateway name stored on SMS that an operator injected (CLI or admin API).
INJECTED_GATEWAY = "cli"


@dataclass(frozen=True)
class AccountInfo:
    id: int
    username: str
    email: str
    role: str
    active: bool
    webhook_url: str | None
    webhook_secret: str
    status_shape: str
    balance: Decimal
    available: Decimal


def _info(uow: UnitOfWork, account: Account) -> AccountInfo:
    return AccountInfo(
        id=account.id,
        username=account.username,
        email=account.email,
        role=account.role,
        active=account.active,
        webhook_url=account.webhook_url,
        webhook_secret=account.webhook_secret,
        status_shape=account.status_shape,
        balance=ledger.balance(uow, account.id),
        available=ledger.available(uow, account.id),
    )


def create_account(
    db: Database, *, username: str, email: str, password: str, admin: bool = False
) -> tuple[AccountInfo, str]:
    """Create an account; returns it and its API key (shown this once)."""
    with db.uow() as uow:
        created = accounts.create_account(
            uow,
            username=username,
            email=email,
            password=password,
            role=Role.ADMIN if admin else Role.CUSTOMER,
        )
        return _info(uow, created.account), created.api_key


def account_info(db: Database, name: str) -> AccountInfo:
    with db.uow(write=False) as uow:
        return _info(uow, accounts.find_account(uow, name))


def credit(db: Database, *, name: str, amount: Decimal, memo: str | None = None) -> AccountInfo:
    """Add funds (a negative amount is an adjustment, refused below the available funds)."""
    if not amount.is_finite() or amount == 0 or amount != amount.quantize(CENT):
        raise InvalidParameter("amount", str(amount), "a non-zero amount in whole cents")
    with db.uow() as uow:
        account = accounts.find_account(uow, name)
        kind = EntryKind.CREDIT if amount > 0 else EntryKind.ADJUSTMENT
        ledger.post_entry(uow, account_id=account.id, amount=amount, kind=kind, memo=memo)
        return _info(uow, account)


def set_account(
    db: Database,
    *,
    name: str,
    webhook_url: str | None = None,
    clear_webhook: bool = False,
    status_shape: StatusShape | None = None,
    active: bool | None = None,
) -> AccountInfo:
    """Change an account's settings; a refused webhook URL changes nothing."""
    with db.uow() as uow:
        account = accounts.find_account(uow, name)
        accounts.update_account(
            uow,
            account=account,
            webhook_url=webhook_url,
            clear_webhook=clear_webhook,
            status_shape=status_shape,
            active=active,
        )
        return _info(uow, account)


def issue_key(db: Database, *, name: str) -> str:
    """A new API key for an account (the old ones keep working)."""
    with db.uow() as uow:
        return accounts.issue_api_key(uow, account=accounts.find_account(uow, name))


def revoke_key(db: Database, *, name: str, prefix: str) -> int:
    """Revoke an account's API key by its first 8 characters (or the whole key)."""
    with db.uow() as uow:
        return accounts.revoke_api_keys(
            uow, account=accounts.find_account(uow, name), prefix=prefix
        )


@dataclass(frozen=True)
class ServiceInfo:
    name: str
    price: Decimal
    ltr_price: Decimal
    ltr_short_price: Decimal
    order_id: int | None


def _service_info(service: Service) -> ServiceInfo:
    return ServiceInfo(
        name=service.name,
        price=from_cents(service.price_cents),
        ltr_price=from_cents(service.ltr_price_cents),
        ltr_short_price=from_cents(service.ltr_short_price_cents),
        order_id=service.order_id,
    )


def set_service(
    db: Database,
    *,
    name: str,
    price: Decimal | None = None,
    ltr_price: Decimal | None = None,
    ltr_short_price: Decimal | None = None,
    order_id: int | None = None,
) -> ServiceInfo:
    """Create a service or change its prices; omitted prices keep their values."""
    with db.uow() as uow:
        current = {s.name_key: s for s in catalog.all_services(uow)}.get(catalog.name_key(name))
        spec = catalog.ServiceSpec(
            name=name,
            price=price if price is not None else _old(current, "price_cents", db),
            ltr_price=ltr_price if ltr_price is not None else _old(current, "ltr_price_cents"),
            ltr_short_price=ltr_short_price
            if ltr_short_price is not None
            else _old(current, "ltr_short_price_cents"),
            order_id=order_id,
        )
        return _service_info(catalog.set_service(uow, spec))


def _old(current: Service | None, column: str, db: Database | None = None) -> Decimal:
    if current is not None:
        return from_cents(int(getattr(current, column)))
    return db.settings.default_price if db is not None else Decimal("0")


def list_services(db: Database) -> list[ServiceInfo]:
    with db.uow(write=False) as uow:
        return [_service_info(s) for s in catalog.all_services(uow)]


MAX_SIMULATED = 100_000


@dataclass(frozen=True)
class NumberInfo:
    mdn: str
    state: str
    area_code: str
    carrier: str
    gateway: str
    online: bool
    leased: bool


def _number_info(number: Number) -> NumberInfo:
    return NumberInfo(
        mdn=number.mdn,
        state=number.state,
        area_code=number.area_code,
        carrier=number.carrier,
        gateway=number.gateway,
        online=number.online,
        leased=number.lease_group is not None,
    )


def add_simulated_numbers(
    db: Database,
    *,
    count: int,
    state: str | None = None,
    area_code: str | None = None,
    seed: int | None = None,
) -> list[NumberInfo]:
    """Add simulated numbers (realistic area codes and carriers), then serve waiting bids."""
    from simhive.gateways.simulator import generate_numbers

    if count < 1 or count > MAX_SIMULATED:
        raise InvalidParameter("count", str(count), f"count must be 1..{MAX_SIMULATED}")
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
                ),
            )
            for n in made
        ]
        infos = [_number_info(n) for n in added]
        lifecycle.match_bids(uow)
    return infos


@dataclass
class ImportResult:
    added: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)


_TRUE = {"1", "true", "yes", "y", "online", ""}
_FALSE = {"0", "false", "no", "n", "offline"}


def import_numbers(db: Database, source: str | Path) -> ImportResult:
    """Import numbers from CSV (header: mdn, carrier, state, area_code, gateway, online).

    One transaction with a savepoint per row: a refused row leaves nothing behind and
    does not stop the others, and the whole file costs one commit.
    """
    text = Path(source).read_text(encoding="utf-8-sig") if isinstance(source, Path) else source
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    result = ImportResult()
    if reader.fieldnames is None or "mdn" not in [f.strip().lower() for f in reader.fieldnames]:
        result.errors.append("line 1: the header must name an mdn column")
        return result
    with db.uow() as uow:
        for raw in reader:
            line = reader.line_num
            row = {(k or "").strip().lower(): _cell(v) for k, v in raw.items()}
            try:
                with uow.session.begin_nested():
                    inventory.add_number(uow, _number_spec(row))
                result.added += 1
            except (Conflict, IntegrityError):
                # IntegrityError: another writer added the same MDN meanwhile.
                result.duplicates += 1
            except CoreError as exc:
                result.errors.append(f"line {line}: {exc}")
        if result.added:
            lifecycle.match_bids(uow)
    return result


def _cell(value: str | list[str] | None) -> str:
    # DictReader puts the cells beyond the header in a list under the key None.
    return value.strip() if isinstance(value, str) else ""


def _number_spec(row: dict[str, str]) -> inventory.NumberSpec:
    online = row.get("online", "").lower()
    if online not in _TRUE | _FALSE:
        raise InvalidParameter("online", online, f"online must be one of 1/0, yes/no: {online!r}")
    return inventory.NumberSpec(
        mdn=row.get("mdn", ""),
        carrier=row.get("carrier", ""),
        state=row.get("state", "").upper(),
        area_code=row.get("area_code", ""),
        gateway=row.get("gateway") or "simulator",
        online=online in _TRUE,
    )


def set_number_online(db: Database, *, mdn: str, online: bool) -> NumberInfo:
    with db.uow() as uow:
        return _number_info(lifecycle.set_number_online(uow, mdn=mdn, online=online))


def list_numbers(db: Database, *, limit: int = 100) -> list[NumberInfo]:
    with db.uow(write=False) as uow:
        rows = uow.session.scalars(select(Number).order_by(Number.id).limit(limit))
        return [_number_info(n) for n in rows]


def inject_sms(db: Database, *, to: str, sender: str, text: str) -> Routed | None:
    """Deliver an inbound SMS as a gateway would: stored first, then routed in a savepoint."""
    sms = messages.Inbound(
        to=to,
        sender=sender,
        text=text,
        received_at=db.clock.now(),
        gateway=INJECTED_GATEWAY,
        gateway_ref=f"cli-{secrets.token_hex(8)}",
    )
    with db.uow() as uow:
        return messages.receive(uow, sms)


def message_pin(db: Database, message_id: int) -> str | None:
    """The PIN extracted from a stored message, if any."""
    with db.uow(write=False) as uow:
        return uow.session.scalar(select(Message.pin).where(Message.id == message_id))


@dataclass(frozen=True)
class EventInfo:
    id: int
    webhook_id: str
    event_type: str
    target: str
    status: str
    attempts: int
    last_error: str | None


def list_events(db: Database, *, status: str | None = None, limit: int = 50) -> list[EventInfo]:
    with db.uow(write=False) as uow:
        query = select(Event).order_by(Event.id.desc()).limit(limit)
        if status:
            query = query.where(Event.status == status)
        found = []
        for event in uow.session.scalars(query):
            last = uow.session.scalar(
                select(EventAttempt.error)
                .where(EventAttempt.event_id == event.id)
                .order_by(EventAttempt.id.desc())
                .limit(1)
            )
            found.append(
                EventInfo(
                    event.id,
                    event.public_id,
                    event.event_type,
                    event.target,
                    event.status,
                    event.attempts,
                    last,
                )
            )
        return found


def retry_event(db: Database, event_id: int) -> None:
    """Make an event due now (a failed one included)."""
    with db.uow() as uow:
        if uow.session.get(Event, event_id) is None:
            raise NotFound(f"no event {event_id}")
        events.retry_now(uow, event_id=event_id)


DEMO_SERVICES: list[tuple[str, str, str, str]] = [
    # name, price, 30-day rental, 3-day rental
    ("Google", "1.00", "20.00", "5.00"),
    ("Amazon", "0.50", "15.00", "4.00"),
    ("Apple", "0.80", "18.00", "5.00"),
    ("Microsoft", "0.60", "15.00", "4.00"),
    ("Facebook", "0.70", "15.00", "4.00"),
    ("Instagram", "0.70", "15.00", "4.00"),
    ("WhatsApp", "1.20", "25.00", "6.00"),
    ("Telegram", "1.10", "25.00", "6.00"),
    ("Tinder", "0.90", "18.00", "5.00"),
    ("Uber", "0.40", "12.00", "3.00"),
    ("Lyft", "0.40", "12.00", "3.00"),
    ("PayPal", "1.50", "30.00", "8.00"),
    ("Venmo", "1.00", "20.00", "5.00"),
    ("Coinbase", "1.50", "30.00", "8.00"),
    ("Discord", "0.30", "10.00", "3.00"),
    ("Twitter", "0.35", "10.00", "3.00"),
    ("Snapchat", "0.30", "10.00", "3.00"),
    ("Yahoo", "0.35", "10.00", "3.00"),
    ("Netflix", "0.50", "12.00", "3.00"),
    ("TikTok", "0.45", "12.00", "3.00"),
    ("Unknown", "0.20", "10.00", "3.00"),
]


@dataclass(frozen=True)
class DemoInfo:
    username: str
    password: str
    api_key: str
    numbers: int
    services: int


DEMO_USER = "demo"
DEMO_PASSWORD = "demo-password"


def seed_demo(db: Database, *, numbers: int = 50) -> DemoInfo:
    """Idempotent demo data: services, simulated numbers, a demo account with $100."""
    with db.uow() as uow:
        known = {s.name_key for s in catalog.all_services(uow)}
        for order_id, (name, price, ltr, short) in enumerate(DEMO_SERVICES, start=1):
            if catalog.name_key(name) not in known:
                catalog.set_service(
                    uow,
                    catalog.ServiceSpec(
                        name=name,
                        price=Decimal(price),
                        ltr_price=Decimal(ltr),
                        ltr_short_price=Decimal(short),
                        order_id=order_id,
                    ),
                )
        have = len(inventory.gateway_mdns(uow, gateway="simulator"))
    if have < numbers:
        add_simulated_numbers(db, count=numbers - have, seed=db.settings.simulator_seed)
    with db.uow() as uow:
        try:
            account = accounts.find_account(uow, DEMO_USER)
        except CoreError:
            account = accounts.create_account(
                uow, username=DEMO_USER, email="demo@example.com", password=DEMO_PASSWORD
            ).account
            ledger.post_entry(
                uow, account_id=account.id, amount=Decimal("100.00"), kind=EntryKind.CREDIT
            )
        # Keys are stored hashed, so the demo issues a fresh one to print each start.
        key = accounts.issue_api_key(uow, account=account)
        total = len(inventory.gateway_mdns(uow, gateway="simulator"))
        services = len(catalog.all_services(uow))
    return DemoInfo(DEMO_USER, DEMO_PASSWORD, key, total, services)
