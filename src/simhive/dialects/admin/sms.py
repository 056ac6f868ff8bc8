"""Admin API: inbound SMS handed in as a gateway would; inbound and outgoing SMS listed.

No `from __future__ import annotations` here: FastAPI reads these annotations at run time.
"""

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from simhive.db.uow import Database
from simhive.dialects.admin.auth import Guard, Scope
from simhive.dialects.admin.fields import Mdn, Sender, SmsText
from simhive.operations import messages as ops


class SmsInject(BaseModel):
    to: Mdn
    sender: Sender = Field(alias="from")
    text: SmsText


class SmsView(BaseModel):
    duplicate: bool
    message_id: int | None = None
    status: str | None = None
    activation_id: int | None = None
    service: str | None = None


class Direction(StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


class IncomingSms(BaseModel):
    id: int
    received_at: datetime
    to: str
    sender: str = Field(serialization_alias="from")
    text: str
    status: str
    account: str | None
    service: str | None
    pin: str | None
    gateway: str


class OutgoingSms(BaseModel):
    id: int
    created_at: datetime
    account: str
    mdn: str
    to: str
    text: str
    status: str
    gateway: str
    gateway_ref: str | None
    fee: Decimal
    error: str | None
    sent_at: datetime | None
    parts: int
    encoding: str
    # A REST request's SMS: the request's id and price (the SMS's own fee is 0).
    request: str | None = None
    request_price: Decimal | None = None


def router(db: Database, guard: Guard) -> APIRouter:
    """Routes under /sms."""
    routes = APIRouter(prefix="/sms", tags=["sms"], dependencies=[Depends(guard(Scope.SMS))])

    @routes.post("")
    def inject_sms(body: SmsInject) -> SmsView:
        """Deliver an inbound SMS as a gateway would."""
        info = ops.inject_sms(db, to=body.to, sender=body.sender, text=body.text)
        if info is None:
            return SmsView(duplicate=True)
        return SmsView(
            duplicate=False,
            message_id=info.message_id,
            status=info.status,
            activation_id=info.activation_id,
            service=info.service,
        )

    @routes.get("")
    def list_sms(
        direction: Direction = Direction.INCOMING,
        to: Annotated[Mdn | None, Query(description="Receiving MDN, or destination.")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    ) -> list[IncomingSms] | list[OutgoingSms]:
        """SMS newest first: inbound, or outgoing (`send_sms`) with their gateway status."""
        if direction is Direction.OUTGOING:
            return [OutgoingSms(**asdict(o)) for o in ops.list_outgoing(db, to=to, limit=limit)]
        return [IncomingSms(**asdict(i)) for i in ops.list_incoming(db, to=to, limit=limit)]

    return routes
