"""Admin API: inbound SMS handed in as a gateway would.

No `from __future__ import annotations` here: FastAPI reads these annotations at run time.
"""

from fastapi import APIRouter, Depends
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

    return routes
