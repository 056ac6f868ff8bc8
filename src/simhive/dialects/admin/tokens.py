"""Admin API: REST access tokens of accounts, and their sender ids and policies.

No `from __future__ import annotations` here: FastAPI reads these annotations at run time.
"""

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, StringConstraints

from simhive.core.policies.service import PolicyChange
from simhive.db.uow import Database
from simhive.dialects.admin.auth import Guard, Scope
from simhive.dialects.admin.fields import Sender
from simhive.operations import senders as sender_ops
from simhive.operations import tokens as ops

TokenId = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")]


class TokenView(BaseModel):
    id: str
    account: str
    active: bool
    created_at: datetime
    disabled_at: datetime | None


class TokenCreated(TokenView):
    token: str = Field(description="`id:secret`, for HTTP Basic; the secret is shown this once.")


class SenderBody(BaseModel):
    sender: Sender


class SendersView(BaseModel):
    account: str
    senders: list[str]


class PolicyView(BaseModel):
    code_expiry_s: int
    check_attempts: int
    countries: list[str] | None = Field(description="ISO codes served; null serves every one.")
    verify_sms: Decimal
    verify_voice: Decimal
    verify_call: Decimal
    sms_part: Decimal
    flash_call: Decimal


class PolicyBody(BaseModel):
    code_expiry_s: int | None = None
    check_attempts: int | None = None
    countries: list[Annotated[str, StringConstraints(max_length=2)]] | None = None
    verify_sms: Decimal | None = None
    verify_voice: Decimal | None = None
    verify_call: Decimal | None = None
    sms_part: Decimal | None = None
    flash_call: Decimal | None = None
    reset: list[str] = Field(default_factory=list, description="Fields back to the default.")


def _view(info: ops.TokenInfo) -> TokenView:
    return TokenView(active=info.active, **asdict(info))


def router(db: Database, guard: Guard) -> APIRouter:
    """Routes under /tokens and /accounts/{name}/senders, /accounts/{name}/policy."""
    routes = APIRouter(tags=["access tokens"], dependencies=[Depends(guard(Scope.ACCOUNTS))])

    @routes.post("/accounts/{name}/tokens", status_code=201)
    def create_token(name: str) -> TokenCreated:
        """Issue a REST access token; the answer holds `id:secret`, shown this once."""
        info, credential = ops.create_token(db, account=name)
        return TokenCreated(token=credential, **_view(info).model_dump())

    @routes.get("/accounts/{name}/tokens")
    def list_tokens(name: str) -> list[TokenView]:
        return [_view(t) for t in ops.list_tokens(db, account=name)]

    @routes.post("/tokens/{token_id}/disable")
    def disable_token(token_id: TokenId) -> TokenView:
        """Disable a token: requests with it answer error 5, "Inactive token"."""
        return _view(ops.disable_token(db, token_id=token_id))

    @routes.get("/accounts/{name}/senders")
    def list_senders(name: str) -> SendersView:
        return SendersView(account=name, senders=sender_ops.list_senders(db, account=name))

    @routes.post("/accounts/{name}/senders")
    def allow_sender(name: str, body: SenderBody) -> SendersView:
        """Approve a sender id for the account's SMS and calls."""
        senders = sender_ops.allow_sender(db, account=name, sender=body.sender)
        return SendersView(account=name, senders=senders)

    @routes.delete("/accounts/{name}/senders/{sender}")
    def revoke_sender(name: str, sender: str) -> SendersView:
        senders = sender_ops.revoke_sender(db, account=name, sender=sender)
        return SendersView(account=name, senders=senders)

    @routes.get("/accounts/{name}/policy")
    def get_policy(name: str) -> PolicyView:
        return PolicyView(**sender_ops.policy_fields(sender_ops.policy(db, account=name)))

    @routes.patch("/accounts/{name}/policy")
    def set_policy(name: str, body: PolicyBody) -> PolicyView:
        """Change the account's REST policy; fields left out keep their values."""
        change = PolicyChange(
            code_expiry_s=body.code_expiry_s,
            check_attempts=body.check_attempts,
            countries=tuple(body.countries) if body.countries is not None else None,
            verify_sms=body.verify_sms,
            verify_voice=body.verify_voice,
            verify_call=body.verify_call,
            sms_part=body.sms_part,
            flash_call=body.flash_call,
            reset=tuple(body.reset),
        )
        policy = sender_ops.set_policy(db, account=name, change=change)
        return PolicyView(**sender_ops.policy_fields(policy))

    return routes
