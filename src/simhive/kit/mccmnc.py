"""Mobile network codes (MCC + MNC, ITU-T E.212) of the world's operators.

The table is the `mcc-mnc-p1` package's data (`mcc_mnc_lut/p1_mnc.json`: ITU-T
E.212 lists and operational bulletins merged with Wikipedia's lists of mobile
network codes), read as data; none of that package's code runs here. Its code is
AGPL-3.0 and its data is not (Wikipedia's part is CC BY-SA), which is why only
the JSON is read. Upgrading the package refreshes the table.

A number carries no MCC/MNC: the network that serves it is what an HLR knows.
Offline, the best answer is the network its range was allotted to, which
libphonenumber names for most countries; `network_code` finds that name among
the country's MNCs. Where names disagree (a rebrand the data has not caught up
with) the answer is None rather than a guess.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources

__all__ = ["Network", "code_of", "network_code", "networks_of"]

_DATA_PACKAGE = "mcc_mnc_lut"
_DATA_FILE = "p1_mnc.json"

# Words that say what kind of company an operator is, not which one.
_NOISE = frozenset(
    {
        "a", "ab", "ag", "and", "as", "bv", "cellular", "co", "communications", "company",
        "corp", "corporation", "de", "gmbh", "group", "inc", "limited", "llc", "ltd", "mobile",
        "networks", "nv", "oy", "plc", "pte", "pvt", "s", "sa", "sarl", "services", "spa",
        "srl", "telecom", "telecommunications", "the", "wireless",
    }
)  # fmt: skip
_WORD = re.compile(r"[^0-9a-z]+")
_BRACKETS = re.compile(r"\([^)]*\)|\[[^]]*\]")


@dataclass(frozen=True, slots=True)
class Network:
    mccmnc: str  # "24201": MCC (3 digits) + MNC (2 or 3 digits)
    brand: str
    operator: str
    region: str
    operational: bool


def _all_words(name: str) -> tuple[str, ...]:
    return tuple(w for w in _WORD.split(_BRACKETS.sub(" ", name.lower())) if w)


def _words(name: str) -> tuple[str, ...]:
    words = _all_words(name)
    return tuple(w for w in words if w not in _NOISE) or words


@functools.cache
def _table() -> dict[str, tuple[Network, ...]]:
    """Every network by ISO region, operational ones first, then by code."""
    text = resources.files(_DATA_PACKAGE).joinpath(_DATA_FILE).read_text(encoding="utf-8")
    entries = json.loads(text)[1]  # [provenance, {mccmnc: entry or [entries]}]
    by_region: dict[str, list[Network]] = {}
    for code, found in entries.items():
        for entry in found if isinstance(found, list) else [found]:
            for region in entry.get("cc2s") or ():
                by_region.setdefault(region, []).append(
                    Network(
                        mccmnc=code,
                        brand=entry.get("brand") or "",
                        operator=entry.get("operator") or "",
                        region=region,
                        operational=bool(entry.get("ope")),
                    )
                )
    return {
        region: tuple(sorted(networks, key=lambda n: (not n.operational, n.mccmnc)))
        for region, networks in by_region.items()
    }


def networks_of(region: str) -> tuple[Network, ...]:
    """The networks of one country (ISO 3166-1 alpha-2), operational ones first."""
    return _table().get(region.upper(), ())


def _score(name: str, network: Network) -> tuple[int, int]:
    """How well an operator's name matches a network entry: (0, 0) not at all, up to (4, 1).

    The second place breaks ties between partial matches: a brand that ends the name
    wins ("Reliance Jio" is Jio, not Reliance), as parent companies come first.
    """
    words = _words(name)
    joined = ("".join(words), "".join(_all_words(name)))
    best = (0, 0)
    for label, exact in ((network.brand, 4), (network.operator, 3)):
        candidate = _words(label)
        if not candidate:
            continue
        if "".join(candidate) in joined or "".join(_all_words(label)) in joined:
            best = max(best, (exact, 1))
        elif set(candidate) <= set(words) or set(words) <= set(candidate):
            ends = int(words[-len(candidate) :] == candidate)
            best = max(best, (exact - 2, ends))
    return best


def network_code(region: str | None, name: str | None) -> Network | None:
    """The network of `region` that an operator called `name` runs; None when unsure.

    The best match wins, an operational network before a retired one, then the
    lowest code (an operator with one MNC per licence area gets its first one).
    """
    if not region or not name:
        return None
    if not _words(name):
        return None
    best: tuple[tuple[int, int], Network] | None = None
    for network in networks_of(region):
        score = _score(name, network)
        if score[0] and (best is None or score > best[0]):
            best = (score, network)
    return best[1] if best is not None else None


# Networks as libphonenumber names them, with the MCC+MNC most of their numbers use: where
# the table's name matching cannot tell (GB "Three" is "3" there) or would pick another of
# a network's codes (SFR's main one is 208 10; 208 08 came with a company it bought).
_MAIN = {
    ("GB", "EE"): "23430", ("GB", "Vodafone"): "23415", ("GB", "O2"): "23410",
    ("GB", "Three"): "23420", ("DE", "Telekom"): "26201",
    ("DE", "T-Mobile"): "26201", ("DE", "Vodafone"): "26202",
    ("DE", "O2"): "26203", ("FR", "Orange"): "20801", ("FR", "SFR"): "20810",
    ("FR", "Bouygues"): "20820", ("FR", "Free Mobile"): "20815", ("NL", "KPN"): "20408",
    ("NL", "Vodafone"): "20404", ("EE", "Telia"): "24801", ("EE", "Elisa"): "24802",
    ("EE", "Tele2"): "24803", ("NO", "Telenor"): "24201", ("NO", "Telia"): "24202",
    ("IN", "Jio"): "405871", ("IN", "Airtel"): "40410", ("ES", "Movistar"): "21407",
    ("IT", "TIM"): "22201", ("SE", "Telia"): "24001", ("UA", "Kyivstar"): "25503",
}  # fmt: skip


def code_of(region: str | None, network: str | None) -> str | None:
    """The MCC+MNC of the network libphonenumber names for a number's range: the main
    code where it is known (`_MAIN`), else the one the table finds by name. Every part
    of simhive asks this one function, so an HLR lookup and a request record agree."""
    if not region or not network:
        return None
    known = next(
        (code for (r, name), code in _MAIN.items() if r == region and name in network), None
    )
    if known is not None:
        return known
    found = network_code(region, network)
    return found.mccmnc if found is not None else None
