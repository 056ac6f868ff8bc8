"""Verification: send a code by SMS, voice or flash call; check it, at most N times, before
it expires; tell how it stands (003 "Verification"; DESIGN.md "REST dialect").

Codes come from the operating system's CSPRNG (`secrets`) and are kept only as a hash,
compared in constant time. A check and the attempt it spends are one UPDATE on the
verification's row, so concurrent checks never spend more attempts than allowed and a
code verifies at most once.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from simhive.core.accounts.models import Account
from simhive.core.errors import (
    AlreadyVerified,
    CodeExpired,
    CoreError,
    FraudRefused,
    InvalidParameter,
    InvalidRecipient,
    SenderNotAllowed,
    TooManyAttempts,
    UnknownRequest,
    WrongCode,
)
from simhive.core.insight import fraud
from simhive.core.outbound import calls, platform
from simhive.core.outbound.models import CallKind
from simhive.core.policies.service import ATTEMPTS_RANGE, CODE_EXPIRY_RANGE, policy_for
from simhive.core.products import service as products
from simhive.core.products.models import Product, ProductRequest
from simhive.core.senders import service as senders
from simhive.core.verify import texts
from simhive.core.verify.models import Verification
from simhive.db.uow import UnitOfWork
from simhive.kit.phone import NumberFacts, number_facts, parse_e164

METHODS = {"sms": Product.VERIFY_SMS, "voice": Product.VERIFY_VOICE, "call": Product.VERIFY_CALL}
CODE_LENGTHS = (4, 5, 6)
DEFAULT_CODE_LENGTH = 4  # 003: "The default value is 4"


@dataclass(frozen=True, slots=True)
class VerifyRequest:
    """A verification as the client asked for it (None: the account's policy decides)."""

    number: str
    method: str
    sender: str | None = None
    language: str | None = None
    code_length: int | None = None
    code_expiry_s: int | None = None
    attempts: int | None = None
    ip: str | None = None
    callback_url: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def _guard(
    uow: UnitOfWork, *, account: Account, facts: NumberFacts, method: str, ip: str | None
) -> FraudRefused | None:
    """The SMS-pumping guard: the fraud check, counting this attempt (a refused one too,
    so an account that keeps walking a range stays refused); FraudRefused unless the
    number passes. A number outside the mobile ranges (NOT_MOBILE_PREFIX) may still be
    verified by voice, which a landline answers; never by SMS or flash call.
    """
    verdict = fraud.check(uow, facts.e164, ip=ip, account_id=account.id, record_attempt=True)
    if verdict.passed:
        return None
    if verdict.status is fraud.FraudStatus.NOT_MOBILE_PREFIX and method == "voice":
        return None
    return FraudRefused(verdict.number, verdict.status.value)


def _code_hash(public_id: str, code: str) -> str:
    return hashlib.sha256(f"{public_id}:{code}".encode()).hexdigest()


def new_code(length: int) -> str:
    """`length` decimal digits from the CSPRNG (leading zeros included)."""
    return f"{secrets.randbelow(10**length):0{length}d}"


def _bounded(name: str, value: int | None, default: int, bounds: tuple[int, ...]) -> int:
    if value is None:
        return default
    if value < min(bounds) or value > max(bounds):
        raise InvalidParameter(
            name, str(value), f"{name} must be from {min(bounds)} to {max(bounds)}"
        )
    return value


def _checked(uow: UnitOfWork, account: Account, ask: VerifyRequest) -> tuple[NumberFacts, str]:
    e164 = parse_e164(ask.number)
    if e164 is None:
        raise InvalidRecipient(ask.number[:64])
    if ask.method not in METHODS:
        raise InvalidParameter("method", ask.method[:16], "method is one of sms, voice, call")
    language = (ask.language or "en").strip().lower()
    if language not in texts.LANGUAGES:
        raise InvalidParameter("language", language[:16], "not one of 003's languages")
    if ask.ip is not None:
        try:
            ipaddress.ip_address(ask.ip.strip())
        except ValueError as exc:
            raise InvalidParameter("ip", ask.ip[:64], "ip must be an IPv4 or IPv6 address") from exc
    return number_facts(e164), language


def _sender(uow: UnitOfWork, account: Account, ask: VerifyRequest, code: str) -> str:
    """Who the code comes from: an SMS's sender id, or a call's caller id."""
    if ask.method == "sms":
        return senders.check_sender(uow, account_id=account.id, sender=ask.sender)
    if ask.method == "call":
        if ask.sender:
            # The caller id carries the code, so it always comes from the operator's pool.
            raise SenderNotAllowed(ask.sender[:64], "a flash call's caller id carries the code")
        return calls.pool_caller_id(uow, ending=code)
    if ask.sender:
        caller = senders.check_sender(uow, account_id=account.id, sender=ask.sender)
        if not caller.isdigit():
            raise SenderNotAllowed(caller, "a voice call's caller id is a number")
        return caller
    return calls.pool_caller_id(uow)


@dataclass(frozen=True, slots=True)
class StartOutcome:
    """A verification opened, or refused by the fraud guard. A refusal is an outcome, not
    an exception: the attempt it counted must be committed (nothing else is written or
    charged), so the caller raises `error` after the commit."""

    request: ProductRequest | None
    error: CoreError | None = None


def start(uow: UnitOfWork, *, account: Account, ask: VerifyRequest) -> ProductRequest:
    """Open a verification, or raise why not (a refusal's count is then rolled back)."""
    outcome = begin(uow, account=account, ask=ask)
    if outcome.error is not None:
        raise outcome.error
    assert outcome.request is not None
    return outcome.request


def begin(uow: UnitOfWork, *, account: Account, ask: VerifyRequest) -> StartOutcome:
    """Open a verification: hold its price, and queue its SMS or call with a fresh code;
    or count the attempt and answer the fraud guard's refusal."""
    facts, language = _checked(uow, account, ask)
    policy = policy_for(uow, account.id)
    policy.check_country(facts.country or "")
    code_length = _bounded("codeLength", ask.code_length, DEFAULT_CODE_LENGTH, CODE_LENGTHS)
    expiry = _bounded("codeExpiry", ask.code_expiry_s, policy.code_expiry_s, CODE_EXPIRY_RANGE)
    allowed = _bounded("checkAttemptsAllowed", ask.attempts, policy.check_attempts, ATTEMPTS_RANGE)
    callback_url = products.check_callback_url(uow, ask.callback_url)
    refused = _guard(uow, account=account, facts=facts, method=ask.method, ip=ask.ip)
    if refused is not None:
        return StartOutcome(None, refused)
    code = new_code(code_length)
    sender = _sender(uow, account, ask, code)
    request = products.open_request(
        uow,
        account=account,
        product=METHODS[ask.method],
        facts=facts,
        payload=ask.payload,
        price=policy.verify_price(ask.method),
        callback_url=callback_url,
    )
    now = uow.clock.now()
    uow.session.add(
        Verification(
            request_id=request.id,
            method=ask.method,
            code_hash=_code_hash(request.public_id, code),
            code_length=code_length,
            language=language,
            attempts_allowed=allowed,
            attempts=0,
            expires_at=now + timedelta(seconds=expiry),
            created_at=now,
        )
    )
    _send(uow, request, ask.method, sender, language, code)
    uow.session.flush()
    return StartOutcome(request)


def _send(
    uow: UnitOfWork, request: ProductRequest, method: str, sender: str, language: str, code: str
) -> None:
    if method == "sms":
        platform.queue_sms(
            uow,
            account_id=request.account_id,
            request_id=request.id,
            sender=sender,
            to=request.number,
            text=texts.sms_text(language, code),
        )
        return
    calls.queue_call(
        uow,
        account_id=request.account_id,
        request_id=request.id,
        kind=CallKind.FLASH if method == "call" else CallKind.VOICE,
        caller_id=sender,
        to=request.number,
        script=texts.voice_script(language, code) if method == "voice" else None,
    )


@dataclass(frozen=True, slots=True)
class VerificationView:
    """What /v1/verify/check and /v1/verify/info tell."""

    request_id: str
    number: str
    method: str
    verified_at: datetime | None
    requested_at: datetime
    attempts: int
    attempts_allowed: int
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """A check's answer. A wrong code is an outcome, not an exception: the attempt it
    spent must be committed, so the caller raises `error` after the commit."""

    view: VerificationView
    error: CoreError | None = None


def _find(uow: UnitOfWork, account_id: int, public_id: str) -> tuple[ProductRequest, Verification]:
    row = uow.session.execute(
        select(ProductRequest, Verification)
        .join(Verification, Verification.request_id == ProductRequest.id)
        .where(ProductRequest.public_id == public_id, ProductRequest.account_id == account_id)
    ).first()
    if row is None:
        raise UnknownRequest(f"no verification {public_id[:40]}")
    return row[0], row[1]


def _view(request: ProductRequest, v: Verification) -> VerificationView:
    return VerificationView(
        request_id=request.public_id,
        number=request.number,
        method=v.method,
        verified_at=v.verified_at,
        requested_at=request.created_at,
        attempts=v.attempts,
        attempts_allowed=v.attempts_allowed,
        expires_at=v.expires_at,
    )


def check(uow: UnitOfWork, *, account_id: int, public_id: str, code: str) -> CheckOutcome:
    """Spend one attempt on `code`; verified if it is right, in time and within the attempts."""
    request, v = _find(uow, account_id, public_id)
    now = uow.clock.now()
    spent = uow.session.execute(
        update(Verification)
        .where(
            Verification.request_id == request.id,
            Verification.verified_at.is_(None),
            Verification.attempts < Verification.attempts_allowed,
            Verification.expires_at > now,
        )
        .values(attempts=Verification.attempts + 1)
        .returning(Verification.attempts, Verification.code_hash)
        .execution_options(synchronize_session=False)
    ).first()
    if spent is None:
        uow.session.refresh(v)
        return CheckOutcome(_view(request, v), _closed(v, now))
    given = _code_hash(public_id, code.strip())
    if not hmac.compare_digest(given, spent.code_hash):
        uow.session.refresh(v)
        return CheckOutcome(_view(request, v), WrongCode(v.attempts_allowed - spent.attempts))
    uow.session.execute(
        update(Verification)
        .where(Verification.request_id == request.id, Verification.verified_at.is_(None))
        .values(verified_at=now)
        .execution_options(synchronize_session=False)
    )
    uow.session.refresh(v)
    return CheckOutcome(_view(request, v))


def _closed(v: Verification, now: datetime) -> CoreError:
    """Why a check spent no attempt: verified already, expired, or out of attempts."""
    if v.verified_at is not None:
        return AlreadyVerified("the code was accepted already")
    if v.expires_at <= now:
        return CodeExpired("the code has expired")
    return TooManyAttempts(f"all {v.attempts_allowed} attempts were spent")


def info(uow: UnitOfWork, *, account_id: int, public_id: str) -> VerificationView:
    request, v = _find(uow, account_id, public_id)
    return _view(request, v)
