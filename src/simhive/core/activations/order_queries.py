"""The order API's hot read: `getsms` by API key in one SQL statement.

Clients of 002 poll `getsms` until their SMS comes, so, like `request_status`
(`queries.py`), it skips the ORM: one SELECT, compiled once per database,
authenticates the key while it reads the order and the text of its SMS.
`db.fastread` runs it; this module does no I/O. Same rules as the general path:
the account must be active, and another account's order, or a command API
request, reads like an unknown one.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from simhive.core.accounts.models import Account, ApiKey
from simhive.core.activations.models import OPEN_STATUSES, Activation, ActivationStatus, Api
from simhive.core.activations.orders import OrderView
from simhive.core.errors import AccountDisabled, AuthFailed, UnknownRequest
from simhive.core.messages.models import Message, MessageStatus
from simhive.kit.ids import parse_id
from simhive.kit.secrets import hash_api_key

# The SMS that completed the order: one routed message per completed order. Every value
# is a parameter, so that the compiled text holds no literal the drivers would bind.
_SMS = (
    sa.select(sa.func.max(Message.text))
    .where(Message.activation_id == Activation.id, Message.status == sa.bindparam("routed"))
    .correlate(Activation)
    .scalar_subquery()
)

_GETSMS = (
    sa.select(
        Account.id,
        Account.active,
        Activation.id.label("order"),
        Activation.account_id.label("owner_id"),
        Activation.api,
        Activation.status,
        Activation.expires_at,
        _SMS.label("sms"),
    )
    .select_from(ApiKey)
    .join(Account, Account.id == ApiKey.account_id)
    .outerjoin(Activation, Activation.id == sa.bindparam("order_id"))
    .where(ApiKey.key_hash == sa.bindparam("key_hash"), ApiKey.revoked_at.is_(None))
)


@functools.cache
def getsms_sql(dialect: Dialect) -> tuple[str, tuple[str, ...] | None]:
    """The SQL text for a database, and the parameter order if its driver is positional."""
    compiled = _GETSMS.compile(dialect=dialect)
    order = tuple(compiled.positiontup or ()) if compiled.positional else None
    return str(compiled), order


def getsms_params(*, key: str, order_id: str) -> dict[str, Any]:
    """The query's parameters; a malformed id becomes 0, which matches nothing."""
    return {
        "order_id": parse_id(order_id.strip()) or 0,
        "key_hash": hash_api_key(key.strip()),
        "routed": MessageStatus.ROUTED.value,
    }


def _utc(value: Any) -> datetime:
    """A timestamp as the driver returns it (text on SQLite) → aware UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def getsms_from_row(row: Sequence[Any] | None, *, now: datetime) -> OrderView:
    """Apply the auth and ownership rules to the row and describe the order now."""
    if row is None:
        raise AuthFailed()
    account_id, active, order, owner, api, status, expires_at, sms = row
    if not active:
        raise AccountDisabled()
    if order is None or owner != account_id or api != Api.ORDER:
        raise UnknownRequest()
    shown = ActivationStatus(status)
    if shown in OPEN_STATUSES and _utc(expires_at) <= now:
        shown = ActivationStatus.TIMED_OUT
    text = sms if shown == ActivationStatus.COMPLETED else None
    return OrderView(id=order, status=shown, mdn="", country="", sms=text)
