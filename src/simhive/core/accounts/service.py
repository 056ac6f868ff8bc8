"""Accounts: creation, credentials, authentication, settings."""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from simhive.core.accounts.models import Account, ApiKey, Role, StatusShape
from simhive.core.errors import (
    AccountDisabled,
    AuthFailed,
    Conflict,
    Forbidden,
    InvalidParameter,
    InvalidWebhookUrl,
    NotFound,
)
from simhive.core.events import targets
from simhive.db.uow import UnitOfWork
from simhive.kit.secrets import (
    hash_api_key,
    hash_password,
    new_api_key,
    new_webhook_secret,
    verify_password,
)

_USERNAME = re.compile(r"^[A-Za-z0-9_.@+-]{1,64}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class AccountCreated:
    account: Account
    api_key: str


def create_account(
    uow: UnitOfWork,
    *,
    username: str,
    email: str,
    password: str,
    role: Role = Role.CUSTOMER,
) -> AccountCreated:
    """Create an account with one API key, returned in clear this once."""
    if not _USERNAME.match(username):
        raise InvalidParameter("username", username, "letters, digits and _.@+- only")
    if not _EMAIL.match(email):
        raise InvalidParameter("email", email, "not an email address")
    if len(password) < 8:
        raise InvalidParameter("password", "***", "at least 8 characters")
    clash = uow.session.scalar(
        select(Account.id).where(
            or_(
                func.lower(Account.username).in_([username.lower(), email.lower()]),
                func.lower(Account.email).in_([username.lower(), email.lower()]),
            )
        )
    )
    if clash is not None:
        raise Conflict(f"an account named {username} or with email {email} exists")
    account = Account(
        username=username,
        email=email,
        password_hash=hash_password(password),
        role=role,
        active=True,
        webhook_secret=new_webhook_secret(),
        status_shape=uow.settings.request_status_shape,
        created_at=uow.clock.now(),
    )
    uow.session.add(account)
    uow.session.flush()
    return AccountCreated(account=account, api_key=issue_api_key(uow, account=account))


def issue_api_key(uow: UnitOfWork, *, account: Account) -> str:
    """Add a new API key to an account; only its hash is stored."""
    key = new_api_key()
    uow.session.add(
        ApiKey(
            account_id=account.id,
            key_hash=hash_api_key(key),
            prefix=key[:8],
            created_at=uow.clock.now(),
        )
    )
    uow.session.flush()
    return key


def revoke_api_keys(uow: UnitOfWork, *, account: Account, prefix: str) -> int:
    """Revoke the account's live keys that start with `prefix` (at least 8 characters)."""
    if len(prefix) < 8:
        raise InvalidParameter("prefix", prefix, "give at least the first 8 characters of the key")
    keys = uow.session.scalars(
        select(ApiKey).where(
            ApiKey.account_id == account.id,
            ApiKey.prefix == prefix[:8],
            ApiKey.revoked_at.is_(None),
        )
    ).all()
    # The stored prefix has 8 characters; a longer one given must match the key itself.
    revoked = [k for k in keys if len(prefix) == 8 or k.key_hash == hash_api_key(prefix)]
    if not revoked:
        raise NotFound(f"no live key of {account.username} starts with {prefix[:8]}")
    for key in revoked:
        key.revoked_at = uow.clock.now()
    uow.session.flush()
    return len(revoked)


def find_account(uow: UnitOfWork, name: str) -> Account:
    """An account by username or email, ignoring case."""
    account = uow.session.scalar(
        select(Account).where(
            or_(
                func.lower(Account.username) == name.lower(),
                func.lower(Account.email) == name.lower(),
            )
        )
    )
    if account is None:
        raise NotFound(f"no account {name}")
    return account


class _PasswordCache:
    """Remembers recent good password checks: argon2 is slow on purpose, polling is not."""

    def __init__(self, size: int = 1024) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    @staticmethod
    def key(password_hash: str, password: str) -> str:
        return hashlib.sha256(f"{password_hash}\0{password}".encode()).hexdigest()

    def __contains__(self, key: str) -> bool:
        with self._lock:
            if key in self._seen:
                self._seen.move_to_end(key)
                return True
            return False

    def add(self, key: str) -> None:
        with self._lock:
            self._seen[key] = None
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)


_password_cache = _PasswordCache()


def authenticate(
    uow: UnitOfWork, *, user: str, api_key: str | None = None, password: str | None = None
) -> Account:
    """The account named `user` (name or email) whose API key or password matches."""
    if not user or not (api_key or password):
        raise AuthFailed()
    account: Account | None
    if api_key:
        account = uow.session.scalar(
            select(Account)
            .join(ApiKey, ApiKey.account_id == Account.id)
            .where(ApiKey.key_hash == hash_api_key(api_key), ApiKey.revoked_at.is_(None))
        )
        if account is None or user.lower() not in (account.username.lower(), account.email.lower()):
            raise AuthFailed()
    else:
        assert password is not None
        try:
            account = find_account(uow, user)
        except NotFound:
            raise AuthFailed() from None
        key = _PasswordCache.key(account.password_hash, password)
        if key not in _password_cache:
            if not verify_password(account.password_hash, password):
                raise AuthFailed()
            _password_cache.add(key)
    if not account.active:
        raise AccountDisabled()
    return account


def authenticate_key(uow: UnitOfWork, *, api_key: str) -> Account:
    """The account owning an API key (for dialects that send only the key)."""
    account = uow.session.scalar(
        select(Account)
        .join(ApiKey, ApiKey.account_id == Account.id)
        .where(ApiKey.key_hash == hash_api_key(api_key), ApiKey.revoked_at.is_(None))
    )
    if account is None:
        raise AuthFailed()
    if not account.active:
        raise AccountDisabled()
    return account


def require_admin(account: Account) -> None:
    """Refuse unless the account is an admin."""
    if account.role != Role.ADMIN:
        raise Forbidden("admin rights required")


def update_account(
    uow: UnitOfWork,
    *,
    account: Account,
    webhook_url: str | None = None,
    clear_webhook: bool = False,
    status_shape: StatusShape | None = None,
    active: bool | None = None,
) -> Account:
    """Change an account's settings; a webhook URL that may not be a target is refused."""
    if clear_webhook:
        account.webhook_url = None
    elif webhook_url is not None:
        problem = targets.url_problem(webhook_url, allow_private=uow.settings.webhook_allow_private)
        if problem is not None:
            raise InvalidWebhookUrl(webhook_url, problem)
        account.webhook_url = webhook_url
    if status_shape is not None:
        account.status_shape = status_shape
    if active is not None:
        account.active = active
    uow.session.flush()
    return account
