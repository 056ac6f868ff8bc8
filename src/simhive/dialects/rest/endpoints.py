"""What each `/v1` route does, in one transaction: parse, call core, render.

Each handler gets the database, the authenticated account's id, the request's fields
and its path parameters, and answers (HTTP status, JSON body). Core errors propagate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from simhive.core.accounts.models import Account
from simhive.core.errors import AuthFailed
from simhive.core.insight import service as insight
from simhive.core.messaging import service as ops
from simhive.core.products import service as products
from simhive.core.verify import service as verify
from simhive.db.uow import Database, UnitOfWork
from simhive.dialects.rest import params, render

Fields = Mapping[str, str]
Answer = tuple[int, dict[str, Any]]
Handler = Callable[[Database, int, Fields, Fields], Answer]


def _account(uow: UnitOfWork, account_id: int) -> Account:
    account = uow.session.get(Account, account_id)
    if account is None:
        raise AuthFailed()
    return account


def verify_start(db: Database, account_id: int, p: Fields, path: Fields) -> Answer:
    """003 `POST /v1/verify`: {"requestId"}; a refusal is answered after the commit."""
    ask = verify.VerifyRequest(
        number=params.required(p, "number"),
        method=params.required(p, "method").lower(),
        sender=params.optional(p, "from"),
        language=params.optional(p, "language"),
        code_length=params.integer(p, "codeLength"),
        code_expiry_s=params.integer(p, "codeExpiry"),
        attempts=params.integer(p, "checkAttemptsAllowed"),
        ip=params.optional(p, "ip"),
        callback_url=params.optional(p, "callbackUrl"),
        payload=params.payload(p),
    )
    with db.uow() as uow:
        outcome = verify.begin(uow, account=_account(uow, account_id), ask=ask)
    if outcome.error is not None:  # refused by the fraud guard: its count is committed
        raise outcome.error
    assert outcome.request is not None
    return 200, {"requestId": outcome.request.public_id}


def verify_check(db: Database, account_id: int, p: Fields, path: Fields) -> Answer:
    """`POST /v1/verify/check`: the attempt is committed before a wrong code is answered."""
    request_id = params.required(p, "requestId")
    code = params.required(p, "code")
    with db.uow() as uow:
        outcome = verify.check(uow, account_id=account_id, public_id=request_id, code=code)
    if outcome.error is not None:
        raise outcome.error
    return 200, render.verified(outcome.view)


def verify_info(db: Database, account_id: int, p: Fields, path: Fields) -> Answer:
    request_id = params.required(p, "requestId")
    with db.uow(write=False) as uow:
        view = verify.info(uow, account_id=account_id, public_id=request_id)
    return 200, render.verification_info(view)


def request_get(db: Database, account_id: int, p: Fields, path: Fields) -> Answer:
    """003 "Getting request info", for every product."""
    with db.uow(write=False) as uow:
        request = products.find_request(uow, account_id=account_id, public_id=path["id"])
        return 200, render.request_info(products.view(request))


def request_goal(db: Database, account_id: int, p: Fields, path: Fields) -> Answer:
    """003 "Update Request Info": record the goal; answers the request as it now reads."""
    goal = params.required(p, "goal")
    with db.uow() as uow:
        request = products.set_goal(uow, account_id=account_id, public_id=path["id"], goal=goal)
        return 200, render.request_info(products.view(request))


def sms_send(db: Database, account_id: int, p: Fields, path: Fields) -> Answer:
    """003 "SMS API": {"requestId", "parts", "encoding"}."""
    ask = ops.SmsAsk(
        number=params.required(p, "number"),
        text=p.get("text") or "",
        sender=params.optional(p, "from"),
        callback_url=params.optional(p, "callbackUrl"),
        payload=params.payload(p),
    )
    with db.uow() as uow:
        sent = ops.send_sms(uow, account=_account(uow, account_id), ask=ask)
        return 200, {"requestId": sent.request_id, "parts": sent.parts, "encoding": sent.encoding}


def flash_call(db: Database, account_id: int, p: Fields, path: Fields) -> Answer:
    """003 "Make a Flash call": {"requestId", "from"}."""
    ask = ops.FlashAsk(
        number=params.required(p, "number"),
        sender=params.optional(p, "from"),
        code=params.optional(p, "code"),
        callback_url=params.optional(p, "callbackUrl"),
        payload=params.payload(p),
    )
    with db.uow() as uow:
        placed = ops.flash_call(uow, account=_account(uow, account_id), ask=ask)
        return 200, {"requestId": placed.request_id, "from": placed.caller_id}


def hlr_lookup(db: Database, account_id: int, p: Fields, path: Fields) -> Answer:
    """003 "HLR lookup" (`GET ?number=` or POST): the request as 003's example shows it."""
    number = params.required(p, "number")
    with db.uow() as uow:
        done = insight.hlr_lookup(
            uow, account=_account(uow, account_id), number=number, payload=params.payload(p)
        )
        return 200, render.hlr(done)


def fraud_check(db: Database, account_id: int, p: Fields, path: Fields) -> Answer:
    """003 "Fraud Check": {"status", "mobilePrefix"}, and the request that recorded it."""
    number = params.required(p, "number")
    with db.uow() as uow:
        done = insight.fraud_check(
            uow,
            account=_account(uow, account_id),
            number=number,
            ip=params.optional(p, "ip"),
            payload=params.payload(p),
        )
        return 200, render.fraud_verdict(done)
