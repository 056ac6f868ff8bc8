"""Fraud check (003 "Fraud Check") and the SMS-pumping guard in front of verification.

A verdict comes from four sources, strongest first:

- the operator's block list (`block`): a number under a blocked prefix is FRAUDULENT;
- the numbering plan: a premium-rate number is FRAUDULENT (nobody verifies one;
  sending to it is how revenue-share fraud is paid); a number in a high-risk
  range (`fraud_high_risk_prefixes`) is SUSPICIOUS;
- the guard: an account's verification attempts counted per number range, per
  end-user address and per number over a sliding window, and runs of
  sequential numbers, each against an operator setting; past one, SUSPICIOUS;
- the number type: a number whose range is not mobile is NOT_MOBILE_PREFIX.

The counters live in the database (one upserted row per account, key and time
bucket), so every API process and every worker sees the same counts, and an
increment is never lost however many processes make them at once. Each verdict
carries its reasons, `code: detail`, for the caller to keep with its request.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from simhive.core.errors import FraudRefused, InvalidNumber, InvalidParameter, NotFound
from simhive.core.insight.hlr import parse_number
from simhive.core.insight.models import FraudBlock, FraudCounter
from simhive.db.uow import UnitOfWork
from simhive.kit.numbering import NumberFacts, NumberType

__all__ = [
    "FraudStatus",
    "FraudVerdict",
    "block",
    "check",
    "refuse_fraudulent",
    "list_blocks",
    "prune",
    "unblock",
]

REASON_LENGTH = 500


class FraudStatus(StrEnum):
    """Core's words; 003 renders them in capitals (PASSED, NOT_MOBILE_PREFIX, ...)."""

    PASSED = "passed"
    NOT_MOBILE_PREFIX = "not_mobile_prefix"
    SUSPICIOUS = "suspicious"
    FRAUDULENT = "fraudulent"


class Counted(StrEnum):
    RANGE = "range"
    IP = "ip"
    NUMBER = "number"


@dataclass(frozen=True, slots=True)
class FraudVerdict:
    number: str  # E.164 with the plus
    status: FraudStatus
    mobile_prefix: bool
    reasons: tuple[str, ...]  # "code: detail", strongest first

    @property
    def passed(self) -> bool:
        return self.status is FraudStatus.PASSED


def check(
    uow: UnitOfWork,
    number: str,
    *,
    ip: str | None = None,
    account_id: int | None,
    record_attempt: bool,
) -> FraudVerdict:
    """Judge a number for an account; with `record_attempt`, count it as a verification.

    Without `record_attempt` (a plain fraud check) nothing is written, and the
    guard answers as it would for a verification made now.
    """
    facts = parse_number(number)
    address = _address_key(ip) if ip else None
    fraudulent = _blocked(uow, facts.digits)
    suspicious: list[str] = []
    if facts.number_type is NumberType.PREMIUM_RATE:
        fraudulent.append(f"premium_rate: {facts.e164} is a premium-rate number")
    for prefix in _high_risk_prefixes(uow):
        if facts.digits.startswith(prefix):
            suspicious.append(f"high_risk_range: +{prefix} is a high-risk range")
    if account_id is not None:
        suspicious += _guard(uow, facts, address, account_id=account_id, record=record_attempt)
    other: list[str] = []
    if not facts.valid:
        other.append(f"unallotted_range: {facts.e164} is in no allotted range")
    elif not facts.mobile:
        other.append(f"not_mobile: {facts.e164} is a {facts.number_type.value} number")
    if fraudulent:
        status = FraudStatus.FRAUDULENT
    elif suspicious:
        status = FraudStatus.SUSPICIOUS
    elif other:
        status = FraudStatus.NOT_MOBILE_PREFIX
    else:
        status = FraudStatus.PASSED
    return FraudVerdict(
        number=facts.e164,
        status=status,
        mobile_prefix=facts.valid and facts.mobile,
        reasons=tuple(fraudulent + suspicious + other),
    )


