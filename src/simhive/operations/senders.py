"""Sender ids and REST policies of accounts, as an operator approves and sets them."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from simhive.core.accounts import service as accounts
from simhive.core.policies import service as policies
from simhive.core.policies.service import Policy, PolicyChange
from simhive.core.senders import service as senders
from simhive.db.uow import Database


def allow_sender(db: Database, *, account: str, sender: str) -> list[str]:
    """Approve a sender id for an account; returns its approved ids."""
    with db.uow() as uow:
        owner = accounts.find_account(uow, account)
        senders.allow_sender(uow, account_id=owner.id, sender=sender)
        return senders.list_senders(uow, account_id=owner.id)


def revoke_sender(db: Database, *, account: str, sender: str) -> list[str]:
    with db.uow() as uow:
        owner = accounts.find_account(uow, account)
        senders.revoke_sender(uow, account_id=owner.id, sender=sender)
        return senders.list_senders(uow, account_id=owner.id)


def list_senders(db: Database, *, account: str) -> list[str]:
    with db.uow(write=False) as uow:
        owner = accounts.find_account(uow, account)
        return senders.list_senders(uow, account_id=owner.id)


def policy(db: Database, *, account: str) -> Policy:
    with db.uow(write=False) as uow:
        return policies.policy_for(uow, accounts.find_account(uow, account).id)


def set_policy(db: Database, *, account: str, change: PolicyChange) -> Policy:
    with db.uow() as uow:
        owner = accounts.find_account(uow, account)
        return policies.set_policy(uow, account_id=owner.id, change=change)


def policy_fields(value: Policy) -> dict[str, Any]:
    """A policy as plain values: countries listed (None: every one), prices as Decimals."""
    data = asdict(value)
    data["countries"] = sorted(value.countries) if value.countries is not None else None
    return data
