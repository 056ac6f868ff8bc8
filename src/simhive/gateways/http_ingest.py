"""The HTTP ingest gateway: phones and modem banks post inbound SMS to `/gateway/v1/sms`.

Form or JSON fields `to`, `from`, `text`, optional `ref` (the sender's own id
for the SMS: posting the same `ref` to the same number again stores nothing new,
so a gateway can retry safely after a timeout; devices that number their SMS
1, 2, 3 ... each never meet another's refs, as each receives on its own numbers)
and `received_at` (unix seconds; one in the future is taken as now). Auth is
`Authorization: Bearer <SIMHIVE_INGEST_TOKEN>`. Bad input answers 400, a body
or text past its limit 413, both as JSON `{"error": ...}`, and stores nothing.
"""

from __future__ import annotations

import hmac
import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from simhive.db.uow import to_thread
from simhive.gateways.base import InboundSMS
from simhive.kit import bodies
from simhive.kit.clock import Clock, from_wall
from simhive.kit.phone import normalize_number

PATH = "/gateway/v1/sms"

# The longest SMS a phone sends: 255 concatenated segments of 153 GSM-7 characters.
MAX_TEXT = 255 * 153
MAX_REF = 128
MAX_FIELDS = 32
# The last second of year 9999: datetime's range, and far past any real SMS.
MAX_TIMESTAMP = 253402300799


class Refused(Exception):
    """Input the gateway refuses, with the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def read_fields(request: Request, limit: int) -> dict[str, str]:
    """A form or JSON body's fields as strings, read no further than `limit` bytes."""
    try:
        body = await bodies.read(request, limit)
    except bodies.TooLarge as exc:
        raise Refused(413, str(exc)) from None
    if request.headers.get("content-type", "").lower().startswith("application/json"):
        try:
            data = json.loads(body or b"{}")
        except (ValueError, RecursionError) as exc:
            raise Refused(400, f"the body is not JSON ({type(exc).__name__})") from None
        if not isinstance(data, dict):
            raise Refused(400, "the body must be a JSON object")
        if any(isinstance(v, dict | list) for v in data.values()):
            raise Refused(400, "field values must be strings or numbers")
        return {k: str(v) for k, v in data.items() if v is not None}
    try:
        form = await bodies.form(request, body, max_fields=MAX_FIELDS, max_part_size=limit)
    except HTTPException as exc:
        raise Refused(400, f"the form could not be read: {exc.detail}") from None
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _received_at(raw: str | None, clock: Clock) -> datetime:
    if not raw:
        return clock.now()
    try:
        seconds = float(raw)
    except ValueError:
        raise Refused(400, "received_at must be unix seconds") from None
    if not (math.isfinite(seconds) and 0 <= seconds <= MAX_TIMESTAMP):
        raise Refused(400, "received_at must be unix seconds between 1970 and 9999")
    try:
        return from_wall(clock, datetime.fromtimestamp(seconds, tz=UTC))
    except OverflowError:  # the sandbox clock's offset carried it past the year 9999
        raise Refused(400, "received_at must be unix seconds between 1970 and 9999") from None


def _sms(fields: dict[str, str], clock: Clock) -> InboundSMS:
    try:
        to, sender, text = fields["to"], fields["from"], fields["text"]
    except KeyError as exc:
        raise Refused(400, f"bad request: needs to, from and text (missing {exc})") from None
    ref = fields.get("ref") or None
    for name, value in (("to", to), ("from", sender), ("text", text), ("ref", ref or "")):
        # No database stores a NUL or half a surrogate pair (JSON can spell both).
        if "\x00" in value:
            raise Refused(400, f"{name} holds a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Refused(400, f"{name} is not valid Unicode text") from None
    if len(text) > MAX_TEXT:
        raise Refused(413, f"text is longer than {MAX_TEXT} characters (255 segments)")
    if len(ref or "") > MAX_REF:
        raise Refused(400, f"ref is longer than {MAX_REF} characters")
    return InboundSMS(
        to=to,
        sender=sender,
        text=text,
        received_at=_received_at(fields.get("received_at"), clock),
        # A ref is the posting device's own: scoped to the number it received on.
        gateway_ref=f"{normalize_number(to) or to}/{ref}" if ref else None,
    )


def authorized(request: Request, token: str) -> bool:
    """Whether the request carries the gateway token (compared in constant time)."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8", "surrogateescape"), token.encode()
    )


def routes(
    token: str, clock: Clock, sink: Callable[[InboundSMS], Any], *, max_body: int = 262144
) -> list[Route]:
    """The ingest route, answering JSON with what happened to the SMS."""

    async def endpoint(request: Request) -> JSONResponse:
        if not authorized(request, token):
            return JSONResponse({"error": "invalid gateway token"}, status_code=401)
        try:
            sms = _sms(await read_fields(request, max_body), clock)
        except Refused as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        routed = await to_thread(sink, sms)
        if routed is None:
            return JSONResponse({"stored": True, "duplicate": True})
        return JSONResponse(
            {
                "stored": True,
                "duplicate": False,
                "message_id": routed.message_id,
                "status": routed.status.value,
                "activation_id": routed.activation_id,
            }
        )

    return [Route(PATH, endpoint, methods=["POST"])]