def refuse_fraudulent(uow: UnitOfWork, number: str) -> None:
    """Refuse to send anything (an SMS, a call, a forwarded call) to a number the
    operator's block list or the numbering plan marks FRAUDULENT: a premium-rate number
    is where revenue-share fraud is paid, at the operator's cost. Counts nothing; what is
    not an international number (a short code) is not judged here."""
    try:
        verdict = check(uow, number, account_id=None, record_attempt=False)
    except InvalidNumber:
        return
    if verdict.status is FraudStatus.FRAUDULENT:
        raise FraudRefused(verdict.number, verdict.status.value)


# -- the block list -------------------------------------------------------------


def _blocked(uow: UnitOfWork, digits: str) -> list[str]:
    prefixes = [digits[:end] for end in range(1, len(digits) + 1)]
    blocks = uow.session.scalars(
        select(FraudBlock)
        .where(FraudBlock.prefix.in_(prefixes))
        .order_by(func.length(FraudBlock.prefix).desc())
    ).all()
    return [
        f"blocked_prefix: +{b.prefix} is blocked" + (f" ({b.reason})" if b.reason else "")
        for b in blocks
    ]


def _prefix(raw: str) -> str:
    digits = re.sub(r"[\s\-().]", "", raw.strip()).removeprefix("+")
    if not (digits.isascii() and digits.isdigit() and 1 <= len(digits) <= 15):
        raise InvalidParameter(
            "prefix", raw[:64], "a prefix is 1 to 15 digits of an E.164 number, like +4477009"
        )
    return digits


def block(uow: UnitOfWork, *, prefix: str, reason: str = "", made_by: str = "") -> FraudBlock:
    """Block a number prefix (a country code, a range or one number); again updates the reason."""
    digits = _prefix(prefix)
    if len(reason) > REASON_LENGTH or "\x00" in reason:
        raise InvalidParameter(
            "reason", reason[:64], f"reason must be at most {REASON_LENGTH} characters, without NUL"
        )
    found = uow.session.scalar(select(FraudBlock).where(FraudBlock.prefix == digits))
    if found is None:
        found = FraudBlock(
            prefix=digits, reason=reason, created_by=made_by[:128], created_at=uow.clock.now()
        )
        uow.session.add(found)
    else:
        found.reason = reason
    uow.session.flush()
    return found


def unblock(uow: UnitOfWork, *, prefix: str) -> FraudBlock:
    """Lift a block; NotFound when the prefix is not blocked."""
    digits = _prefix(prefix)
    found = uow.session.scalar(select(FraudBlock).where(FraudBlock.prefix == digits))
    if found is None:
        raise NotFound(f"+{digits} is not blocked")
    uow.session.delete(found)
    uow.session.flush()
    return found


def list_blocks(uow: UnitOfWork) -> list[FraudBlock]:
    """Every blocked prefix, in prefix order."""
    return list(uow.session.scalars(select(FraudBlock).order_by(FraudBlock.prefix)))


def _high_risk_prefixes(uow: UnitOfWork) -> list[str]:
    raw = uow.settings.fraud_high_risk_prefixes
    return [p.strip().lstrip("+") for p in raw.split(",") if p.strip().lstrip("+").isdigit()]


# -- the guard ------------------------------------------------------------------


