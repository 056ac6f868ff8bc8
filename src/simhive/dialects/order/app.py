"""`/api/...` (002), GET and POST: parse, authenticate by `key`, one transaction, HTTP 200."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simhive.core.accounts import service as accounts
from simhive.core.activations import order_queries
from simhive.core.errors import CoreError
from simhive.db.fastread import FastReader
from simhive.db.uow import Database, to_thread
from simhive.dialects.order import params, render
from simhive.dialects.order.endpoints import ENDPOINTS, Answer, Endpoint
from simhive.dialects.order.errors import token_for
from simhive.kit import bodies
from simhive.observability import API_REQUESTS

log = logging.getLogger(__name__)

PREFIX = "/api/"

# 002's calls have at most four parameters of a few characters; a body far past that is refused.
# The body is bounded before it is parsed (the form parser does not count empty fields).
MAX_FIELDS = 64
MAX_FIELD_BYTES = 16 * 1024
MAX_BODY = 64 * 1024

TEXT = "text/plain; charset=utf-8"
JSON = "application/json"


def run(db: Database, name: str, endpoint: Endpoint, p: Mapping[str, str]) -> tuple[str, Answer]:
    """Run one call in one transaction; returns (outcome, answer). Never raises."""
    try:
        params.check_values(p)
        key = params.key(p)
        with db.uow(write=endpoint.writes) as uow:
            account = accounts.authenticate_key(uow, api_key=key)
            return "ok", endpoint.handler(uow, account, p)
    except CoreError as exc:
        return exc.code.value, Answer(token_for(exc, rental=endpoint.rental))
    except Exception:
        # The body stays a token clients can compare; the request id is in x-request-id.
        log.exception("order API call %s failed", name)
        return "server_error", Answer("SERVER_ERROR")


def _pollable(p: Mapping[str, str]) -> bool:
    """`getsms` with a key and an order id, and no value the general path would refuse."""
    try:
        params.check_values(p)
    except CoreError:
        return False
    return bool(params.text(p, "key") and params.text(p, "orderId"))


async def fast_getsms(db: Database, reader: FastReader, p: Mapping[str, str]) -> tuple[str, Answer]:
    """`getsms`, what 002's clients poll: one statement, no thread hop, no transaction."""
    try:
        sql, order = order_queries.getsms_sql(reader.dialect)
        values = order_queries.getsms_params(key=p["key"], order_id=p["orderId"])
        row = await reader.first(sql, order, values)
        view = order_queries.getsms_from_row(row, now=db.clock.now())
        return "ok", Answer(render.sms(view))
    except CoreError as exc:
        return exc.code.value, Answer(token_for(exc))
    except Exception:
        log.exception("order API call getsms failed")
        return "server_error", Answer("SERVER_ERROR")


async def poll(db: Database, reader: FastReader, p: Mapping[str, str]) -> tuple[bytes, str] | None:
    """A `getsms` poll's body and media type, counted; None for anything else."""
    if not _pollable(p):
        return None
    outcome, answer = await fast_getsms(db, reader, p)
    API_REQUESTS.labels("order", "getsms", outcome).inc()
    return answer.body.encode(), JSON if answer.json else TEXT


async def _params(request: Request) -> dict[str, str] | None:
    """Query and form parameters merged, the form winning; None for a body that cannot be read."""
    merged = dict(request.query_params)
    if request.method == "POST":
        try:
            body = await bodies.read(request, MAX_BODY)
            form = await bodies.form(
                request, body, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES
            )
        except Exception:  # too large, too many fields, a field too large, or not a form
            return None
        merged.update({k: v for k, v in form.items() if isinstance(v, str)})
    return merged


def _answer(answer: Answer, status_code: int = 200, **headers: str) -> Response:
    media = JSON if answer.json else TEXT
    return Response(answer.body, status_code=status_code, headers=headers, media_type=media)


def routes(db: Database, reader: FastReader) -> list[Route]:
    """The order API's routes, bound to a database (and its fast reader, for `getsms`)."""

    def bind(name: str, endpoint: Endpoint) -> Route:
        async def call(request: Request) -> Response:
            if request.method == "HEAD":
                # Starlette answers HEAD with the GET endpoint; an order must never be made for it.
                return _answer(Answer("METHOD_NOT_ALLOWED"), 405, allow="GET, POST")
            p = await _params(request)
            # 002: "The server will always give status code 200".
            polled = await poll(db, reader, p) if p is not None and name == "getsms" else None
            if polled is not None:
                content, media_type = polled
                return Response(content, media_type=media_type)
            if p is None:
                outcome, answer = "bad_body", Answer("BAD_REQUEST")
            else:
                outcome, answer = await to_thread(run, db, name, endpoint, p)
            API_REQUESTS.labels("order", name, outcome).inc()
            return _answer(answer)

        return Route(PREFIX + name, call, methods=["GET", "POST"])

    return [bind(name, endpoint) for name, endpoint in ENDPOINTS.items()]
