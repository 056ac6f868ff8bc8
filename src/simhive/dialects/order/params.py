"""Parse the order API's query / form parameters (002's names, letter for letter)."""

from __future__ import annotations

from collections.abc import Mapping

from simhive.core.errors import InvalidParameter, MissingParameter
from simhive.kit.phone import parse_country

# A client sends a handful of short values; anything past this is no parameter of 002's.
MAX_VALUE = 4096

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def check_values(params: Mapping[str, str]) -> None:
    """Refuse values no database stores (a NUL) or no client sends (over 4096 characters)."""
    for name, value in params.items():
        if "\x00" in value or len(value) > MAX_VALUE:
            raise InvalidParameter(name, "***" if name == "key" else value[:64].replace("\x00", ""))


def text(params: Mapping[str, str], name: str) -> str | None:
    """A parameter's value, stripped; an empty value counts as absent."""
    value = (params.get(name) or "").strip()
    return value or None


def required(params: Mapping[str, str], name: str) -> str:
    value = text(params, name)
    if value is None:
        raise MissingParameter(name)
    return value


def key(params: Mapping[str, str]) -> str:
    """`key`, the account's API key (002: "Your API Key. (Required)")."""
    return required(params, "key")


def country(params: Mapping[str, str], *, default: str | None = None) -> str:
    """`country`: USA, US, NL or UK in any case (DESIGN.md) → US, NL or GB."""
    raw = text(params, "country") or default
    if raw is None:
        raise MissingParameter("country")
    code = parse_country(raw)
    if code is None:
        raise InvalidParameter("country", raw[:16])
    return code


def package(params: Mapping[str, str]) -> str:
    """`package`: 1m, 3m, 6m or 1y (002: "Defaults to 1m if not specified"); core checks it."""
    return (text(params, "package") or "1m").lower()


def flag(params: Mapping[str, str], name: str, *, default: bool | None = None) -> bool:
    """A boolean (`true` / `false`, as 002 writes them; also 1/0, yes/no, on/off)."""
    raw = text(params, name)
    if raw is None:
        if default is None:
            raise MissingParameter(name)
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise InvalidParameter(name, raw[:16], f"{name} must be true or false")
