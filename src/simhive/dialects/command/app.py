"""`/api_command.php`, GET and POST: parse, authenticate, run one transaction, answer HTTP 200."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simhive.core.errors import CoreError, MissingParameter
from simhive.db.uow import Database
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
        handler, writes = commands.lookup(name)
        with db.uow(write=writes) as uow:
            account = commands.authenticate(uow, p)
            result = handler(uow, account, p)
        return name, "ok", render.ok(result)
    except CoreError as exc:
        return name or "-", exc.code.value, render.error(message_for(exc))
    except Exception:
        rid = request_id.get()
        log.exception("command %s failed", name)
        return name or "-", "server_error", render.error(f"Internal server error (request {rid})")


def _params(request: Request, form: Mapping[str, str] | None) -> dict[str, str]:
    merged = dict(request.query_params)
    if form:
        merged.update(form)
    return merged


def routes(db: Database) -> list[Route]:
    """The command API's routes, bound to a database."""

    async def endpoint(request: Request) -> Response:
        form: dict[str, str] | None = None
        if request.method == "POST":
            try:
                data = await request.form()
                form = {k: v for k, v in data.items() if isinstance(v, str)}
            except Exception:
                form = None
        name, outcome, body = await run_in_threadpool(run, db, _params(request, form))
        API_REQUESTS.labels(
            "command", name if name in commands.COMMANDS else "other", outcome
        ).inc()
        # DESIGN.md: every answer is HTTP 200 with the JSON envelope, errors included.
        return Response(body, media_type="application/json")

    return [Route(PATH, endpoint, methods=["GET", "POST"])]
