"""What an account's REST requests may do and cost: its own policy, else the settings."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

import phonenumbers

from simhive.core.errors import CountryNotAllowed, InvalidParameter
from simhive.core.ledger.amounts import checked_amount
from simhive.core.policies.models import AccountPolicy
from simhive.db.uow import UnitOfWork
from simhive.kit.money import from_cents, to_cents

CODE_EXPIRY_RANGE = (30, 86400)
ATTEMPTS_RANGE = (1, 20)


@dataclass(frozen=True, slots=True)
class Policy:
    """The policy in force for one account."""

    code_expiry_s: int
    check_attempts: int
    countries: frozenset[str] | None  # None: every country
    verify_sms: Decimal
    verify_voice: Decimal
    verify_call: Decimal
    sms_part: Decimal
    flash_call: Decimal

    def verify_price(self, method: str) -> Decimal:
        return {"sms": self.verify_sms, "voice": self.verify_voice, "call": self.verify_call}[
            method
        ]

    def check_country(self, country: str) -> None:
        """CountryNotAllowed unless the policy serves numbers of `country`."""
        if self.countries is not None and country not in self.countries:
            raise CountryNotAllowed(country)


def policy_for(uow: UnitOfWork, account_id: int) -> Policy:
    """The account's policy, each field its own value or the setting's default."""
    row = uow.session.get(AccountPolicy, account_id)
    s = uow.settings

    def pick(own: int | None, default: Decimal) -> Decimal:
        return default if own is None else from_cents(own)

    return Policy(
        code_expiry_s=row.code_expiry_s if row and row.code_expiry_s else s.verify_code_expiry_s,
        check_attempts=(
            row.check_attempts if row and row.check_attempts else s.verify_check_attempts
        ),
        countries=frozenset(row.countries.split(",")) if row and row.countries else None,
        verify_sms=pick(row.verify_sms_cents if row else None, s.verify_sms_price),
        verify_voice=pick(row.verify_voice_cents if row else None, s.verify_voice_price),
        verify_call=pick(row.verify_call_cents if row else None, s.verify_call_price),
        sms_part=pick(row.sms_part_cents if row else None, s.sms_part_price),
        flash_call=pick(row.flash_call_cents if row else None, s.flash_call_price),
    )


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """What to change; None leaves a field alone, `reset` names fields back to the default."""

    code_expiry_s: int | None = None
    check_attempts: int | None = None
    countries: tuple[str, ...] | None = None
    verify_sms: Decimal | None = None
    verify_voice: Decimal | None = None
    verify_call: Decimal | None = None
    sms_part: Decimal | None = None
    flash_call: Decimal | None = None
    reset: tuple[str, ...] = ()


_PRICES = {
    "verify_sms": "verify_sms_cents",
    "verify_voice": "verify_voice_cents",
    "verify_call": "verify_call_cents",
    "sms_part": "sms_part_cents",
    "flash_call": "flash_call_cents",
}
FIELDS = ("code_expiry_s", "check_attempts", "countries", *_PRICES)


def _in_range(name: str, value: int, bounds: tuple[int, int]) -> int:
    if not bounds[0] <= value <= bounds[1]:
        raise InvalidParameter(name, str(value), f"{name} must be from {bounds[0]} to {bounds[1]}")
    return value


def _countries(values: tuple[str, ...]) -> str:
    known = phonenumbers.SUPPORTED_REGIONS
    codes = sorted({v.strip().upper() for v in values if v.strip()})
    for code in codes:
        if code not in known:
            raise InvalidParameter("countries", code, f"{code} is not an ISO country code")
    if not codes:
        raise InvalidParameter("countries", "", "name at least one country, or reset the field")
    return ",".join(codes)


def set_policy(uow: UnitOfWork, *, account_id: int, change: PolicyChange) -> Policy:
    """Change an account's policy; every value is checked before any is written."""
    unknown = set(change.reset) - set(FIELDS)
    if unknown:
        raise InvalidParameter("reset", ",".join(sorted(unknown)), f"fields are {FIELDS}")
    row = uow.session.get(AccountPolicy, account_id)
    if row is None:
        row = AccountPolicy(account_id=account_id)
        uow.session.add(row)
    if change.code_expiry_s is not None:
        row.code_expiry_s = _in_range("code_expiry_s", change.code_expiry_s, CODE_EXPIRY_RANGE)
    if change.check_attempts is not None:
        row.check_attempts = _in_range("check_attempts", change.check_attempts, ATTEMPTS_RANGE)
    if change.countries is not None:
        row.countries = _countries(change.countries)
    for name, column in _PRICES.items():
        value = getattr(change, name)
        if value is not None:
            setattr(row, column, to_cents(checked_amount(name, value)))
    for name in change.reset:
        setattr(row, _PRICES.get(name, name), None)
    uow.session.flush()
    return policy_for(uow, account_id)


def policy_fields() -> tuple[str, ...]:
    return tuple(f.name for f in fields(Policy))
