"""Accounts: creation, credentials, authentication, settings."""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import bindparam, func, or_, select

from simhive.core.accounts.models import Account, ApiKey, Role, StatusShape
from simhive.core.errors import (
    AccountDisabled,
    AuthFailed,
    Conflict,
    Forbidden,
    InvalidParameter,
    InvalidWebhookUrl,
    LoginThrottled,
    NotFound,
)
from simhive.core.events import targets
from simhive.db.detached import attached
from simhive.db.uow import UnitOfWork
from simhive.kit.clock import Clock, wall_now
from simhive.kit.secrets import (
    dummy_password_hash,
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


_BY_API_KEY = (
    select(*Account.__table__.columns)
    .join(ApiKey, ApiKey.account_id == Account.id)
    .where(ApiKey.key_hash == bindparam("key_hash"), ApiKey.revoked_at.is_(None))
)


def _by_api_key(uow: UnitOfWork, api_key: str) -> Account | None:
    """The account a live key belongs to, in the session as if loaded (callers may change
    it); one statement on every call of every client, so it runs as a Core one."""
    row = uow.run(_BY_API_KEY, {"key_hash": hash_api_key(api_key)}).first()
    return attached(uow, Account, row._asdict()) if row is not None else None


def authenticate(
    uow: UnitOfWork, *, user: str, api_key: str | None = None, password: str | None = None
) -> Account:
    """The account named `user` (name or email) whose API key or password matches.

    A password is checked inside the caller's transaction here; request paths read it with
    `password_login` and check it with `LoginThrottle.check` before their transaction opens.
    """
    if not user or not (api_key or password):
        raise AuthFailed()
    if api_key:
        account = _by_api_key(uow, api_key)
        if account is None or user.lower() not in (account.username.lower(), account.email.lower()):
            raise AuthFailed()
        if not account.active:
            raise AccountDisabled()
        return account
    assert password is not None
    return login_account(uow, account_id=check_password(password_login(uow, user=user), password))


PasswordCheck = Callable[[str, str], bool]


@dataclass(frozen=True, slots=True)
class PasswordLogin:
    """What a password check needs, read in a short read before any write transaction opens."""

    user: str
    account_id: int | None  # None: no such user, checked against a dummy hash all the same
    password_hash: str | None

    @property
    def throttle_key(self) -> str:
        """One counter per account, whether it is named by user name or email."""
        if self.account_id is not None:
            return f"account:{self.account_id}"
        return f"name:{self.user.lower()}"


def password_login(uow: UnitOfWork, *, user: str) -> PasswordLogin:
    """The password hash of the account named `user` (name or email, any case), if any."""
    row = uow.session.execute(
        select(Account.id, Account.password_hash)
        .where(
            or_(
                func.lower(Account.username) == user.lower(),
                func.lower(Account.email) == user.lower(),
            )
        )
        .limit(1)
    ).first()
    if row is None:
        return PasswordLogin(user=user, account_id=None, password_hash=None)
    return PasswordLogin(user=user, account_id=row[0], password_hash=row[1])


def check_password(
    login: PasswordLogin, password: str, *, verify: PasswordCheck = verify_password
) -> int:
    """The account id if `password` is right, else AuthFailed.

    Runs argon2 once, without a database: an unknown user is checked against a dummy
    hash, so the answer takes as long as for a real user and tells nothing about who
    exists. A password verified a moment ago is remembered and not hashed again.
    """
    if login.account_id is None or login.password_hash is None:
        verify(dummy_password_hash(), password)
        raise AuthFailed()
    key = _PasswordCache.key(login.password_hash, password)
    if key not in _password_cache:
        if not verify(login.password_hash, password):
            raise AuthFailed()
        _password_cache.add(key)
    return login.account_id


def login_account(uow: UnitOfWork, *, account_id: int) -> Account:
    """The account a password was checked for, in the caller's transaction; refused if disabled."""
    account = uow.session.get(Account, account_id)
    if account is None:
        raise AuthFailed()
    if not account.active:
        raise AccountDisabled()
    return account


class LoginThrottle:
    """Failed password logins, counted in a moving window per client address, per user
    name from one address, and per user name from all addresses together.

    Once a count is full, password logins are refused before any hashing (an API key
    needs no throttle: it is checked with one indexed lookup and cannot be guessed).
    A user name is refused to one address after `per_user` failures from it, and to
    every address only after USER_TOTAL times that from all of them: a stranger who
    types wrong passwords for someone else's name locks out only themselves, while
    guessing spread over many addresses still stops. Counts live in `limits`' storage:
    memory:// per process, or redis:// shared.
    """

    USER_TOTAL = 10

    def __init__(
        self,
        *,
        per_user: int,
        per_address: int,
        window_s: int,
        storage: str = "memory://",
        clock: Clock,
        verify: PasswordCheck = verify_password,
    ) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage))
        self._user = RateLimitItemPerSecond(per_user, window_s)
        self._user_total = RateLimitItemPerSecond(per_user * self.USER_TOTAL, window_s)
        self._address = RateLimitItemPerSecond(per_address, window_s)
        self._clock = clock
        self._verify = verify

    def _checks(
        self, address: str, login: PasswordLogin | None
    ) -> list[tuple[RateLimitItem, str, str]]:
        checks: list[tuple[RateLimitItem, str, str]] = [(self._address, "address", address)]
        if login is not None:
            checks.append((self._user, "user", _from(login, address)))
            checks.append((self._user_total, "user-total", login.throttle_key))
        return checks

    def admit(self, *, address: str, login: PasswordLogin | None = None) -> None:
        """Raise LoginThrottled if the address (or the user, once read) failed too often."""
        for item, kind, key in self._checks(address, login):
            if not self._limiter.test(item, kind, key):
                raise LoginThrottled(self._retry_after(item, kind, key))

    def check(self, login: PasswordLogin, password: str, *, address: str) -> int:
        """`check_password`, counting a failure against the address and the user."""
        # Again here: guesses sent all at once passed `admit` together, then queued to be hashed.
        self.admit(address=address, login=login)
        try:
            account_id = check_password(login, password, verify=self._verify)
        except AuthFailed:
            for item, kind, key in self._checks(address, login):
                self._limiter.hit(item, kind, key)
            raise
        self._limiter.clear(self._user, "user", _from(login, address))
        return account_id

    def failed(self, *, address: str) -> None:
        """Count a failed login that `check` did not see (a wrong REST access token)."""
        self._limiter.hit(self._address, "address", address)

    def _retry_after(self, item: RateLimitItem, kind: str, key: str) -> int:
        # limits keeps wall-clock times: the sandbox clock must not move them.
        reset = self._limiter.get_window_stats(item, kind, key).reset_time
        wait = math.ceil(reset - wall_now(self._clock).timestamp())
        return max(1, min(wait, item.get_expiry()))


