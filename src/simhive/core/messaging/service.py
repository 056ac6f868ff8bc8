"""The REST products that send something: an SMS (003 "SMS API") and a flash call
(003 "Make a Flash call"). Each is a product request with its price held, and an
outgoing SMS or call queued for the worker in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simhive.core.accounts.models import Account
from simhive.core.errors import InvalidParameter, InvalidRecipient, SenderNotAllowed
from simhive.core.insight import fraud
from simhive.core.outbound import calls, platform
from simhive.core.outbound.models import CallKind
from simhive.core.outbound.segments import checked
from simhive.core.policies.service import policy_for
from simhive.core.products import service as products
from simhive.core.products.models import Product
from simhive.core.senders import service as senders
from simhive.db.uow import UnitOfWork
from simhive.kit.phone import number_facts, parse_e164


@dataclass(frozen=True, slots=True)
class SmsAsk:
    number: str
    text: str
    sender: str | None = None
    callback_url: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SmsQueued:
    request_id: str
    parts: int
    encoding: str


def send_sms(uow: UnitOfWork, *, account: Account, ask: SmsAsk) -> SmsQueued:
    """Queue an SMS from an approved sender id; its price is one part price per part."""
    e164 = parse_e164(ask.number)
    if e164 is None:
        raise InvalidRecipient(ask.number[:64])
    split = checked(ask.text)
    fraud.refuse_fraudulent(uow, e164)
    facts = number_facts(e164)
    policy = policy_for(uow, account.id)
    policy.check_country(facts.country or "")
    sender = senders.check_sender(uow, account_id=account.id, sender=ask.sender)
    callback_url = products.check_callback_url(uow, ask.callback_url)
    request = products.open_request(
        uow,
        account=account,
        product=Product.SMS,
        facts=facts,
        payload=ask.payload,
        price=policy.sms_part * split.count,
        callback_url=callback_url,
    )
    platform.queue_sms(
        uow,
        account_id=account.id,
        request_id=request.id,
        sender=sender,
        to=e164,
        text=ask.text,
        segments=split,
    )
    return SmsQueued(request.public_id, split.count, split.encoding)


@dataclass(frozen=True, slots=True)
class FlashAsk:
    number: str
    sender: str | None = None
    code: str | None = None
    callback_url: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FlashPlaced:
    request_id: str
    caller_id: str


def _caller_id(uow: UnitOfWork, account: Account, ask: FlashAsk) -> str:
    """003: `from` must be validated by support; `code` is the caller id's last 4-6 digits;
    without either the caller id is random, from the operator's pool."""
    code = ask.code
    if code is not None and not (code.isascii() and code.isdigit() and 4 <= len(code) <= 6):
        raise InvalidParameter("code", code[:16], "code is 4 to 6 digits")
    if ask.sender is None:
        return calls.pool_caller_id(uow, ending=code)
    caller = senders.check_sender(uow, account_id=account.id, sender=ask.sender)
    if not caller.isdigit():
        raise SenderNotAllowed(caller, "a caller id is a number")
    if code is not None and not caller.endswith(code):
        raise InvalidParameter("code", code, "the caller id given in `from` must end in `code`")
    return caller


def flash_call(uow: UnitOfWork, *, account: Account, ask: FlashAsk) -> FlashPlaced:
    """Queue a flash call to `number`; answers the request id and the caller id."""
    e164 = parse_e164(ask.number)
    if e164 is None:
        raise InvalidRecipient(ask.number[:64])
    fraud.refuse_fraudulent(uow, e164)
    facts = number_facts(e164)
    policy = policy_for(uow, account.id)
    policy.check_country(facts.country or "")
    caller_id = _caller_id(uow, account, ask)
    callback_url = products.check_callback_url(uow, ask.callback_url)
    request = products.open_request(
        uow,
        account=account,
        product=Product.CALL_FLASH,
        facts=facts,
        payload=ask.payload,
        price=policy.flash_call,
        callback_url=callback_url,
    )
    calls.queue_call(
        uow,
        account_id=account.id,
        request_id=request.id,
        kind=CallKind.FLASH,
        caller_id=caller_id,
        to=e164,
    )
    return FlashPlaced(request.public_id, caller_id)
