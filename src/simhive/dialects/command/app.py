"""`/api_command.php`, GET and POST: parse, authenticate, run one transaction, answer HTTP 200."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simhive.core.accounts import service as accounts
from simhive.core.activations import queries
from simhive.core.errors import CoreError, MissingParameter
from simhive.db.fastread import FastReader
from simhive.db.uow import Database, to_thread
from simhive.dialects.command import commands, params, render
from simhive.dialects.command.errors import message_for
from simhive.kit import bodies
from simhive.observability import API_REQUESTS, request_id

log = logging.getLogger(__name__)

PATH = "/api_command.php"

# A command has a dozen parameters of at most 4096 characters; a body far past that is refused,
# before it is parsed (an empty field is not counted by the form parser's field limit).
MAX_FIELDS = 64
MAX_FIELD_BYTES = 16 * 1024
MAX_BODY = 64 * 1024

P = ParamSpec("P")
R = TypeVar("R")

# argon2 takes ~100 ms of CPU on purpose: it runs on threads of its own, so password
# guesses queue here and never hold a database thread, connection or the writer lock.
_hashing = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")


async def _off_loop(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    call = functools.partial(fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_hashing, call)


def _read_login(db: Database, user: str) -> accounts.PasswordLogin:
    with db.uow(write=False) as uow:
        return accounts.password_login(uow, user=user)


async def _password_account(
    db: Database, logins: accounts.LoginThrottle, user: str, password: str, address: str
) -> int:
    """Check a password before any transaction opens: a short read, then argon2 on its own."""
    logins.admit(address=address)
    login = await to_thread(_read_login, db, user)
    logins.admit(address=address, login=login)
    return await _off_loop(logins.check, login, password, address=address)


def run(
    db: Database, p: Mapping[str, str], *, account_id: int | None = None
) -> tuple[str, str, str]:
    """Run one command in one transaction; returns (command, outcome, body). Never raises.

    `account_id` is the account a password was checked for, before this transaction.
    """
    name = (p.get("cmd") or "").strip()
    try:
        if not name:
            raise MissingParameter("cmd")
        params.check_values(p)
        handler, writes = commands.lookup(name)
        with db.uow(write=writes) as uow:
            account = commands.authenticate(uow, p, account_id=account_id)
            params.check_id(p)
            result = handler(uow, account, p)
        return name, "ok", render.ok(result)
    except Exception as exc:
        return _error(name or "-", exc)


async def execute(
    db: Database, logins: accounts.LoginThrottle, p: Mapping[str, str], *, address: str
) -> tuple[str, str, str]:
    """Check the input, then a password if one is given, then run the command."""
    name = (p.get("cmd") or "").strip()
    account_id: int | None = None
    try:
        if not name:
            raise MissingParameter("cmd")
        params.check_values(p)
        commands.lookup(name)
        login = commands.password_login(p)
        if login is not None:
            account_id = await _password_account(db, logins, *login, address=address)
    except Exception as exc:
        return _error(name or "-", exc)
    return await to_thread(run, db, p, account_id=account_id)


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
        sql, order = queries.status_sql(reader.dialect)
        params = queries.status_params(api_key=p["api_key"], activation_id=p["id"])
        row = await reader.first(sql, order, params)
        read = queries.status_from_row(row, user=p.get("user") or "", now=db.clock.now())
        return "request_status", "ok", render.ok(commands.status_entry(read))
    except Exception as exc:
        return _error("request_status", exc)


def pollable(p: Mapping[str, str]) -> bool:
    """`request_status` with everything `fast_status` needs."""
    return p.get("cmd") == "request_status" and all(
        (p.get(k) or "").strip() for k in ("user", "api_key", "id")
    )


async def poll(db: Database, reader: FastReader, p: Mapping[str, str]) -> tuple[bytes, str] | None:
    """A `request_status` poll's body and media type, counted; None for anything else."""
    if not pollable(p):
        return None
    name, outcome, body = await fast_status(db, reader, p)
    API_REQUESTS.labels("command", name, outcome).inc()
    return body.encode(), "application/json"


class BadBody(Exception):
    """A form body the parser refused (too many fields, a field too large, malformed)."""


async def _form(request: Request) -> dict[str, str] | None:
    if request.method != "POST":
        return None
    try:
        body = await bodies.read(request, MAX_BODY)
        data = await bodies.form(
            request, body, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES
        )
    except bodies.TooLarge as exc:
        raise BadBody(f"{exc}") from exc
    except HTTPException as exc:
        raise BadBody(exc.detail) from exc
    except Exception as exc:
        raise BadBody("it could not be parsed") from exc
    return {k: v for k, v in data.items() if isinstance(v, str)}


def _params(request: Request, form: Mapping[str, str] | None) -> dict[str, str]:
    merged = dict(request.query_params)
    if form:
        merged.update(form)
    return merged


def _answer(body: str, status_code: int = 200, **headers: str) -> Response:
    return Response(body, status_code=status_code, headers=headers, media_type="application/json")


def routes(db: Database, reader: FastReader, logins: accounts.LoginThrottle) -> list[Route]:
    """The command API's routes, bound to a database."""

    async def endpoint(request: Request) -> Response:
        if request.method == "HEAD":
            # Starlette answers HEAD with the GET endpoint; a command must never run for it.
            return _answer(render.error("Use GET or POST"), 405, allow="GET, POST")
        try:
            p = _params(request, await _form(request))
        except BadBody as exc:
            API_REQUESTS.labels("command", "other", "bad_body").inc()
            return _answer(render.error(f"Invalid request body: {exc}"))
        # DESIGN.md: every answer is HTTP 200 with the JSON envelope, errors included.
        # A POSTed poll; a GET one was answered before the framework (`simhive.app.App`).
        polled = await poll(db, reader, p)
        if polled is not None:
            content, media_type = polled
            return Response(content, media_type=media_type)
        address = request.client.host if request.client else "-"
        name, outcome, body = await execute(db, logins, p, address=address)
        API_REQUESTS.labels(
            "command", name if name in commands.COMMANDS else "other", outcome
        ).inc()
        return _answer(body)

    return [Route(PATH, endpoint, methods=["GET", "POST"])]
