"""`/api_command.php`, GET and POST: parse, authenticate, run one transaction, answer HTTP 200."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simhive.core.activations import queries
from simhive.core.errors import CoreError, InvalidParameter, MissingParameter
from simhive.db.fastread import FastReader
from simhive.db.uow import Database, to_thread
from simhive.dialects.command import commands, render
from simhive.dialects.command.errors import message_for
from simhive.observability import API_REQUESTS, request_id

log = logging.getLogger(__name__)

PATH = "/api_command.php"


def run(db: Database, p: Mapping[str, str]) -> tuple[str, str, str]:
    """Run one command; returns (command, outcome, body). Never raises."""
    name = (p.get("cmd") or "").strip()
    try:
        if not name:
            raise MissingParameter("cmd")
        for key, value in p.items():
            # No database stores a NUL in text; refuse it as bad input, not a server error.
            if "\x00" in value or len(value) > 4096:
                raise InvalidParameter(key, value.replace("\x00", "")[:64])
        handler, writes = commands.lookup(name)
        with db.uow(write=writes) as uow:
            account = commands.authenticate(uow, p)
            result = handler(uow, account, p)
        return name, "ok", render.ok(result)
    except Exception as exc:
        return _error(name or "-", exc)


def _error(name: str, exc: Exception) -> tuple[str, str, str]:
    if isinstance(exc, CoreError):
        return name, exc.code.value, render.error(message_for(exc))
    log.exception("command %s failed", name, exc_info=exc)
    return name, "server_error", render.error(f"Internal server error (request {request_id.get()})")


async def fast_status(
    db: Database, reader: FastReader, p: Mapping[str, str]
) -> tuple[str, str, str]:
    """`request_status` by API key: what clients poll, so one statement and no thread hop."""
    try:
        sql, order = queries.status_sql(db.engine.dialect)
        params = queries.status_params(api_key=p["api_key"], activation_id=p["id"])
        row = await reader.first(sql, order, params)
        read = queries.status_from_row(row, user=p.get("user") or "", now=db.clock.now())
        return "request_status", "ok", render.ok(commands.status_entry(read))
    except Exception as exc:
        return _error("request_status", exc)


def _params(request: Request, form: Mapping[str, str] | None) -> dict[str, str]:
    merged = dict(request.query_params)
    if form:
        merged.update(form)
    return merged


def routes(db: Database, reader: FastReader) -> list[Route]:
    """The command API's routes, bound to a database."""

    async def endpoint(request: Request) -> Response:
        form: dict[str, str] | None = None
        if request.method == "POST":
            try:
                data = await request.form()
                form = {k: v for k, v in data.items() if isinstance(v, str)}
            except Exception:
                form = None
        p = _params(request, form)
        if p.get("cmd") == "request_status" and all(
            (p.get(k) or "").strip() for k in ("user", "api_key", "id")
        ):
            name, outcome, body = await fast_status(db, reader, p)
        else:
            name, outcome, body = await to_thread(run, db, p)
        API_REQUESTS.labels(
            "command", name if name in commands.COMMANDS else "other", outcome
        ).inc()
        # DESIGN.md: every answer is HTTP 200 with the JSON envelope, errors included.
        return Response(body, media_type="application/json")

    return [Route(PATH, endpoint, methods=["GET", "POST"])]
