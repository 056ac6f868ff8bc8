"""Admin tokens: issue, authenticate, check a scope, list, revoke.

Admin tokens are apart from customers' API keys on purpose: clients put API keys in
URLs (the command API takes them as query parameters), where they end up in logs and
browser histories, so an API key never opens the admin API, whatever its account.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select

from simhive.core.errors import AuthFailed, Forbidden, InvalidParameter, NotFound
from simhive.core.operators.models import AdminToken
from simhive.db.uow import UnitOfWork
from simhive.kit.secrets import hash_api_key

TOKEN_PREFIX = "shadm_"
NAME_LENGTH = 64


class Scope(StrEnum):
    """A domain of the admin API; `all` opens every one."""

    ACCOUNTS = "accounts"
    MONEY = "money"
    SERVICES = "services"
    NUMBERS = "numbers"
    SMS = "sms"
    EVENTS = "events"
    RENTALS = "rentals"
    INSIGHT = "insight"
    ACTIVATIONS = "activations"
    CLOCK = "clock"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class TokenCreated:
    token: AdminToken
    secret: str


def parse_scopes(raw: Iterable[str]) -> tuple[Scope, ...]:
    """Scope names (each may be comma-separated) as Scopes, in their catalogue order."""
    names = {n.strip().lower() for item in raw for n in item.split(",") if n.strip()}
    unknown = sorted(names - {s.value for s in Scope})
    if unknown:
        raise InvalidParameter(
            "scope",
            unknown[0],
            f"unknown scope {unknown[0]!r}; scopes are {', '.join(s.value for s in Scope)}",
        )
    if not names:
        raise InvalidParameter("scope", "", "name at least one scope")
    return tuple(s for s in Scope if s.value in names)


def create_token(uow: UnitOfWork, *, name: str, scopes: Iterable[Scope]) -> TokenCreated:
    """Issue a token; its secret is returned this once, only its hash is kept."""
    name = name.strip()
    if not name or len(name) > NAME_LENGTH or "\x00" in name:
        raise InvalidParameter("name", name[:64], f"a name of 1-{NAME_LENGTH} characters")
    chosen = tuple(dict.fromkeys(scopes))
    if not chosen:
        raise InvalidParameter("scope", "", "name at least one scope")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AdminToken(
        name=name,
        scopes=" ".join(s.value for s in chosen),
        token_hash=hash_api_key(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        created_at=uow.clock.now(),
    )
    uow.session.add(token)
    uow.session.flush()
    return TokenCreated(token=token, secret=secret)


def authenticate_token(uow: UnitOfWork, *, secret: str) -> AdminToken:
    """The live token with this secret, or AuthFailed."""
    token = uow.session.scalar(
        select(AdminToken).where(
            AdminToken.token_hash == hash_api_key(secret), AdminToken.revoked_at.is_(None)
        )
    )
    if token is None:
        raise AuthFailed("an admin token is required (simhive admin-token create)")
    return token


def scopes_of(token: AdminToken) -> tuple[Scope, ...]:
    return tuple(Scope(s) for s in token.scopes.split())


def require_scope(token: AdminToken, scope: Scope) -> None:
    """Refuse unless the token holds `scope` (or `all`)."""
    held = scopes_of(token)
    if scope not in held and Scope.ALL not in held:
        raise Forbidden(f"this admin token lacks the {scope.value} scope")


def label(token: AdminToken) -> str:
    """How the token is named where its actions are recorded (the ledger)."""
    return f"admin token {token.id} ({token.name})"


def list_tokens(uow: UnitOfWork) -> list[AdminToken]:
    """Every token, revoked ones included, oldest first."""
    return list(uow.session.scalars(select(AdminToken).order_by(AdminToken.id)))


def revoke_token(uow: UnitOfWork, *, token_id: int) -> AdminToken:
    """Revoke a token: it stops working at once."""
    token = uow.session.get(AdminToken, token_id) if 0 < token_id < 2**63 else None
    if token is None or token.revoked_at is not None:
        raise NotFound(f"no live admin token {token_id}")
    token.revoked_at = uow.clock.now()
    uow.session.flush()
    return token
