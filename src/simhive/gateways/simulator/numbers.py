"""Simulated US numbers with real area codes, their states, and mobile carriers."""

from __future__ import annotations

import random
from collections.abc import Collection

import phonenumbers

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
) -> list[SimNumber]:
    """`count` new valid US numbers, none of them in `exclude`; deterministic for an rng."""
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
