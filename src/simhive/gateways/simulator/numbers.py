"""Simulated numbers: US ones with real area codes, their states and mobile carriers;
Dutch and British ones in their countries' mobile ranges."""

from __future__ import annotations

import random
from collections.abc import Collection

import phonenumbers
from phonenumbers import carrier as carriers

from simhive.gateways.base import SimNumber
from simhive.kit.phone import area_code_state, area_codes_for_state, is_valid_state

# Carrier names as the command references write them ("TMobile", "ATT", "Verizon"),
# weighted roughly by US subscriber share.
CARRIERS = ("TMobile", "Verizon", "ATT", "USCellular", "Mint")
CARRIER_WEIGHTS = (36, 33, 27, 2, 2)

# Populous states come up more often, as in a real SIM bank.
STATE_WEIGHTS = {"CA": 12, "TX": 9, "FL": 7, "NY": 6, "PA": 4, "IL": 4, "OH": 4, "GA": 3}


def _carrier(rng: random.Random) -> str:
    return rng.choices(CARRIERS, weights=CARRIER_WEIGHTS)[0]


def _pick_area_code(rng: random.Random, state: str | None, area_code: str | None) -> str:
    if area_code:
        return area_code
    if state:
        return rng.choice(area_codes_for_state(state))
    from simhive.kit.phone import US_STATES

    states = sorted(US_STATES)
    weights = [STATE_WEIGHTS.get(s, 1) for s in states]
    return rng.choice(area_codes_for_state(rng.choices(states, weights=weights)[0]))


def generate_numbers(
    count: int,
    *,
    rng: random.Random,
    state: str | None = None,
    area_code: str | None = None,
    exclude: Collection[str] = (),
    country: str = "US",
) -> list[SimNumber]:
    """`count` new valid numbers of `country`, none in `exclude`; deterministic for an rng."""
    if country != "US":
        if state is not None or area_code is not None:
            raise ValueError("states and area codes are for US numbers")
        return _mobile_numbers(count, rng=rng, country=country, exclude=exclude)
    if area_code is not None and area_code_state(area_code) is None:
        raise ValueError(f"unknown US area code {area_code}")
    if state is not None and (not is_valid_state(state) or not area_codes_for_state(state)):
        raise ValueError(f"unknown US state {state}")
    taken = set(exclude)
    made: list[SimNumber] = []
    attempts = 0
    while len(made) < count:
        attempts += 1
        if attempts > count * 50 + 1000:
            raise ValueError("could not find enough free numbers there")
        npa = _pick_area_code(rng, state, area_code)
        mdn = f"1{npa}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        if mdn in taken or not phonenumbers.is_valid_number(phonenumbers.parse("+" + mdn)):
            continue
        taken.add(mdn)
        made.append(
            SimNumber(
                mdn=mdn, state=area_code_state(npa) or "", area_code=npa, carrier=_carrier(rng)
            )
        )
    return made


def _mobile_numbers(
    count: int, *, rng: random.Random, country: str, exclude: Collection[str]
) -> list[SimNumber]:
    """Numbers in a country's mobile ranges as libphonenumber knows them.

    Each is its example mobile number's first digit and length with random digits after
    it, kept when libphonenumber calls it a valid mobile number of that country.
    """
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        raise ValueError(f"no mobile numbers known for {country}")
    prefix = f"{example.country_code}"
    national = phonenumbers.national_significant_number(example)
    taken = set(exclude)
    made: list[SimNumber] = []
    attempts = 0
    while len(made) < count:
        attempts += 1
        if attempts > count * 50 + 1000:
            raise ValueError("could not find enough free numbers there")
        rest = "".join(str(rng.randint(0, 9)) for _ in range(len(national) - 1))
        mdn = f"{prefix}{national[0]}{rest}"
        number = phonenumbers.parse("+" + mdn)
        if (
            mdn in taken
            or not phonenumbers.is_valid_number(number)
            or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
            or phonenumbers.region_code_for_number(number) != country
        ):
            continue
        taken.add(mdn)
        name = carriers.name_for_number(number, "en")[:32]
        made.append(SimNumber(mdn=mdn, state="", area_code="", carrier=name, country=country))
    return made
