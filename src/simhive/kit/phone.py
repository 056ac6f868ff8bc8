"""US numbering facts from Google's libphonenumber data (the `phonenumbers` package)."""

from __future__ import annotations

import dataclasses
import functools
import re

import phonenumbers
from phonenumbers import carrier, geocoder

from simhive.kit.mccmnc import code_of

STATE_NAMES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "Florida": "FL", "Georgia": "GA",
    "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL", "Indiana": "IN", "Iowa": "IA",
    "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA", "Maine": "ME", "Maryland": "MD",
    "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS",
    "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH",
    "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY", "North Carolina": "NC",
    "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA",
    "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD", "Tennessee": "TN",
    "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA", "Washington": "WA",
    "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY", "Washington D.C.": "DC",
    "Washington State": "WA",
}  # fmt: skip

# The 50 states and the District of Columbia.
US_STATES = frozenset(STATE_NAMES.values())

# Exchanges tried per area code until libphonenumber calls one valid.
_PROBES = (200, 201, 202, 212, 234, 245, 256, 267, 278, 289, 300, 345, 456, 567, 678, 789)
_DIGITS = re.compile(r"\D")


def normalize_mdn(raw: str) -> str | None:
    """`+1 (212) 555-0100`, `12125550100` or `2125550100` → `12125550100`; None if not NANP."""
    if not isinstance(raw, str) or re.search(r"[A-Za-z]", raw):
        return None
    digits = _DIGITS.sub("", raw)
    if len(digits) == 10:
        digits = "1" + digits
    if len(digits) != 11 or digits[0] != "1":
        return None
    # NANP: area code and exchange start with 2-9.
    if digits[1] in "01" or digits[4] in "01":
        return None
    number = phonenumbers.parse("+" + digits)
    return digits if phonenumbers.is_possible_number(number) else None


def _state_of(description: str) -> str | None:
    if description in STATE_NAMES:
        return STATE_NAMES[description]
    tail = description.rsplit(", ", 1)[-1]
    return tail if tail in US_STATES else None


@functools.cache
def _area_code_table() -> dict[str, str]:
    """Every US geographic area code with its state, derived once from the geocoder."""
    table: dict[str, str] = {}
    for npa in range(200, 1000):
        if npa % 100 == 11 or str(npa)[1] == "9":
            continue  # N11 service codes and the reserved N9X range
        for nxx in _PROBES:
            number = phonenumbers.parse(f"+1{npa}{nxx}1234")
            if not phonenumbers.is_valid_number(number):
                continue
            if phonenumbers.region_code_for_number(number) == "US":
                state = _state_of(geocoder.description_for_number(number, "en"))
                if state:
                    table[str(npa)] = state
            break
    return table


def area_code_state(area_code: str) -> str | None:
    """The state of a US geographic area code (`212` → `NY`), else None."""
    return _area_code_table().get(area_code.strip())


def is_valid_us_area_code(area_code: str) -> bool:
    """A 3-digit US geographic area code in use (toll-free and Canadian codes are not)."""
    return (
        bool(re.fullmatch(r"\d{3}", area_code.strip())) and area_code_state(area_code) is not None
    )


def is_valid_state(code: str) -> bool:
    """A two-letter US state (or DC), any case."""
    return code.strip().upper() in US_STATES


def area_codes_for_state(state: str) -> tuple[str, ...]:
    """The area codes of a state, in order."""
    wanted = state.strip().upper()
    return tuple(sorted(ac for ac, st in _area_code_table().items() if st == wanted))


# -- international numbers (the REST API) ----------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class NumberFacts:
    """What a number's prefix tells (003: mccmnc, network, country "resolved by the prefix")."""

    e164: str  # `+` and digits
    country: str | None
    network: str | None
    mccmnc: str | None


def parse_e164(raw: str) -> str | None:
    """An international number, E.164 with or without `+`, as `+digits`; None if malformed.

    Spaces, dots, dashes and brackets are ignored; the number must be of a possible length
    for its country code (`is_possible_number`), so test ranges still pass.
    """
    if not isinstance(raw, str) or len(raw) > 32:
        return None
    digits = re.sub(r"[\s().\-]", "", raw.strip()).removeprefix("+")
    if not re.fullmatch(r"[1-9][0-9]{6,14}", digits):
        return None
    try:
        number = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.region_code_for_country_code(number.country_code or 0) == "ZZ":
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return "+" + digits


def number_facts(e164: str) -> NumberFacts:
    """Country, network name and MCC+MNC of an E.164 number, as far as its prefix tells."""
    number = phonenumbers.parse(e164)
    calling_code = number.country_code or 0
    region = phonenumbers.region_code_for_number(number)
    region = region or phonenumbers.region_code_for_country_code(calling_code)
    country = region if region and region != "ZZ" else None
    network = carrier.name_for_number(number, "en") or None
    return NumberFacts(
        e164=e164, country=country, network=network, mccmnc=code_of(country, network)
    )


# -- countries -------------------------------------------------------------------------
# Numbers carry an ISO 3166 country. The order API (002) names the United Kingdom "UK" and
# the United States "USA"; both are accepted wherever a country is given.
COUNTRIES = ("US", "NL", "GB")
_COUNTRY_NAMES = {"US": "US", "USA": "US", "NL": "NL", "GB": "GB", "UK": "GB"}


def parse_country(raw: str) -> str | None:
    """`USA`, `us`, `NL`, `UK`, `gb` → `US`, `NL`, `GB`; None for a country we do not serve."""
    if not isinstance(raw, str):
        return None
    return _COUNTRY_NAMES.get(raw.strip().upper())


def normalize_number(raw: str, country: str | None = None) -> str | None:
    """A phone number in any usual form → its stored form, or None if it is not valid.

    US numbers are stored as `1XXXXXXXXXX` (what `normalize_mdn` accepts); others as
    their international digits without `+` (`31612345678`). With `country`, the number
    must be that country's, and its national form (`0612345678`) is accepted too;
    without, a national form is accepted when exactly one served country has it.
    """
    if not isinstance(raw, str) or re.search(r"[A-Za-z]", raw):
        return None
    if country in (None, "US"):
        us = normalize_mdn(raw)
        if us is not None or country == "US":
            return us
    text = raw.strip()
    digits = _DIGITS.sub("", text)
    if not digits or len(digits) > 17:
        return None
    if text.startswith("+"):
        candidates = ["+" + digits]
    elif digits.startswith("00"):
        candidates = ["+" + digits[2:]]
    elif digits.startswith("0"):
        candidates = [f"{region}:{digits}" for region in COUNTRIES if region != "US"]
    else:
        candidates = ["+" + digits]
    found = {n for n in (_valid(c, country) for c in candidates) if n is not None}
    return found.pop() if len(found) == 1 else None


def _valid(candidate: str, country: str | None) -> str | None:
    """The stored form of `+digits` or `REGION:national digits` if valid (for `country`)."""
    region, _, national = candidate.rpartition(":")
    if region and country is not None and region != country:
        return None
    try:
        number = phonenumbers.parse(national, region or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    found = phonenumbers.region_code_for_number(number)
    if found not in COUNTRIES or (country is not None and found != country):
        return None
    national_number = phonenumbers.national_significant_number(number)
    if found == "US":
        return normalize_mdn(national_number)
    return f"{number.country_code}{national_number}"


def national_digits(mdn: str, country: str) -> str:
    """A stored number as 002 writes it: digits of the national form for NL and UK
    (`07684563067`), `1XXXXXXXXXX` for the US."""
    if country == "US":
        return mdn
    number = phonenumbers.parse("+" + mdn)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return _DIGITS.sub("", national)
