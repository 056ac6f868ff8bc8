"""create_app: one ASGI app that mounts every dialect on one core."""

from __future__ import annotations

import functools
import hmac
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from simhive import __version__
from simhive.core.accounts.service import LoginThrottle
from simhive.core.activations.models import OPEN_STATUSES, Activation
from simhive.core.events import service as events
from simhive.core.ratelimits.service import RequestLimiter
from simhive.core.sandbox.reader import sandbox_clock
from simhive.db.engine import make_engine
from simhive.db.fastread import FastReader
from simhive.db.uow import Database
from simhive.dialects.command.app import PATH as COMMAND_PATH
from simhive.dialects.command.app import poll as command_poll
from simhive.dialects.command.app import routes as command_routes
from simhive.dialects.order.app import PREFIX as ORDER_PREFIX
from simhive.dialects.order.app import poll as order_poll
from simhive.dialects.order.app import routes as order_routes
from simhive.gateways.http_ingest import routes as ingest_routes
from simhive.gateways.http_slots import SlotReports
from simhive.gateways.http_slots import routes as slot_routes
from simhive.kit import heap
from simhive.kit.clock import Clock, SystemClock
from simhive.observability import DATABASE_GAUGES, REGISTRY, new_request_id, request_id
from simhive.operations import numbers as number_ops
from simhive.operations import rotation as rotation_ops
from simhive.settings import Settings
from simhive.worker.inbound import Sink
from simhive.worker.runner import Worker

log = logging.getLogger(__name__)

_PRINTABLE = re.compile(rb"[\x21-\x7e]+")


def _request_id(scope: Scope) -> str:
    incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"")
    # Only visible ASCII goes into logs and back into a header; anything else gets our own id.
    return incoming[:64].decode() if _PRINTABLE.fullmatch(incoming) else new_request_id()