def _from(login: PasswordLogin, address: str) -> str:
    """The throttle's key for one user name's logins from one address."""
    return f"{login.throttle_key}|{address}"


def authenticate_key(uow: UnitOfWork, *, api_key: str) -> Account:
    """The account owning an API key (for dialects that send only the key)."""
    account = _by_api_key(uow, api_key)
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
    inbound_url: str | None = None,
    clear_inbound: bool = False,
    status_shape: StatusShape | None = None,
    active: bool | None = None,
) -> Account:
    """Change an account's settings; a webhook or inbound URL that may not be a target is
    refused (the same rules: both are posted to by the worker)."""
    allow_private = uow.settings.webhook_allow_private
    if clear_webhook:
        account.webhook_url = None
    elif webhook_url is not None:
        problem = targets.url_problem(webhook_url, allow_private=allow_private)
        if problem is not None:
            raise InvalidWebhookUrl(webhook_url, problem)
        account.webhook_url = webhook_url
    if clear_inbound:
        account.inbound_url = None
    elif inbound_url is not None:
        problem = targets.url_problem(inbound_url, allow_private=allow_private)
        if problem is not None:
            raise InvalidWebhookUrl(inbound_url, problem, kind="inbound")
        account.inbound_url = inbound_url
    if status_shape is not None:
        account.status_shape = status_shape
    if active is not None:
        account.active = active
    uow.session.flush()
    return account
