"""`send_sms` (004): answer a sender from a number the account holds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simhive.core.accounts.models import Account
from simhive.core.errors import MissingParameter
from simhive.core.outbound import service as outbound
from simhive.db.uow import UnitOfWork
from simhive.dialects.command import params

# 004 gives no success example; the answer follows `reject`'s ("MDN has been rejected").
QUEUED = "SMS has been queued"


def sms_text(p: Mapping[str, str]) -> str:
    """The text: `sms` as in 004, or `text` as some clients send; kept as written."""
    for name in ("sms", "text"):
        value = p.get(name)
        if value is not None and value.strip():
            return value
    raise MissingParameter("sms")


def cmd_send_sms(uow: UnitOfWork, account: Account, p: Mapping[str, str]) -> Any:
    outbound.send_sms(
        uow,
        account=account,
        mdn=params.required(p, "mdn"),
        to=params.required(p, "to"),
        text=sms_text(p),
    )
    return QUEUED
