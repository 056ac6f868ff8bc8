"""SIM banks over HTTP: a bank reports its modem slots and its SIMs coming online or going
offline, and reads which of its numbers to hold in the slots now (simhive turns them).

Same token as `/gateway/v1/sms` (`Authorization: Bearer <SIMHIVE_INGEST_TOKEN>`), form or
JSON fields, JSON answers; a refused report answers 400 (404 for an unknown number or a
gateway without slots) as `{"error": ...}` and changes nothing.

- `POST /gateway/v1/slots`: `gateway`, `slots`, optional `window_s` (seconds each number
  stays online; omitted, the gateway keeps its window). Answers the gateway's slots.
- `GET /gateway/v1/slots?gateway=NAME`: the slots and `numbers`, `[{"mdn", "until"}]`, the
  numbers to hold in them now, `until` the unix time a window ends (null: none planned).
- `POST /gateway/v1/status`: `mdn`, `online` (`1` / `0`, `true` / `false`): a SIM came
  into a slot or dropped out of one (offline holds it out of rotation until it is back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from simhive.core.errors import CoreError, ErrorCode
from simhive.core.rotation.service import SlotsView
from simhive.db.uow import to_thread
from simhive.gateways.http_ingest import Refused, authorized, read_fields

SLOTS_PATH = "/gateway/v1/slots"
STATUS_PATH = "/gateway/v1/status"

_TRUE = {"1", "true"}
_FALSE = {"0", "false"}


@dataclass(frozen=True)
class SlotReports:
    """What the app lets a SIM bank do (the operator's use cases, given by the app)."""

    set_slots: Callable[[str, int, int | None], SlotsView]
    in_slots: Callable[[str], tuple[SlotsView, list[tuple[str, datetime | None]]]]
    # mdn, online -> (mdn, online, held) as recorded
    set_status: Callable[[str, bool], tuple[str, bool, bool]]


def _whole(fields: dict[str, str], name: str) -> int | None:
    raw = fields.get(name, "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise Refused(400, f"{name} must be a whole number")
    return int(raw)


def _text(raw: str, name: str, limit: int) -> str:
    """A gateway name or an MDN as posted: printable and short, else refused (a NUL, which
    PostgreSQL refuses to store, or a megabyte echoed back in the error)."""
    value = raw.strip()
    if not value or len(value) > limit or not value.isprintable():
        raise Refused(400, f"{name} must be 1 to {limit} printable characters")
    return value


def _online(fields: dict[str, str]) -> bool:
    value = fields.get("online", "").strip().lower()
    if value not in _TRUE | _FALSE:
        raise Refused(400, "online must be 1 or 0 (true or false)")
    return value in _TRUE


def _unix(when: datetime | None) -> int | None:
    return int(when.timestamp()) if when is not None else None


def _slots(view: SlotsView) -> dict[str, Any]:
    return {
        "gateway": view.gateway,
        "slots": view.slots,
        "window_s": view.window_s,
        "online": view.online,
        "waiting": view.waiting,
        "held": view.held,
    }


async def _answer(call: Callable[[], dict[str, Any]]) -> JSONResponse:
    """The call's answer; a rule that says no is the gateway's 400 (404: nothing there)."""
    try:
        return JSONResponse(await to_thread(call))
    except CoreError as exc:
        status = 404 if exc.code == ErrorCode.NOT_FOUND else 400
        return JSONResponse({"error": exc.detail or exc.code.value}, status_code=status)


def routes(token: str, reports: SlotReports, *, max_body: int = 262144) -> list[Route]:
    """The SIM bank routes."""

    async def slots(request: Request) -> JSONResponse:
        if not authorized(request, token):
            return JSONResponse({"error": "invalid gateway token"}, status_code=401)
        if request.method == "GET":
            try:
                gateway = _text(request.query_params.get("gateway", ""), "gateway", 64)
            except Refused as exc:
                return JSONResponse({"error": exc.message}, status_code=exc.status)

            def plan() -> dict[str, Any]:
                view, numbers = reports.in_slots(gateway)
                held = [{"mdn": mdn, "until": _unix(until)} for mdn, until in numbers]
                return {**_slots(view), "numbers": held}

            return await _answer(plan)
        try:
            fields = await read_fields(request, max_body)
            count = _whole(fields, "slots")
            if count is None or "gateway" not in fields:
                raise Refused(400, "bad request: needs gateway and slots")
            window = _whole(fields, "window_s")
            gateway = _text(fields["gateway"], "gateway", 64)
        except Refused as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        return await _answer(lambda: _slots(reports.set_slots(gateway, count, window)))

    async def status(request: Request) -> JSONResponse:
        if not authorized(request, token):
            return JSONResponse({"error": "invalid gateway token"}, status_code=401)
        try:
            fields = await read_fields(request, max_body)
            if "mdn" not in fields:
                raise Refused(400, "bad request: needs mdn and online")
            online = _online(fields)
            mdn = _text(fields["mdn"], "mdn", 32)
        except Refused as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)

        def record() -> dict[str, Any]:
            number, now_online, held = reports.set_status(mdn, online)
            return {"mdn": number, "online": now_online, "held": held}

        return await _answer(record)

    return [
        Route(SLOTS_PATH, slots, methods=["GET", "POST"]),
        Route(STATUS_PATH, status, methods=["POST"]),
    ]
