"""The admin API at /admin/v1: the operator's CLI over HTTP (OpenAPI), one router per domain.

No `from __future__ import annotations` here: FastAPI reads these annotations at run time.
"""

from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from simhive.core.accounts import service as accounts
from simhive.core.errors import AuthFailed, CoreError
from simhive.db.uow import Database
from simhive.dialects.admin import accounts as account_routes
from simhive.dialects.admin import events as event_routes
from simhive.dialects.admin import numbers as number_routes
from simhive.dialects.admin import services as service_routes
from simhive.dialects.admin import sms as sms_routes
from simhive.dialects.admin.errors import from_core, problem
from simhive.settings import Settings


def create_admin_app(db: Database, settings: Settings) -> FastAPI:
    """The admin sub-application; every route needs an admin's API key as a Bearer token."""
    app = FastAPI(
        title="simhive admin API",
        version="1",
        description="Accounts, money, services, numbers, inbound SMS and webhook events.",
    )
    bearer = HTTPBearer(auto_error=False)

    def admin(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        if credentials is None:
            raise AuthFailed()
        with db.uow(write=False) as uow:
            accounts.require_admin(accounts.authenticate_key(uow, api_key=credentials.credentials))

    @app.exception_handler(CoreError)
    async def core_error(_: Request, exc: CoreError) -> JSONResponse:
        return from_core(exc)

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

    guarded = [Depends(admin)]
    for domain in (account_routes, service_routes, number_routes, sms_routes, event_routes):
        app.include_router(domain.router(db), dependencies=guarded)

    del settings
    return app
