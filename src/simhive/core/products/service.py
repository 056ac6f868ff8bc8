"""Product requests: opened with their price held, moved through 003's transport statuses,
read back by their owner, and their callbacks queued in the outbox with each change."""

from __future__ import annotations

import json
import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from simhive.core.accounts.models import Account
from simhive.core.errors import InvalidParameter, InvalidWebhookUrl, UnknownRequest
from simhive.core.events import service as events
from simhive.core.events import targets
from simhive.core.ledger import service as ledger
from simhive.core.products.models import FINAL, Product, ProductRequest, Transport
from simhive.db.uow import UnitOfWork
from simhive.kit.money import from_cents, to_cents
from simhive.kit.phone import NumberFacts

# The outbox event of a product request's delivery receipt (worded by the REST dialect).
RECEIPT = "rest.receipt"
CALL_STATUS = "rest.call"

_ALPHABET = string.ascii_letters + string.digits
_GOAL = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
PUBLIC_ID_LENGTH = 32
CALLBACK_URL_LENGTH = 2048


def new_public_id() -> str:
    """32 random letters and digits (190 bits), like 003's `wp9RPWDGZkskBrVeTc4lgNCc4e79fc65`."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


def check_callback_url(uow: UnitOfWork, url: str | None) -> str | None:
    """A callbackUrl that may be a webhook target (the same rules as accounts' webhooks)."""
    if url is None or not url.strip():
        return None
    url = url.strip()
    if len(url) > CALLBACK_URL_LENGTH:
        raise InvalidWebhookUrl(url[:64], f"at most {CALLBACK_URL_LENGTH} characters")
    problem = targets.url_problem(url, allow_private=uow.settings.webhook_allow_private)
    if problem is not None:
        raise InvalidWebhookUrl(url, problem)
    return url


def open_request(
    uow: UnitOfWork,
    *,
    account: Account,
    product: Product,
    facts: NumberFacts,
    payload: dict[str, Any],
    price: Decimal,
    callback_url: str | None = None,
    status: Transport = Transport.QUEUED,
) -> ProductRequest:
    """Open a request and hold its price (InsufficientFunds, and nothing written, if short)."""
    now = uow.clock.now()
    request = ProductRequest(
        public_id=new_public_id(),
        account_id=account.id,
        product=product,
        number=facts.e164,
        mccmnc=facts.mccmnc,
        network=facts.network,
        country=facts.country,
        status=status,
        payload=json.dumps(payload, ensure_ascii=False, sort_keys=True),
        callback_url=callback_url,
        price_cents=to_cents(price),
        created_at=now,
        updated_at=now,
    )
    if request.price_cents > 0:
        hold = ledger.place_hold(uow, account_id=account.id, amount=price, reference="rest")
        request.hold_id = hold.id
    uow.session.add(request)
    uow.session.flush()
    return request


def find_request(uow: UnitOfWork, *, account_id: int, public_id: str) -> ProductRequest:
    """The account's request by its id; another account's reads as unknown."""
    request = uow.session.scalar(
        select(ProductRequest).where(
            ProductRequest.public_id == public_id, ProductRequest.account_id == account_id
        )
    )
    if request is None:
        raise UnknownRequest(f"no request {public_id[:40]}")
    return request


def set_goal(uow: UnitOfWork, *, account_id: int, public_id: str, goal: str) -> ProductRequest:
    """Record the goal a request reached (003 "Update Request Info": NUMBER_VERIFIED, ...)."""
    value = goal.strip()
    if not _GOAL.fullmatch(value):
        raise InvalidParameter("goal", goal[:64], "a goal is up to 64 letters, digits or _.:-")
    request = find_request(uow, account_id=account_id, public_id=public_id)
    request.goal = value
    request.goal_at = uow.clock.now()
    uow.session.flush()
    return request


def settle(uow: UnitOfWork, request_id: int, *, capture: bool) -> None:
    """Capture or release the request's held price, once (a closed hold is left alone)."""
    hold_id = uow.session.scalar(
        select(ProductRequest.hold_id).where(ProductRequest.id == request_id)
    )
    if hold_id is None:
        return
    if capture:
        ledger.capture_hold(uow, hold_id, memo=f"rest request {request_id}")
    else:
        ledger.release_hold(uow, hold_id)


def advance(
    uow: UnitOfWork,
    request_id: int,
    status: Transport,
    *,
    facts: dict[str, str] | None = None,
    event_type: str | None = RECEIPT,
) -> bool:
    """Move a request to `status` unless it is final already; queue its receipt callback
    (`event_type`; None queues none, for calls, whose callbacks tell the call's status).

    False when nothing changed (a repeated or late report): no callback is queued twice.
    """
    now = uow.clock.now()
    moved = uow.session.execute(
        update(ProductRequest)
        .where(ProductRequest.id == request_id, ProductRequest.status.not_in(list(FINAL)))
        .where(ProductRequest.status != status)
        .values(status=status, updated_at=now)
        .returning(ProductRequest.public_id)
        .execution_options(synchronize_session=False)
    ).first()
    if moved is None:
        return False
    if event_type is not None:
        fields = {"status": str(status), **(facts or {})}
        queue_callback(uow, request_id, event_type=event_type, facts=fields)
    return True


def queue_callback(
    uow: UnitOfWork, request_id: int, *, event_type: str, facts: dict[str, str]
) -> None:
    """Queue a callback to the request's callbackUrl, if it has one, signed as webhooks are."""
    request = uow.session.get(ProductRequest, request_id)
    if request is None or not request.callback_url:
        return
    account = uow.session.get(Account, request.account_id)
    if account is None:
        return
    events.enqueue_callback(
        uow,
        account=account,
        url=request.callback_url,
        event_type=event_type,
        fields={
            "request_id": request.public_id,
            "product": request.product,
            "number": request.number,
            "mccmnc": request.mccmnc or "",
            "at": uow.clock.now().isoformat(),
            **facts,
        },
    )


@dataclass(frozen=True, slots=True)
class RequestView:
    """A request as 003's request info shows it."""

    id: str
    product: str
    number: str
    mccmnc: str | None
    network: str | None
    country: str | None
    status: str
    created_at: datetime
    payload: dict[str, Any]
    goal: str | None
    goal_at: datetime | None
    price: Decimal


def view(request: ProductRequest) -> RequestView:
    return RequestView(
        id=request.public_id,
        product=request.product,
        number=request.number,
        mccmnc=request.mccmnc,
        network=request.network,
        country=request.country,
        status=request.status,
        created_at=request.created_at,
        payload=json.loads(request.payload),
        goal=request.goal,
        goal_at=request.goal_at,
        price=from_cents(request.price_cents),
    )
