"""Access tokens: issued, listed, disabled, and checked for the REST API's HTTP Basic auth.

003: "Authorization: Basic <BASE64_ENCODED_ACCESS_TOKEN>", the token written
`id:secret` (`1efc292194c04e9b530:b0b6c43e9a75c51f`). The secret is random and long,
so it is stored as SHA-256 and found by the id; the hashes are compared in constant time.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from simhive.core.accounts.models import Account
from simhive.core.errors import AccountDisabled, AuthFailed, NotFound, TokenDisabled
from simhive.core.tokens.models import AccessToken
from simhive.db.uow import UnitOfWork
from simhive.kit.secrets import hash_api_key

_PUBLIC_ID = re.compile(r"[0-9a-f]{20}")


@dataclass(frozen=True, slots=True)
class TokenIssued:
    token: AccessToken
    credential: str  # `id:secret`, shown this once


def issue_token(uow: UnitOfWork, *, account: Account) -> TokenIssued:
    """A new access token for the account; only the secret's hash is kept."""
    public_id = secrets.token_hex(10)
    secret = secrets.token_hex(16)
    token = AccessToken(
        public_id=public_id,
        account_id=account.id,
        secret_hash=hash_api_key(secret),
        created_at=uow.clock.now(),
    )
    uow.session.add(token)
    uow.session.flush()
    return TokenIssued(token=token, credential=f"{public_id}:{secret}")


def list_tokens(uow: UnitOfWork, *, account: Account) -> list[AccessToken]:
    """The account's tokens, oldest first (never their secrets)."""
    return list(
        uow.session.scalars(
            select(AccessToken).where(AccessToken.account_id == account.id).order_by(AccessToken.id)
        )
    )


def find_token(uow: UnitOfWork, *, public_id: str) -> AccessToken:
    token = uow.session.scalar(select(AccessToken).where(AccessToken.public_id == public_id))
    if token is None:
        raise NotFound(f"no access token {public_id}")
    return token


def disable_token(uow: UnitOfWork, *, public_id: str) -> AccessToken:
    """Disable a token: it answers "Inactive token" from now on (disabling twice is fine)."""
    token = find_token(uow, public_id=public_id)
    if token.disabled_at is None:
        token.disabled_at = uow.clock.now()
        uow.session.flush()
    return token


def split_credential(credential: str) -> tuple[str, str]:
    """`id:secret` as its two parts; AuthFailed if it is not shaped like a token."""
    public_id, colon, secret = credential.partition(":")
    if not colon or not _PUBLIC_ID.fullmatch(public_id) or not secret or len(secret) > 128:
        raise AuthFailed("the access token is not id:secret")
    return public_id, secret


def authenticate(uow: UnitOfWork, *, public_id: str, secret: str) -> Account:
    """The account a token opens. AuthFailed (unknown or wrong), TokenDisabled, AccountDisabled."""
    row = uow.session.execute(
        select(AccessToken, Account)
        .join(Account, Account.id == AccessToken.account_id)
        .where(AccessToken.public_id == public_id)
    ).first()
    given = hash_api_key(secret)
    if row is None:
        hmac.compare_digest(given, given)  # the same work as for a token that exists
        raise AuthFailed()
    token, account = row
    if not hmac.compare_digest(given, token.secret_hash):
        raise AuthFailed()
    if token.disabled_at is not None:
        raise TokenDisabled()
    if not account.active:
        raise AccountDisabled()
    return account
