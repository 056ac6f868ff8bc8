"""Credentials: random keys shown once, stored as hashes."""

from __future__ import annotations

import base64
import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


def production_hasher() -> PasswordHasher:
    """argon2id with argon2-cffi's defaults: RFC 9106's low-memory profile (64 MiB, t=3)."""
    return PasswordHasher()


_hasher = production_hasher()


def use_password_hasher(hasher: PasswordHasher) -> None:
    """Hash new passwords with other argon2 parameters from now on.

    For test suites, which create thousands of accounts: argon2's own CHEAPEST
    profile runs the same code in microseconds instead of ~100 ms of CPU each.
    A hash records its parameters, so hashes made either way verify either way.
    """
    global _hasher
    _hasher = hasher
    dummy_password_hash.cache_clear()


def new_api_key() -> str:
    """A random API key (32 hex characters, 128 bits)."""
    return secrets.token_hex(16)


def hash_api_key(key: str) -> str:
    """SHA-256 of a key: keys are random and long, so a fast hash is safe and lookups stay O(1)."""
    return hashlib.sha256(key.encode()).hexdigest()


def hash_password(password: str) -> str:
    """Argon2id hash of a password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Check a password against its argon2 hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def dummy_password_hash() -> str:
    """An argon2 hash of a random password, made once: a login for a user that does not exist
    is checked against it, so it costs what a wrong password for a real user costs."""
    return _hasher.hash(secrets.token_hex(16))


def new_webhook_secret() -> str:
    """A Standard Webhooks signing secret (`whsec_` + base64 of 24 random bytes)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
