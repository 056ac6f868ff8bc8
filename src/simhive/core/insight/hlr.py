"""HLR lookup (003 "HLR lookup"): the network, validity, reachability and roaming of a number.

A real HLR query goes over SS7 to the home network; simhive answers from what
it knows without one. A `LookupProvider` says what the numbering plan and the
MCC/MNC table say of the number (`OfflineProvider`, the default; an operator
with a paid lookup service plugs in another one). Numbers in simhive's own
inventory are then answered from the inventory: their SIMs sit in the
operator's gateways, so simhive knows their network, that they are at home
(not roaming) and whether they are online. For other numbers `ported`,
`roaming` and `reachable` are None: unknown, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from sqlalchemy import select

from simhive.core.errors import InvalidNumber
from simhive.core.inventory.models import Number
from simhive.db.uow import UnitOfWork
from simhive.kit.mccmnc import code_of, network_code
from simhive.kit.numbering import MOBILE_TYPES, NumberFacts, NumberType, parse_e164

__all__ = ["HlrResult", "HlrStatus", "LookupProvider", "NetworkInfo", "OfflineProvider", "lookup"]


class HlrStatus(StrEnum):
    """Core's words; 003 renders them as DELIVERED / UNDELIVERED."""

    DELIVERED = "delivered"  # the number is allotted: the answer describes its network
    UNDELIVERED = "undelivered"  # no network holds that range


@dataclass(frozen=True, slots=True)
class NetworkInfo:
    """What a provider knows of a number. None means unknown."""

    valid: bool
    country: str | None  # ISO 3166-1 alpha-2
    network: str | None
    mccmnc: str | None
    number_type: NumberType
    ported: bool | None = None
    roaming: bool | None = None
    reachable: bool | None = None


class LookupProvider(Protocol):
    """Answers an HLR lookup for a parsed number; must not do network I/O inside a
    transaction (a provider that queries a remote HLR runs before the transaction
    and hands its answers in, or caches them)."""

    name: str

    def lookup(self, facts: NumberFacts) -> NetworkInfo: ...


class OfflineProvider:
    """The numbering plan (libphonenumber) and the MCC/MNC table; no network queried."""

    name = "offline"

    def lookup(self, facts: NumberFacts) -> NetworkInfo:
        return NetworkInfo(
            valid=facts.valid,
            country=facts.region,
            network=facts.range_network,
            mccmnc=code_of(facts.region, facts.range_network) if facts.valid else None,
            number_type=facts.number_type,
        )


DEFAULT_PROVIDER: LookupProvider = OfflineProvider()


@dataclass(frozen=True, slots=True)
class HlrResult:
    """003's HLR answer (number, mccmnc, network, country, status) and what else is known."""

    number: str  # E.164 with the plus: +4790000000
    status: HlrStatus
    valid: bool
    country: str | None
    network: str | None
    mccmnc: str | None
    number_type: NumberType
    mobile: bool
    ported: bool | None
    roaming: bool | None
    reachable: bool | None
    in_inventory: bool
    provider: str


def parse_number(raw: str) -> NumberFacts:
    """A number in E.164 (with or without `+`), or InvalidNumber."""
    facts = parse_e164(raw)
    if facts is None:
        raise InvalidNumber(raw[:64] if isinstance(raw, str) else "")
    return facts


def lookup(uow: UnitOfWork, number: str, *, provider: LookupProvider | None = None) -> HlrResult:
    """Look a number up: the provider's answer, corrected by the inventory for our own SIMs."""
    facts = parse_number(number)
    chosen = provider or DEFAULT_PROVIDER
    info = chosen.lookup(facts)
    owned = uow.session.scalar(select(Number).where(Number.mdn == facts.digits))
    if owned is not None:
        info = _from_inventory(info, facts, owned)
    return HlrResult(
        number=facts.e164,
        status=HlrStatus.DELIVERED if info.valid else HlrStatus.UNDELIVERED,
        valid=info.valid,
        country=info.country,
        network=info.network,
        mccmnc=info.mccmnc,
        number_type=info.number_type,
        mobile=info.number_type in MOBILE_TYPES,
        ported=info.ported,
        roaming=info.roaming,
        reachable=info.reachable,
        in_inventory=owned is not None,
        provider=chosen.name,
    )


def _from_inventory(info: NetworkInfo, facts: NumberFacts, number: Number) -> NetworkInfo:
    """Our own SIM: its network is the carrier it was imported with, at home, online or not.

    It counts as ported only when the range's original operator is known and is
    another one than the SIM's carrier.
    """
    carrier = number.carrier.strip()
    if not carrier:
        return replace(info, roaming=False, reachable=number.online, ported=False)
    country = number.country or info.country
    found = network_code(country, carrier)
    ported = _other_operator(country, facts.range_network, carrier)
    return replace(
        info,
        valid=True,
        country=country,
        network=found.brand or carrier if found else carrier,
        mccmnc=code_of(country, carrier) or info.mccmnc,
        ported=ported,
        roaming=False,
        reachable=number.online,
    )


def _other_operator(country: str | None, range_network: str | None, carrier: str) -> bool:
    """Whether the range's original operator is known and is not the SIM's carrier."""
    if range_network is None:
        return False
    original = network_code(country, range_network)
    current = network_code(country, carrier)
    if original is not None and current is not None:
        return original.brand != current.brand
    first, second = _plain(range_network), _plain(carrier)
    return first not in second and second not in first


def _plain(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())
