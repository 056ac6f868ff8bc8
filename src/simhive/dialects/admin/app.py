"""The admin API at /admin/v1: the operator's CLI over HTTP (OpenAPI), one router per domain.

No `from __future__ import annotations` here: FastAPI reads these annotations at run time.
"""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from simhive.core.errors import CoreError
from simhive.db.uow import Database
from simhive.dialects.admin import accounts as account_routes
from simhive.dialects.admin import activations as activation_routes
from simhive.dialects.admin import calls as call_routes
from simhive.dialects.admin import clock as clock_routes
from simhive.dialects.admin import events as event_routes
from simhive.dialects.admin import insight as insight_routes
from simhive.dialects.admin import ledger as ledger_routes
from simhive.dialects.admin import numbers as number_routes
from simhive.dialects.admin import rentals as rental_routes
from simhive.dialects.admin import rotation as rotation_routes
from simhive.dialects.admin import services as service_routes
from simhive.dialects.admin import sms as sms_routes
from simhive.dialects.admin import tokens as token_routes
from simhive.dialects.admin.auth import guard_for
from simhive.dialects.admin.errors import from_core, problem
from simhive.observability import request_id
from simhive.settings import Settings

log = logging.getLogger(__name__)


class ProblemOnError:
    """Answer any unexpected error with problem JSON 500 naming the request id; log it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception:
            rid = request_id.get()
            log.exception("admin API request %s failed", rid)
            if started or scope["type"] != "http":
                return
            answer = problem(
                500,
                "internal error",
                f"the server failed to answer; quote request id {rid} to its operator",
                "internal_error",
                request_id=rid,
            )
            await answer(scope, receive, send)


# The largest JSON body an admin route reads.
MAX_BODY_BYTES = 1024 * 1024


def create_admin_app(db: Database, settings: Settings) -> FastAPI:
    """The admin sub-application; every route needs an admin token holding its domain's scope."""
    app = FastAPI(
        title="simhive admin API",
        version="1",
        description="Accounts, money, services, numbers, requests and rentals of every API, "
        "inbound SMS, webhook events, number insight (HLR, fraud check and block list), "
        "access tokens, calls and SIM rotation.",
        # A JSON body is read before the route's token check runs: it is bounded, so a
        # caller without a token cannot fill the server's memory (413 past it). The CSV
        # import sets a larger bound of its own.
        max_body_size=MAX_BODY_BYTES,
    )

    @app.exception_handler(CoreError)
    async def core_error(_: Request, exc: CoreError) -> JSONResponse:
        return from_core(exc)

    @app.exception_handler(IntegrityError)
    async def clash(_: Request, exc: IntegrityError) -> JSONResponse:
        # The rules check uniqueness first; this is a writer that got there meanwhile.
        log.info("admin API: integrity error: %s", exc.orig)
        return problem(409, "conflict", "that clashes with a record written meanwhile", "conflict")

    @app.exception_handler(DataError)
    async def unfit(_: Request, exc: DataError) -> JSONResponse:
        log.warning("admin API: a value the database refused: %s", exc.orig)
        return problem(422, "invalid parameter", "a value does not fit", "invalid_parameter")

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        return problem(422, "invalid request", detail, "invalid_parameter")

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        # Unknown paths and wrong methods answer problem JSON too.
        answer = problem(exc.status_code, str(exc.detail).lower(), str(exc.detail))
        for key, value in (exc.headers or {}).items():
            answer.headers[key] = value
        return answer

    guard = guard_for(db)
    for domain in (
        account_routes,
        ledger_routes,
        service_routes,
        number_routes,
        sms_routes,
        event_routes,
        rental_routes,
        insight_routes,
        token_routes,
        call_routes,
        rotation_routes,
        activation_routes,
    ):
        app.include_router(domain.router(db, guard))
    # Sandbox mode only: each route answers 409 on a deployment without it.
    app.include_router(clock_routes.router(db, guard))

    app.add_middleware(ProblemOnError)
    del settings
    return app
