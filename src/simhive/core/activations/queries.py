"""The hot read path: `request_status` by API key in one SQL statement.

Clients poll `request_status` (000 recommends every 15 s; many poll faster),
so it skips the ORM and SQLAlchemy's execution layer: one joined SELECT,
compiled once per database, authenticates the key while it reads the
activation, its service and its number. `db.fastread` runs it; this module
does no I/O. Same rules as the general path: the key must belong to `user`,
the account must be active, and another account's id reads like an unknown one.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from simhive.core.accounts.models import Account, ApiKey
from simhive.core.activations.models import Activation
from simhive.core.activations.views import ActivationView, make_view
from simhive.core.catalog.models import Service
from simhive.core.errors import AccountDisabled, AuthFailed, UnknownRequest
from simhive.core.inventory.models import Number
from simhive.kit.ids import parse_id
from simhive.kit.secrets import hash_api_key


@dataclass(frozen=True, slots=True)
class StatusRead:
    account_id: int
    status_shape: str
    view: ActivationView


_STATUS = (
    sa.select(
        Account.id,
        Account.username,
        Account.email,
        Account.active,
        Account.status_shape,
        Activation.id.label("activation_id"),
        Activation.account_id.label("owner_id"),
        Activation.status,
        Activation.markup,
        Activation.price_cents,
        Activation.want_state,
        Activation.want_area_code,
        Activation.expires_at,
        Activation.created_at,
        Activation.reserved_at,
        Service.name.label("service"),
        Number.mdn,
        Number.carrier,
        Number.state.label("number_state"),
    )
    .select_from(ApiKey)
    .join(Account, Account.id == ApiKey.account_id)
    .outerjoin(Activation, Activation.id == sa.bindparam("activation_id"))
    .outerjoin(Service, Service.id == Activation.service_id)
    .outerjoin(Number, Number.id == Activation.number_id)
    .where(ApiKey.key_hash == sa.bindparam("key_hash"), ApiKey.revoked_at.is_(None))
)


@functools.cache
def status_sql(dialect: Dialect) -> tuple[str, tuple[str, ...] | None]:
    """The SQL text for a database, and the parameter order if its driver is positional."""
    compiled = _STATUS.compile(dialect=dialect)
    order = tuple(compiled.positiontup or ()) if compiled.positional else None
    return str(compiled), order


def status_params(*, api_key: str, activation_id: str) -> dict[str, Any]:
    """The query's parameters; a malformed id becomes 0, which matches nothing."""
    key = parse_id(activation_id.strip()) or 0
    return {"activation_id": key, "key_hash": hash_api_key(api_key)}


def _utc(value: Any) -> datetime | None:
    """A timestamp as the driver returns it (text on SQLite) → aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def status_from_row(row: Sequence[Any] | None, *, user: str, now: datetime) -> StatusRead:
    """Apply the auth and ownership rules to the row and describe the request."""
    if row is None:
        raise AuthFailed()
    account_id, username, email, active, shape, activation, owner, status, markup, price = row[:10]
    if user.lower() not in (username.lower(), email.lower()):
        raise AuthFailed()
    if not active:
        raise AccountDisabled()
    if activation is None or owner != account_id:
        raise UnknownRequest()
    expires_at, created_at, reserved_at = (_utc(v) for v in row[12:15])
    assert expires_at is not None and created_at is not None
    view = make_view(
        id=activation,
        account_id=owner,
        status=status,
        markup=markup,
        price_cents=price,
        want_state=row[10],
        want_area_code=row[11],
        expires_at=expires_at,
        created_at=created_at,
        reserved_at=reserved_at,
        service=row[15],
        mdn=row[16],
        carrier=row[17],
        number_state=row[18],
        now=now,
    )
    return StatusRead(account_id=account_id, status_shape=shape, view=view)
