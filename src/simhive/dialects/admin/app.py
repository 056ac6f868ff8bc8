"""The admin API at /admin/v1: the operator's CLI over HTTP, for admin accounts (OpenAPI).

No `from __future__ import annotations` here: FastAPI reads these annotations at run time.
"""

from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from simhive import ops
from simhive.core.accounts import service as accounts
from simhive.core.accounts.models import StatusShape
from simhive.core.errors import AuthFailed, CoreError
from simhive.core.events.models import EventStatus
from simhive.db.uow import Database
from simhive.dialects.admin.errors import from_core, problem
from simhive.kit.money import format_amount
from simhive.settings import Settings


class AccountCreate(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    email: str
    password: str = Field(min_length=8)
    admin: bool = False


class AccountView(BaseModel):
    id: int
    username: str
    email: str
    role: str
    active: bool
    webhook_url: str | None
    webhook_secret: str
    status_shape: str
    balance: str
    available: str


class AccountCreated(AccountView):
    api_key: str = Field(description="Shown this once; only its hash is stored.")


class AccountUpdate(BaseModel):
    webhook_url: str | None = None
    clear_webhook: bool = False
    status_shape: StatusShape | None = None
    active: bool | None = None


class Credit(BaseModel):
    amount: Decimal = Field(description="Two decimals at most; negative takes funds away.")
    memo: str | None = None


class ServiceSet(BaseModel):
    price: Decimal | None = None
    ltr_price: Decimal | None = None
    ltr_short_price: Decimal | None = None
    order_id: int | None = None


class ServiceView(BaseModel):
    name: str
    price: str
    ltr_price: str
    ltr_short_price: str
    order_id: int | None


class NumbersAdd(BaseModel):
    count: int = Field(ge=1, le=100_000)
    state: str | None = None
    areacode: str | None = None


class NumberView(BaseModel):
    mdn: str
    state: str
    area_code: str
    carrier: str
    gateway: str
    online: bool
    leased: bool


class NumberUpdate(BaseModel):
    online: bool


class ImportView(BaseModel):
    added: int
    duplicates: int
    errors: list[str]


class SmsInject(BaseModel):
    to: str
    sender: str = Field(alias="from")
    text: str


class SmsView(BaseModel):
    duplicate: bool
    message_id: int | None = None
    status: str | None = None
    activation_id: int | None = None
    service: str | None = None


class EventView(BaseModel):
    id: int
    webhook_id: str
    event_type: str
    target: str
    status: str
    attempts: int
    last_error: str | None


CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": (
                    "mdn,carrier,state,area_code,gateway,online\n"
                    "12125550123,ATT,NY,212,simulator,1\n"
                ),
            }
        },
    }
}


def _account(info: ops.AccountInfo) -> dict[str, Any]:
    data = dict(info.__dict__)
    data["balance"] = format_amount(info.balance)
    data["available"] = format_amount(info.available)
    return data


def _service(info: ops.ServiceInfo) -> ServiceView:
    return ServiceView(
        name=info.name,
        price=format_amount(info.price),
        ltr_price=format_amount(info.ltr_price),
        ltr_short_price=format_amount(info.ltr_short_price),
        order_id=info.order_id,
    )


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

    @app.post("/accounts", status_code=201, dependencies=guarded)
    def create_account(body: AccountCreate) -> AccountCreated:
        """Create an account; the answer holds its API key, shown this once."""
        info, key = ops.create_account(
            db, username=body.username, email=body.email, password=body.password, admin=body.admin
        )
        return AccountCreated(**_account(info), api_key=key)

    @app.get("/accounts/{name}", dependencies=guarded)
    def get_account(name: str) -> AccountView:
        return AccountView(**_account(ops.account_info(db, name)))

    @app.patch("/accounts/{name}", dependencies=guarded)
    def update_account(name: str, body: AccountUpdate) -> AccountView:
        info = ops.set_account(
            db,
            name=name,
            webhook_url=body.webhook_url,
            clear_webhook=body.clear_webhook,
            status_shape=body.status_shape,
            active=body.active,
        )
        return AccountView(**_account(info))

    @app.post("/accounts/{name}/credit", dependencies=guarded)
    def credit(name: str, body: Credit) -> AccountView:
        """Add funds (a negative amount takes them away, never below the available funds)."""
        return AccountView(
            **_account(ops.credit(db, name=name, amount=body.amount, memo=body.memo))
        )

    @app.put("/services/{name}", dependencies=guarded)
    def set_service(name: str, body: ServiceSet) -> ServiceView:
        return _service(ops.set_service(db, name=name, **body.model_dump()))

    @app.get("/services", dependencies=guarded)
    def list_services() -> list[ServiceView]:
        return [_service(s) for s in ops.list_services(db)]

    @app.post("/numbers", status_code=201, dependencies=guarded)
    def add_numbers(body: NumbersAdd) -> list[NumberView]:
        """Add simulated numbers."""
        added = ops.add_simulated_numbers(
            db, count=body.count, state=body.state, area_code=body.areacode
        )
        return [NumberView(**n.__dict__) for n in added]

    @app.post("/numbers/import", dependencies=guarded, openapi_extra=CSV_BODY)
    async def import_numbers(request: Request) -> ImportView:
        """Import numbers from a CSV body (mdn, carrier, state, area_code, gateway, online)."""
        from simhive.db.uow import to_thread

        text = (await request.body()).decode("utf-8", errors="replace")
        result = await to_thread(ops.import_numbers, db, text)
        return ImportView(added=result.added, duplicates=result.duplicates, errors=result.errors)

    @app.patch("/numbers/{mdn}", dependencies=guarded)
    def update_number(mdn: str, body: NumberUpdate) -> NumberView:
        return NumberView(**ops.set_number_online(db, mdn=mdn, online=body.online).__dict__)

    @app.post("/sms", dependencies=guarded)
    def inject_sms(body: SmsInject) -> SmsView:
        """Deliver an inbound SMS as a gateway would."""
        routed = ops.inject_sms(db, to=body.to, sender=body.sender, text=body.text)
        if routed is None:
            return SmsView(duplicate=True)
        return SmsView(
            duplicate=False,
            message_id=routed.message_id,
            status=routed.status.value,
            activation_id=routed.activation_id,
            service=routed.service,
        )

    @app.get("/events", dependencies=guarded)
    def list_events(
        status: EventStatus | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 50
    ) -> list[EventView]:
        """Webhook events, newest first, with their last error."""
        return [EventView(**e.__dict__) for e in ops.list_events(db, status=status, limit=limit)]

    @app.post("/events/{event_id}/retry", status_code=202, dependencies=guarded)
    def retry_event(event_id: int) -> dict[str, str]:
        ops.retry_event(db, event_id)
        return {"status": "queued"}

    del settings
    return app
