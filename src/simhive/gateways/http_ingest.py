"""The HTTP ingest gateway: phones and modem banks post inbound SMS to `/gateway/v1/sms`.

Form or JSON fields `to`, `from`, `text`, optional `ref` (the sender's own id
for the SMS: posting the same `ref` again stores nothing new, so a gateway can
retry safely after a timeout) and `received_at` (unix seconds). Auth is
`Authorization: Bearer <SIMHIVE_INGEST_TOKEN>`.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from simhive.db.uow import to_thread
from simhive.gateways.base import InboundSMS
from simhive.kit.clock import Clock

PATH = "/gateway/v1/sms"


async def _fields(request: Request) -> dict[str, str]:
    if request.headers.get("content-type", "").startswith("application/json"):
        data = json.loads(await request.body() or b"{}")
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        return {k: str(v) for k, v in data.items() if v is not None}
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _received_at(raw: str | None, clock: Clock) -> datetime:
    if not raw:
        return clock.now()
    return datetime.fromtimestamp(float(raw), tz=UTC)


def routes(token: str, clock: Clock, sink: Callable[[InboundSMS], Any]) -> list[Route]:
    """The ingest route, answering JSON with what happened to the SMS."""

    async def endpoint(request: Request) -> JSONResponse:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return JSONResponse({"error": "invalid gateway token"}, status_code=401)
        try:
            fields = await _fields(request)
            sms = InboundSMS(
                to=fields["to"],
                sender=fields["from"],
                text=fields["text"],
                received_at=_received_at(fields.get("received_at"), clock),
                gateway_ref=fields.get("ref") or None,
            )
            if len(sms.gateway_ref or "") > 128 or "\x00" in sms.text + sms.to + sms.sender:
                raise ValueError("ref longer than 128 characters, or a NUL character")
        except (KeyError, ValueError, OverflowError) as exc:
            return JSONResponse(
                {"error": f"bad request: needs to, from and text ({exc})"}, status_code=400
            )
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
