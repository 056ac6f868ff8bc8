"""Parse the command API's query / form parameters into typed values."""

from __future__ import annotations

import re
from collections.abc import Mapping

from simhive.core.activations.service import NumberRequest
from simhive.core.errors import InvalidMarkup, InvalidParameter, MissingParameter, UnknownRequest
from simhive.kit.ids import parse_id
from simhive.settings import Settings

_INTEGER = re.compile(r"^[+]?\d{1,9}$")

# Values an error message never repeats, not even in part.
SECRETS = frozenset({"pass", "api_key"})
MAX_VALUE = 4096


def check_values(params: Mapping[str, str]) -> None:
    """Refuse values no database stores (a NUL) or no client sends (over 4096 characters)."""
    for key, value in params.items():
        if "\x00" in value or len(value) > MAX_VALUE:
            shown = "***" if key in SECRETS else value.replace("\x00", "")[:64]
            raise InvalidParameter(key, shown)


def check_id(params: Mapping[str, str]) -> None:
    """`id`, when given, is ASCII digits naming a 64-bit key; anything else names no request."""
    raw = text(params, "id")
    if raw is not None and parse_id(raw) is None:
        raise UnknownRequest()


def text(params: Mapping[str, str], name: str) -> str | None:
    """A parameter's value, stripped; an empty value counts as absent."""
    value = params.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def required(params: Mapping[str, str], name: str) -> str:
    value = text(params, name)
    if value is None:
        raise MissingParameter(name)
    return value


def markup(params: Mapping[str, str], settings: Settings) -> int | None:
    """`markup`: an integer number of cents; "25.5" or "abc" is refused, not rounded."""
    raw = text(params, "markup")
    if raw is None:
        return None
    if not _INTEGER.match(raw):
        raise InvalidMarkup(raw, settings.markup_min, settings.markup_max)
    return int(raw)


def services(params: Mapping[str, str]) -> tuple[str, ...]:
    """`service`: one name or up to five, comma-separated (000, "Requesting the same MDN")."""
    names = tuple(n.strip() for n in required(params, "service").split(",") if n.strip())
    if not names:
        raise MissingParameter("service")
    return names


def number_request(params: Mapping[str, str], settings: Settings) -> NumberRequest:
    return NumberRequest(
        services=services(params),
        mdn=text(params, "mdn"),
        area_code=text(params, "areacode"),
        state=text(params, "state"),
        markup=markup(params, settings),
    )
