"""Approved sender ids: an SMS or a call leaves only from one of them (or the default)."""

from __future__ import annotations

import re

from sqlalchemy import delete, select

from simhive.core.errors import InvalidParameter, NotFound, SenderNotAllowed
from simhive.core.senders.models import SenderId
from simhive.db.uow import UnitOfWork
from simhive.db.upsert import insert_ignore

# GSM 03.40: an alphanumeric sender has at most 11 characters; a numeric one is a
# phone number of at most 15 digits (E.164), written here without `+`.
_ALPHANUMERIC = re.compile(r"[A-Za-z0-9 .\-_&]{1,11}")
_NUMERIC = re.compile(r"\+?[0-9]{3,15}")


def normalize_sender(raw: str) -> str:
    """A sender id as stored and compared: a number without `+`, or up to 11 characters."""
    value = raw.strip()
    if _NUMERIC.fullmatch(value):
        return value.removeprefix("+")
    if _ALPHANUMERIC.fullmatch(value) and not value.isdigit():
        return value
    raise InvalidParameter(
        "from", raw[:64], "a sender id is up to 11 letters, digits or spaces, or a number"
    )


def allow_sender(uow: UnitOfWork, *, account_id: int, sender: str) -> str:
    """Approve a sender id for an account (approving it again changes nothing)."""
    value = normalize_sender(sender)
    insert_ignore(
        uow.session,
        SenderId,
        {"account_id": account_id, "sender": value, "created_at": uow.clock.now()},
        ("account_id", "sender"),
    )
    return value


def revoke_sender(uow: UnitOfWork, *, account_id: int, sender: str) -> None:
    value = normalize_sender(sender)
    result = uow.session.execute(
        delete(SenderId).where(SenderId.account_id == account_id, SenderId.sender == value)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"sender {value} is not approved for the account")


def list_senders(uow: UnitOfWork, *, account_id: int) -> list[str]:
    return list(
        uow.session.scalars(
            select(SenderId.sender)
            .where(SenderId.account_id == account_id)
            .order_by(SenderId.sender)
        )
    )


def check_sender(uow: UnitOfWork, *, account_id: int, sender: str | None) -> str:
    """The sender an SMS leaves from: the default when none is given, else an approved one.

    003 error 16, "Sender id for current type of request is not allowed", otherwise.
    """
    if sender is None or not sender.strip():
        return uow.settings.default_sender
    try:
        value = normalize_sender(sender)
    except InvalidParameter as exc:
        raise SenderNotAllowed(sender[:64], str(exc)) from exc
    if value == uow.settings.default_sender:
        return value
    found = uow.session.scalar(
        select(SenderId.id).where(SenderId.account_id == account_id, SenderId.sender == value)
    )
    if found is None:
        raise SenderNotAllowed(value)
    return value
