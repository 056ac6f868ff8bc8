"""`/v1`: the REST API. Each request: HTTP Basic with an access token (through the login
throttle), the account's request limit, then its route's handler in one transaction.

Every answer is JSON: success exactly 200, errors with 003's HTTP status and body.
"""

from __future__ import annotations

import base64
import binascii
import logging
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simhive.core.accounts.service import LoginThrottle
from simhive.core.errors import AuthFailed, CoreError, LoginThrottled, RateLimited
from simhive.core.ratelimits.service import RequestLimiter
from simhive.core.tokens import service as tokens
from simhive.db.uow import Database, to_thread
from simhive.dialects.rest import endpoints, errors, openapi, params
from simhive.observability import API_REQUESTS, request_id

log = logging.getLogger(__name__)

ROUTES: tuple[tuple[str, str, str, endpoints.Handler], ...] = (
    ("POST", "/verify", "verify", endpoints.verify_start),
    ("POST", "/verify/check", "verify.check", endpoints.verify_check),
    ("POST", "/verify/info", "verify.info", endpoints.verify_info),
    ("GET", "/requests/{id}", "requests.get", endpoints.request_get),
    ("POST", "/requests/{id}", "requests.goal", endpoints.request_goal),
    ("POST", "/sms", "sms", endpoints.sms_send),
    ("POST", "/calls/flash", "calls.flash", endpoints.flash_call),
    ("GET", "/insight/hlr", "insight.hlr", endpoints.hlr_lookup),
    ("POST", "/insight/hlr", "insight.hlr", endpoints.hlr_lookup),
    ("POST", "/insight/fraudcheck", "insight.fraudcheck", endpoints.fraud_check),
)


def _json(body: dict[str, Any], status: int = 200, **headers: str) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers or None)


def error_response(error: errors.RestError, detail: str = "", **headers: str) -> JSONResponse:
    if error.status == 401:
        headers.setdefault("www-authenticate", 'Basic realm="simhive"')
    return _json(errors.body(error, detail), error.status, **headers)


def core_response(exc: CoreError) -> JSONResponse:
    error, detail = errors.for_core(exc)
    headers = {}
    if isinstance(exc, RateLimited | LoginThrottled):
        headers["retry-after"] = str(exc.retry_after)
    return error_response(error, detail, **headers)


def credential(request: Request) -> tuple[str, str]:
    """The access token of HTTP Basic auth: `Basic base64(id:secret)`, as 003 shows."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        raise AuthFailed("send the access token as HTTP Basic auth: -u id:secret")
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise AuthFailed("the Authorization header is not valid Basic auth") from exc
    return tokens.split_credential(decoded)


def _authenticate(db: Database, public_id: str, secret: str) -> int:
    with db.uow(write=False) as uow:
        return tokens.authenticate(uow, public_id=public_id, secret=secret).id


class RestApi:
    """The `/v1` routes bound to a database, the login throttle and the request limiter."""

    def __init__(self, db: Database, logins: LoginThrottle, limiter: RequestLimiter) -> None:
        self.db = db
        self.logins = logins
        self.limiter = limiter
        self.max_body = db.settings.rest_max_body_bytes

    async def _account(self, request: Request) -> int:
        """The account of the request's token; a wrong token counts as a failed login.

        Failures are counted per client address only: a token's id is no secret, and
        counting per id would let anyone who saw one lock its owner out (the other
        dialects' API keys likewise keep working while a user's passwords are throttled).
        """
        public_id, secret = credential(request)
        address = request.client.host if request.client else "-"
        self.logins.admit(address=address)
        try:
            return await to_thread(_authenticate, self.db, public_id, secret)
        except AuthFailed:
            self.logins.failed(address=address)
            raise

    def endpoint(self, name: str, handler: endpoints.Handler) -> Any:
        async def run(request: Request) -> Response:
            outcome = "ok"
            try:
                account_id = await self._account(request)
                await to_thread(self.limiter.hit, account_id)
                fields = await params.read(request, self.max_body)
                path = {k: str(v) for k, v in request.path_params.items()}
                status, body = await to_thread(handler, self.db, account_id, fields, path)
                return _json(body, status)
            except params.BadBody as exc:
                outcome = "bad_body"
                return error_response(errors.INVALID, str(exc))
            except CoreError as exc:
                outcome = exc.code.value
                return core_response(exc)
            except Exception:
                outcome = "server_error"
                rid = request_id.get()
                log.exception("REST %s failed (request %s)", name, rid)
                return error_response(errors.SERVER, f"quote request id {rid} to the operator")
            finally:
                API_REQUESTS.labels("rest", name, outcome).inc()

        return run


def create_rest_app(db: Database, logins: LoginThrottle, limiter: RequestLimiter) -> Starlette:
    """The sub-application mounted at `/v1`."""
    api = RestApi(db, logins, limiter)
    by_path: dict[str, dict[str, Any]] = {}
    for method, path, name, handler in ROUTES:
        by_path.setdefault(path, {})[method] = api.endpoint(name, handler)

    def dispatch(methods: dict[str, Any]) -> Any:
        async def route(request: Request) -> Response:
            handler = methods.get(request.method) or methods["GET"]  # HEAD answers as GET
            return await handler(request)  # type: ignore[no-any-return]

        return route

    routes = [Route(path, dispatch(m), methods=list(m)) for path, m in by_path.items()]

    async def describe(_: Request) -> Response:
        return _json(openapi.document())

    routes.append(Route("/openapi.json", describe, methods=["GET"]))

    async def not_found(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        detail = "no such method here" if exc.status_code == 405 else "no such path under /v1"
        answer = _json(errors.body(errors.INVALID, detail), exc.status_code)
        for key, value in (exc.headers or {}).items():
            answer.headers[key] = value
        return answer

    return Starlette(routes=routes, exception_handlers={HTTPException: not_found})
