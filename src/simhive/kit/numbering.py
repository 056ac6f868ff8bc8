"""International numbers (E.164): parse, and what libphonenumber knows of their range.

libphonenumber (the `phonenumbers` package) knows each range's country, its
number type (mobile, fixed line, premium rate, ...) and, where the country
still allots mobile ranges to one operator, the operator the range was given to.
It knows nothing of porting or roaming, and no network codes (MCC/MNC); see
`kit.mccmnc` for those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from phonenumbers import PhoneNumberType, carrier

__all__ = ["NumberFacts", "NumberType", "parse_e164"]

# E.164 allows 15 digits at most; the shortest numbers in use have 7 (country code included).
_E164 = re.compile(r"\d{7,15}")
_SEPARATORS = re.compile(r"[\s\-().]")


class NumberType(StrEnum):
    MOBILE = "mobile"
    FIXED_LINE = "fixed_line"
    FIXED_LINE_OR_MOBILE = "fixed_line_or_mobile"
    TOLL_FREE = "toll_free"
    PREMIUM_RATE = "premium_rate"
    SHARED_COST = "shared_cost"
    VOIP = "voip"
    PERSONAL_NUMBER = "personal_number"
    PAGER = "pager"
    UAN = "uan"
    VOICEMAIL = "voicemail"
    UNKNOWN = "unknown"


_TYPES = {
    PhoneNumberType.MOBILE: NumberType.MOBILE,
    PhoneNumberType.FIXED_LINE: NumberType.FIXED_LINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: NumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.TOLL_FREE: NumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE: NumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST: NumberType.SHARED_COST,
    PhoneNumberType.VOIP: NumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER: NumberType.PERSONAL_NUMBER,
    PhoneNumberType.PAGER: NumberType.PAGER,
    PhoneNumberType.UAN: NumberType.UAN,
    PhoneNumberType.VOICEMAIL: NumberType.VOICEMAIL,
}

# Types that can receive an SMS on a mobile network (NANP ranges mix both kinds).
MOBILE_TYPES = frozenset({NumberType.MOBILE, NumberType.FIXED_LINE_OR_MOBILE})


@dataclass(frozen=True, slots=True)
class NumberFacts:
    """What the numbering plan says of a number, without asking any network."""

    digits: str  # E.164 without the plus: 4790000000
    country_code: int  # 47
    region: str | None  # ISO 3166-1 alpha-2, "NO"; None for non-geographic ranges
    valid: bool  # the range is allotted and the length is right
    number_type: NumberType
    range_network: str | None  # the operator the range was allotted to, where known

    @property
    def e164(self) -> str:
        return f"+{self.digits}"

    @property
    def mobile(self) -> bool:
        return self.number_type in MOBILE_TYPES


def digits_of(raw: str) -> str | None:
    """`+47 900-00 000`, `0047…` or `4790000000` → `4790000000`; None if no E.164 number."""
    if not isinstance(raw, str):
        return None
    text = _SEPARATORS.sub("", raw.strip())
    if text.startswith("+"):
        text = text[1:]
    elif text.startswith("00"):
        text = text[2:]
    return text if _E164.fullmatch(text) else None


def parse_e164(raw: str) -> NumberFacts | None:
    """A number in international format, with or without `+`; None if it is not one."""
    digits = digits_of(raw)
    if digits is None:
        return None
    try:
        number = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return None
    # A known country code is enough: whether the range exists is `valid`'s to say
    # (003's own example, +47463562200, is one digit too long for Norway).
    if number.country_code is None:
        return None
    if phonenumbers.region_code_for_country_code(number.country_code) == "ZZ":
        return None
    valid = phonenumbers.is_valid_number(number)
    region = phonenumbers.region_code_for_number(number) if valid else None
    if region is None:
        # The country the prefix belongs to, even when the range itself is not allotted.
        region = phonenumbers.region_code_for_country_code(number.country_code)
    if region in ("ZZ", "001"):
        region = None  # non-geographic (satellite, international networks)
    kind = _TYPES.get(phonenumbers.number_type(number), NumberType.UNKNOWN)
    network = carrier.name_for_number(number, "en") if valid else ""
    return NumberFacts(
        digits=digits,
        country_code=number.country_code,
        region=region,
        valid=valid,
        number_type=kind,
        range_network=network or None,
    )
