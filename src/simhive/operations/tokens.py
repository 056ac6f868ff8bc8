"""REST access tokens, as an operator issues, lists and disables them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from simhive.core.accounts import service as accounts
from simhive.core.accounts.models import Account
from simhive.core.tokens import service as tokens
from simhive.core.tokens.models import AccessToken
from simhive.db.uow import Database


@dataclass(frozen=True)
class TokenInfo:
    id: str
    account: str
    created_at: datetime
    disabled_at: datetime | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None


def _info(token: AccessToken, account: str) -> TokenInfo:
    return TokenInfo(token.public_id, account, token.created_at, token.disabled_at)


def create_token(db: Database, *, account: str) -> tuple[TokenInfo, str]:
    """Issue an access token; returns it and `id:secret` (the secret shown this once)."""
    with db.uow() as uow:
        owner = accounts.find_account(uow, account)
        issued = tokens.issue_token(uow, account=owner)
        return _info(issued.token, owner.username), issued.credential


def list_tokens(db: Database, *, account: str) -> list[TokenInfo]:
    with db.uow(write=False) as uow:
        owner = accounts.find_account(uow, account)
        return [_info(t, owner.username) for t in tokens.list_tokens(uow, account=owner)]


def disable_token(db: Database, *, token_id: str) -> TokenInfo:
    """Disable a token by its id (the part before the colon)."""
    with db.uow() as uow:
        token = tokens.disable_token(uow, public_id=token_id.strip())
        owner = uow.session.get(Account, token.account_id)
        return _info(token, owner.username if owner else "?")