class RequestIdMiddleware:
    """Give every request an id (or keep the caller's), for logs and the `x-request-id` header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _request_id(scope)
        token = request_id.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


Poll = Callable[[Mapping[str, str]], Awaitable[tuple[bytes, str] | None]]


class App(FastAPI):
    """The app, answering polls before its middleware and routing.

    Clients poll `request_status` (the command API) and `getsms` (the order API) every
    few seconds for every open request, so most requests are polls, and the framework's
    middleware and routing cost a poll more CPU than its one read (BENCHMARKS.md, "Polls
    before the framework"). A GET to a polling path goes to that dialect's `poll`, which
    answers it, or declines and the GET goes through the framework as any other request.
    The routes answer a POSTed poll with the same `poll`, and the answer here carries the
    same headers as theirs, the request id included. What FastAPI itself
    adds around a request (its own OpenTelemetry spans, when they are turned on) does not
    see the polls; simhive's counters and logs do.
    """

    polls: Mapping[str, Poll] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            poll = self.polls.get(_route_path(scope))
            if poll is not None and await _answered(poll, scope, send):
                return
        await super().__call__(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The path the routes see: behind a proxy's `root_path`, at a `/`, as Starlette strips it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] == "/":
        return path[len(root) :]
    return path


async def _answered(poll: Poll, scope: Scope, send: Send) -> bool:
    # As Starlette reads a query string (`Request.query_params`): the last value of a name wins.
    query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
    rid = _request_id(scope)
    token = request_id.set(rid)
    try:
        answer = await poll(query)
    finally:
        request_id.reset(token)
    if answer is None:
        return False
    body, media_type = answer
    headers = [
        (b"content-length", str(len(body)).encode()),
        (b"content-type", media_type.encode()),
        (b"x-request-id", rid.encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
    return True


def clock_from(settings: Settings) -> Clock:
    """The production clock: the wall clock, or in sandbox mode the sandbox clock."""
    if settings.sandbox:
        return sandbox_clock(settings.database_url, refresh_s=settings.sandbox_clock_refresh_s)
    return SystemClock()


def database_from(settings: Settings, clock: Clock | None = None) -> Database:
    """The Database for the configured URL, on `clock` or the one the settings call for."""
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    return Database(engine, clock or clock_from(settings), settings)


def _gauges(db: Database) -> tuple[dict[str, int], int]:
    """Open activations by state (through the status index) and the outbox backlog."""
    with db.uow(write=False) as uow:
        rows = uow.session.execute(
            select(Activation.status, func.count())
            # Closed activations only pile up: their totals come from counters, not a scan.
            .where(Activation.status.in_(OPEN_STATUSES))
            .group_by(Activation.status)
        ).all()
        by_state = {s.value: 0 for s in OPEN_STATUSES}
        by_state.update({str(status): int(n) for status, n in rows})
        return by_state, events.backlog(uow)


def login_throttle(settings: Settings, clock: Clock) -> LoginThrottle:
    """Failed password logins counted as the settings say."""
    return LoginThrottle(
        per_user=settings.login_failures_per_user,
        per_address=settings.login_failures_per_address,
        window_s=settings.login_failure_window_s,
        storage=settings.rate_limit_storage,
        clock=clock,
    )


def slot_reports(db: Database) -> SlotReports:
    """What a SIM bank reports over HTTP, run as the operator's own use cases."""

    def set_status(mdn: str, online: bool) -> tuple[str, bool, bool]:
        info = number_ops.set_number_online(db, mdn=mdn, online=online)
        return info.mdn, info.online, info.held

    return SlotReports(
        set_slots=lambda gateway, slots, window_s: rotation_ops.report_slots(
            db, gateway=gateway, slots=slots, window_s=window_s
        ),
        in_slots=lambda gateway: rotation_ops.in_slots(db, gateway=gateway),
        set_status=set_status,
    )


def create_app(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
    worker: Worker | None = None,
    gateways: Mapping[str, Any] | None = None,
    run_worker: bool = True,
    logins: LoginThrottle | None = None,
    settle_heap: bool = False,
) -> FastAPI:
    """Build the app; with `run_worker`, the worker runs in this process (the embedded default).

    `settle_heap` is for a process that serves only this app: once it has started, what
    it built is frozen out of the garbage collector's way (see `kit.heap`).
    """
    db = db or database_from(settings, clock)
    logins = logins or login_throttle(settings, db.clock)
    if run_worker and worker is None:
        worker = Worker(db, gateways=gateways)
    if worker is not None:
        db.outbox_hook = worker.wake
        db.outbox_handoff = worker

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if run_worker and worker is not None:
            worker.start()
        if settle_heap:
            heap.settle()
        try:
            yield
        finally:
            await reader.close()
            if run_worker and worker is not None:
                worker.stop()

    app = App(
        title="simhive",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.db = db
    app.state.settings = settings
    app.state.worker = worker
    reader = FastReader(db.engine, pool_size=settings.db_pool_size)
    for route in command_routes(db, reader, logins):
        app.router.routes.append(route)
    for route in order_routes(db, reader):
        app.router.routes.append(route)
    app.polls = {
        COMMAND_PATH: functools.partial(command_poll, db, reader),
        ORDER_PREFIX + "getsms": functools.partial(order_poll, db, reader),
    }
    if settings.ingest_token:
        sink = Sink(db, "http")
        limit = settings.ingest_max_body_bytes
        for route in ingest_routes(settings.ingest_token, db.clock, sink, max_body=limit):
            app.router.routes.append(route)
        for route in slot_routes(settings.ingest_token, slot_reports(db), max_body=limit):
            app.router.routes.append(route)

    from simhive.dialects.admin.app import create_admin_app
    from simhive.dialects.rest.app import create_rest_app

    app.mount("/admin/v1", create_admin_app(db, settings))
    limiter = RequestLimiter(db, rate=settings.rest_rate_limit, redis_url=settings.redis_url)
    app.mount("/v1", create_rest_app(db, logins, limiter))

    @app.get("/livez", include_in_schema=False)
    async def livez() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        try:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:
            log.warning("health check failed: %s", exc)
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": db.dialect, "version": __version__})

    if settings.metrics_enabled:
        DATABASE_GAUGES.read = lambda: _gauges(db)

        @app.get("/metrics", include_in_schema=False)
        def metrics(request: Request) -> Response:
            if settings.metrics_token and not _bearer_matches(request, settings.metrics_token):
                return JSONResponse(
                    {"error": "metrics need Authorization: Bearer <SIMHIVE_METRICS_TOKEN>"},
                    status_code=401,
                    headers={"www-authenticate": "Bearer"},
                )
            return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(RequestIdMiddleware)
    return app


def _bearer_matches(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8", "surrogateescape"), token.encode()
    )


def from_env() -> FastAPI:
    """The app as `simhive serve` builds it (`uvicorn --factory simhive.app:from_env`)."""
    from simhive.gateways.registry import build_gateways

    settings = Settings()
    clock = clock_from(settings)
    run_worker = settings.serve_worker
    gateways = build_gateways(settings, clock) if run_worker else {}
    return create_app(
        settings, clock=clock, gateways=gateways, run_worker=run_worker, settle_heap=True
    )
