"""Admin tokens, as an operator issues, lists and revokes them; and who is calling."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from simhive.core.operators import service as operators
from simhive.core.operators.models import AdminToken
from simhive.core.operators.service import Scope
from simhive.db.uow import Database

__all__ = [
    "AdminTokenInfo",
    "Operator",
    "Scope",
    "authorize",
    "create_admin_token",
    "list_admin_tokens",
    "revoke_admin_token",
]


@dataclass(frozen=True)
class AdminTokenInfo:
    id: int
    name: str
    scopes: tuple[str, ...]
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class Operator:
    """Who is calling the admin API: the token's id and name, and how records name it."""

    token_id: int
    name: str
    label: str


def _info(token: AdminToken) -> AdminTokenInfo:
    return AdminTokenInfo(
        id=token.id,
        name=token.name,
        scopes=tuple(s.value for s in operators.scopes_of(token)),
        prefix=token.prefix,
        created_at=token.created_at,
        revoked_at=token.revoked_at,
    )


def create_admin_token(
    db: Database, *, name: str, scopes: Iterable[str] = ("all",)
) -> tuple[AdminTokenInfo, str]:
    """Issue an admin token; returns it and its secret (shown this once)."""
    chosen = operators.parse_scopes(scopes)
    with db.uow() as uow:
        created = operators.create_token(uow, name=name, scopes=chosen)
        return _info(created.token), created.secret


def list_admin_tokens(db: Database) -> list[AdminTokenInfo]:
    with db.uow(write=False) as uow:
        return [_info(t) for t in operators.list_tokens(uow)]


def revoke_admin_token(db: Database, *, token_id: int) -> AdminTokenInfo:
    with db.uow() as uow:
        return _info(operators.revoke_token(uow, token_id=token_id))


def authorize(db: Database, *, secret: str, scope: Scope) -> Operator:
    """The operator holding this admin token, if it opens `scope`."""
    with db.uow(write=False) as uow:
        token = operators.authenticate_token(uow, secret=secret)
        operators.require_scope(token, scope)
        return Operator(token_id=token.id, name=token.name, label=operators.label(token))
