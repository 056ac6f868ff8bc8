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


async def read(request: Request, max_bytes: int) -> dict[str, str]:
    """The query string, then the body's fields over it."""
    fields: dict[str, str] = dict(request.query_params)
    if request.method != "POST":
        return fields
    raw = await request.body()
    if len(raw) > max_bytes:
        raise BadBody(f"the body is larger than {max_bytes} bytes")
    if not raw.strip():
        return fields
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json" or (not kind and raw.lstrip()[:1] == b"{"):
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadBody("the body is not valid JSON") from exc
        if not isinstance(data, dict):
            raise BadBody("the JSON body must be an object")
        fields.update({str(k): _scalar(str(k), v) for k, v in data.items()})
    else:
        try:
            form = await request.form(max_files=0, max_fields=MAX_FIELDS)
        except Exception as exc:
            raise BadBody("the body is neither JSON nor a form") from exc
        fields.update({k: v for k, v in form.items() if isinstance(v, str)})
    if len(fields) > MAX_FIELDS or any(len(v) > MAX_VALUE for v in fields.values()):
        raise BadBody(f"at most {MAX_FIELDS} fields of {MAX_VALUE} characters")
    if any("\x00" in k or "\x00" in v for k, v in fields.items()):
        raise BadBody("NUL characters are not allowed")
    return fields


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
