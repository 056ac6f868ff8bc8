"""Passwords: argon2id at RFC 9106's low-memory profile; API keys: SHA-256 of 128 random bits."""

from __future__ import annotations

import re

from argon2 import PasswordHasher, Type, extract_parameters

from simhive.kit import secrets


def test_production_passwords_are_argon2id_at_64_mib_and_three_passes() -> None:
    made = secrets.production_hasher().hash("correct horse")
    parameters = extract_parameters(made)
    assert parameters.type is Type.ID
    assert parameters.memory_cost >= 64 * 1024
    assert parameters.time_cost >= 3
    assert parameters.salt_len >= 16


def test_a_hash_verifies_whatever_parameters_hash_new_ones_now() -> None:
    """The suite hashes cheaply; hashes made at production cost still check the same."""
    strong = secrets.production_hasher().hash("correct horse")
    assert secrets.verify_password(strong, "correct horse")
    assert not secrets.verify_password(strong, "correct horse ")
    assert not secrets.verify_password("not a hash", "correct horse")


def test_api_keys_are_random_and_stored_as_their_sha256() -> None:
    key = secrets.new_api_key()
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert key != secrets.new_api_key()
    assert re.fullmatch(r"[0-9a-f]{64}", secrets.hash_api_key(key))


def test_use_password_hasher_changes_what_new_hashes_cost() -> None:
    cheap = secrets._hasher  # as the suite set it up (tests/conftest.py)
    try:
        secrets.use_password_hasher(PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1))
        assert extract_parameters(secrets.hash_password("x")).memory_cost == 1024
        assert extract_parameters(secrets.dummy_password_hash()).memory_cost == 1024
    finally:
        secrets.use_password_hasher(cheap)