def _address_key(ip: str) -> str:
    """An end-user address as the guard counts it: IPv4 as is, IPv6 by its /64."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        raise InvalidParameter(
            "ip", ip[:64], "ip must be an IPv4 or IPv6 address, like 203.0.113.7"
        ) from None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        # One subscriber gets a whole /64: counting single addresses would be trivial to dodge.
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)


def _bucket(uow: UnitOfWork) -> int:
    width = uow.settings.fraud_bucket_s
    return int(uow.clock.now().timestamp()) // width * width


def _record(uow: UnitOfWork, account_id: int, keys: Sequence[tuple[str, str]]) -> None:
    """Add one attempt to each key's current bucket (one upsert each, in a fixed order,
    so two transactions counting the same keys never wait on each other crosswise)."""
    module = postgresql if uow.dialect == "postgresql" else sqlite
    bucket = _bucket(uow)
    for kind, key in sorted(keys):
        statement = module.insert(FraudCounter).values(
            account_id=account_id, kind=kind, key=key, bucket=bucket, attempts=1
        )
        uow.session.execute(
            statement.on_conflict_do_update(
                index_elements=["account_id", "kind", "key", "bucket"],
                set_={"attempts": FraudCounter.__table__.c.attempts + 1},
            )
        )


def _counts(
    uow: UnitOfWork, account_id: int, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """Attempts per key over the window (the buckets that overlap it)."""
    settings = uow.settings
    since = int(uow.clock.now().timestamp()) - settings.fraud_window_s - settings.fraud_bucket_s
    wanted = set(keys)
    # Two IN lists (one cached statement shape) rather than an OR per key; pairs that
    # only match across kinds are dropped below.
    rows = uow.session.execute(
        select(FraudCounter.kind, FraudCounter.key, func.sum(FraudCounter.attempts))
        .where(
            FraudCounter.account_id == account_id,
            FraudCounter.bucket > since,
            FraudCounter.kind.in_(sorted({kind for kind, _ in wanted})),
            FraudCounter.key.in_(sorted({key for _, key in wanted})),
        )
        .group_by(FraudCounter.kind, FraudCounter.key)
    ).all()
    return {(kind, key): int(total or 0) for kind, key, total in rows if (kind, key) in wanted}


def _neighbours(digits: str, span: int) -> list[str]:
    value, width = int(digits), len(digits)
    found = []
    for step in range(1, span + 1):
        for near in (value - step, value + step):
            text = str(near)
            if near > 0 and len(text) == width:
                found.append(text)
    return found


def _guard(
    uow: UnitOfWork, facts: NumberFacts, address: str | None, *, account_id: int, record: bool
) -> list[str]:
    """The reasons the account's recent attempts make this one suspicious."""
    settings = uow.settings
    digits = facts.digits
    span = settings.fraud_range_digits
    prefix = digits[:-span] if len(digits) > span else digits
    keys = [(Counted.RANGE.value, prefix), (Counted.NUMBER.value, digits)]
    if address is not None:
        keys.append((Counted.IP.value, address))
    if record:
        _record(uow, account_id, keys)
    near = _neighbours(digits, settings.fraud_sequential_span)
    counts = _counts(uow, account_id, keys + [(Counted.NUMBER.value, n) for n in near])
    # Without recording, judge the attempt a verification would make now.
    extra = 0 if record else 1
    window = settings.fraud_window_s
    reasons = []
    for kind, key, limit, what in (
        (Counted.RANGE, prefix, settings.fraud_range_limit, f"to range +{prefix}{'x' * span}"),
        (Counted.IP, address, settings.fraud_ip_limit, f"from address {address}"),
        (Counted.NUMBER, digits, settings.fraud_number_limit, f"to number {facts.e164}"),
    ):
        if key is None:
            continue
        seen = counts.get((kind.value, key), 0) + extra
        if seen > limit:
            reasons.append(
                f"{kind.value}_velocity: {seen} attempts {what} in {window} s, more than {limit}"
            )
    tried = sum(1 for n in near if counts.get((Counted.NUMBER.value, n), 0) > 0)
    if tried >= settings.fraud_sequential_limit:
        reasons.append(
            f"sequential_numbers: {tried} numbers within {settings.fraud_sequential_span} of "
            f"{facts.e164} tried in {window} s"
        )
    return reasons


def prune(uow: UnitOfWork) -> int:
    """Drop counter buckets that no window reaches any more; returns how many."""
    settings = uow.settings
    oldest = (
        int(uow.clock.now().timestamp()) - settings.fraud_window_s - 2 * settings.fraud_bucket_s
    )
    result = uow.session.execute(
        delete(FraudCounter)
        .where(FraudCounter.bucket < oldest)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
