"""The REST API's input: JSON or form bodies (every POST takes both), read into strings.

003's examples send forms (`curl -d number=...`), DESIGN.md lets clients send JSON too.
Either becomes a flat mapping of strings; a JSON number or boolean is read as it is
written (`4`, `true`), and a nested value is refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from simhive.core.errors import InvalidParameter, MissingParameter
from simhive.kit import bodies
from simhive.kit.ids import parse_id
from simhive.kit.phone import parse_e164

MAX_FIELDS = 32
MAX_VALUE = 4096


class BadBody(Exception):
    """A body that is not a JSON object or a form."""


def _scalar(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    if value is None:
        return ""
    raise BadBody(f"{name} must be a string or a number")


def _text(value: str) -> bool:
    """Whether a string can be stored and sent on: UTF-8 without lone surrogates
    (a JSON escape such as `\\ud800` decodes to one), and no NUL."""
    if "\x00" in value:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


async def read(request: Request, max_bytes: int) -> dict[str, str]:
    """The query string, then the body's fields over it; GET and POST alike are held to
    the same limits, and a body is read no further than `max_bytes`."""
    fields: dict[str, str] = dict(request.query_params)
    if request.method == "POST":
        fields.update(await _body_fields(request, max_bytes))
    if len(fields) > MAX_FIELDS or any(
        len(k) > MAX_VALUE or len(v) > MAX_VALUE for k, v in fields.items()
    ):
        raise BadBody(f"at most {MAX_FIELDS} fields of {MAX_VALUE} characters")
    if not all(_text(k) and _text(v) for k, v in fields.items()):
        raise BadBody("NUL characters and lone surrogates are not allowed")
    return fields


async def _body_fields(request: Request, max_bytes: int) -> dict[str, str]:
    try:
        raw = await bodies.read(request, max_bytes)
    except bodies.TooLarge as exc:
        raise BadBody(str(exc)) from None
    if not raw.strip():
        return {}
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json" or (not kind and raw.lstrip()[:1] == b"{"):
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise BadBody("the body is not valid JSON") from exc
        if not isinstance(data, dict):
            raise BadBody("the JSON body must be an object")
        return {str(k): _scalar(str(k), v) for k, v in data.items()}
    try:
        form = await bodies.form(request, raw, max_fields=MAX_FIELDS)
    except Exception as exc:
        raise BadBody("the body is neither JSON nor a form") from exc
    return {k: v for k, v in form.items() if isinstance(v, str)}


def required(p: Mapping[str, str], name: str) -> str:
    value = (p.get(name) or "").strip()
    if not value:
        raise MissingParameter(name)
    return value


def optional(p: Mapping[str, str], name: str) -> str | None:
    value = (p.get(name) or "").strip()
    return value or None


def integer(p: Mapping[str, str], name: str) -> int | None:
    """An optional whole number written with ASCII digits."""
    value = optional(p, name)
    if value is None:
        return None
    parsed = parse_id(value)
    if parsed is None or parsed > 10**9:
        raise InvalidParameter(name, value[:32], f"{name} must be a whole number")
    return parsed


def payload(p: Mapping[str, str]) -> dict[str, str]:
    """003 `payload`: "Source http parameters of the request", as they were sent.

    Values are trimmed; `number` is shown in E.164 when it is one: in a form body an
    unescaped `+` (003's own `curl -d number="+1880..."`) arrives as a space.
    """
    fields = {k: v.strip() for k, v in p.items()}
    if "number" in fields:
        fields["number"] = parse_e164(fields["number"]) or fields["number"]
    return fields
