"""Password logins: checked outside any transaction, throttled, and as slow for unknown users."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from simhive.app import create_app
from simhive.core.accounts import service as accounts
from simhive.core.accounts.service import LoginThrottle
from simhive.core.errors import AuthFailed, LoginThrottled
from simhive.db.uow import Database
from simhive.kit.clock import SandboxClock
from simhive.kit.secrets import verify_password
from tests.fixtures import world
from tests.fixtures.servers import serve
from tests.fixtures.world import Customer

WRONG = {"status": "error", "message": "Invalid user name or API key"}
THROTTLED = re.compile(r"Too many failed logins, retry in [0-9]+ seconds")


@dataclass
class CountingHasher:
    """argon2's own check, counted, noting how many pooled connections were out meanwhile."""

    db: Database
    calls: int = 0
    connections_out: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, password_hash: str, password: str) -> bool:
        with self.lock:
            self.calls += 1
            self.connections_out.append(self.db.engine.pool.checkedout())  # type: ignore[attr-defined]
        return verify_password(password_hash, password)


@pytest.fixture
def hasher(db: Database) -> CountingHasher:
    return CountingHasher(db)


@pytest.fixture
def alice(db: Database) -> Customer:
    world.service(db, "Amazon", "0.50")
    world.numbers(db, 1)
    return world.customer(db, "alice")


def throttle(
    db: Database, hasher: CountingHasher, *, per_user: int = 3, per_address: int = 100
) -> LoginThrottle:
    return LoginThrottle(
        per_user=per_user, per_address=per_address, window_s=900, clock=db.clock, verify=hasher
    )


@pytest.fixture
def base_url(db: Database, hasher: CountingHasher) -> Iterator[str]:
    app = create_app(db.settings, db=db, run_worker=False, logins=throttle(db, hasher))
    with serve(app) as url:
        yield url


def call(base_url: str, cmd: str = "balance", **params: str) -> dict[str, str]:
    response = httpx.get(base_url + "/api_command.php", params={"cmd": cmd, **params}, timeout=10)
    assert response.status_code == 200
    answer: dict[str, str] = response.json()
    return answer


def guess(
    base_url: str, user: str = "alice", password: str = "wrong", cmd: str = "request"
) -> dict[str, str]:
    return call(base_url, cmd, user=user, service="Amazon", **{"pass": password})


class TestThrottle:
    def test_settings_throttle_a_user_name_but_not_its_api_key(
        self, db: Database, alice: Customer
    ) -> None:
        settings = db.settings.model_copy(update={"login_failures_per_user": 3})
        with serve(create_app(settings, db=db, run_worker=False)) as base_url:
            for _ in range(3):
                assert guess(base_url) == WRONG
            answer = guess(base_url)
            assert answer["status"] == "error" and THROTTLED.fullmatch(answer["message"])
            # The right password too waits now; by email it is the same account.
            assert THROTTLED.fullmatch(guess(base_url, password=alice.password)["message"])
            assert THROTTLED.fullmatch(guess(base_url, user="ALICE@example.com")["message"])
            by_key = call(base_url, user="alice", api_key=alice.api_key)
            assert by_key == {"status": "ok", "message": "10.00"}

    def test_no_hashing_once_throttled(
        self, base_url: str, hasher: CountingHasher, alice: Customer
    ) -> None:
        for _ in range(3):
            assert guess(base_url) == WRONG
        assert hasher.calls == 3
        for password in ("wrong", alice.password):
            assert THROTTLED.fullmatch(guess(base_url, password=password)["message"])
        assert hasher.calls == 3

    def test_an_address_is_throttled_across_user_names(
        self, db: Database, hasher: CountingHasher, alice: Customer
    ) -> None:
        app = create_app(
            db.settings, db=db, run_worker=False, logins=throttle(db, hasher, per_address=4)
        )
        with serve(app) as base_url:
            for user in ("alice", "bob", "carol", "dave"):
                assert guess(base_url, user=user) == WRONG
            assert THROTTLED.fullmatch(guess(base_url, user="erin")["message"])
            assert THROTTLED.fullmatch(guess(base_url, password=alice.password)["message"])
            assert hasher.calls == 4
            assert call(base_url, user="alice", api_key=alice.api_key)["status"] == "ok"

    def test_a_strangers_guesses_do_not_lock_the_owner_out(
        self, base_url: str, hasher: CountingHasher, alice: Customer
    ) -> None:
        # Anyone may type alice's name: failures from one address lock that address
        # out of her name, not alice at hers.
        for _ in range(3):
            assert guess(base_url) == WRONG
        assert THROTTLED.fullmatch(guess(base_url, password=alice.password)["message"])
        with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2")) as own:
            answer = own.get(
                base_url + "/api_command.php",
                params={"cmd": "balance", "user": "alice", "pass": alice.password},
            ).json()
        assert answer == {"status": "ok", "message": "10.00"}

    def test_guesses_from_many_addresses_still_stop(
        self, db: Database, hasher: CountingHasher, alice: Customer
    ) -> None:
        logins = throttle(db, hasher, per_user=2)
        with db.uow(write=False) as uow:
            login = accounts.password_login(uow, user="alice")
        for n in range(2 * LoginThrottle.USER_TOTAL):
            with pytest.raises(AuthFailed):
                logins.check(login, "wrong", address=f"10.0.{n}.1")
        with pytest.raises(LoginThrottled):
            logins.check(login, alice.password, address="10.9.9.9")
        assert hasher.calls == 2 * LoginThrottle.USER_TOTAL

    def test_the_wait_is_told_in_wall_seconds_on_the_sandbox_clock(
        self, db: Database, hasher: CountingHasher, alice: Customer
    ) -> None:
        # The counts keep wall time; a sandbox a day ahead said "retry in 1 seconds".
        sandbox = SandboxClock(lambda: 86_400)
        logins = LoginThrottle(
            per_user=1, per_address=100, window_s=900, clock=sandbox, verify=hasher
        )
        with db.uow(write=False) as uow:
            login = accounts.password_login(uow, user="alice")
        with pytest.raises(AuthFailed):
            logins.check(login, "wrong", address="10.0.0.1")
        with pytest.raises(LoginThrottled) as refused:
            logins.check(login, alice.password, address="10.0.0.1")
        assert 890 <= refused.value.retry_after <= 900

    def test_a_good_password_clears_the_user_count(
        self, base_url: str, hasher: CountingHasher, alice: Customer
    ) -> None:
        for _ in range(2):
            assert guess(base_url) == WRONG
        assert call(base_url, user="alice", **{"pass": alice.password})["status"] == "ok"
        for _ in range(2):
            assert guess(base_url) == WRONG
        assert call(base_url, user="alice", **{"pass": alice.password})["status"] == "ok"


class TestHashing:
    def test_unknown_and_known_users_cost_one_verification_each(
        self, base_url: str, hasher: CountingHasher, alice: Customer
    ) -> None:
        assert guess(base_url, user="alice") == WRONG
        assert hasher.calls == 1
        assert guess(base_url, user="nobody-here") == WRONG
        assert hasher.calls == 2

    def test_no_connection_is_held_while_hashing(
        self, base_url: str, hasher: CountingHasher, alice: Customer
    ) -> None:
        # A writing command, a reading one, and the right password (verified once, then remembered).
        assert guess(base_url, cmd="request") == WRONG
        assert guess(base_url, cmd="balance") == WRONG
        answer = guess(base_url, cmd="request", password=alice.password)
        assert answer["status"] == "ok"
        assert guess(base_url, cmd="reject", password=alice.password)["message"] == (
            "Missing required parameter: id"
        )
        assert hasher.calls == 3
        assert hasher.connections_out == [0, 0, 0]

    def test_a_wrong_password_needs_no_writer(
        self, backend: str, db: Database, alice: Customer
    ) -> None:
        if backend != "sqlite":
            pytest.skip("SQLite's single writer; PostgreSQL is covered by the pool check above")
        # The test holds the writer (BEGIN IMMEDIATE) while a password guess arrives: the
        # guess is answered without waiting for it.
        with serve(create_app(db.settings, db=db, run_worker=False)) as base_url, db.uow() as uow:
            uow.session.connection()
            assert guess(base_url, cmd="request") == WRONG


class TestConcurrentGuesses:
    def test_guesses_sent_at_once_are_hashed_no_more_than_the_limit_allows(
        self, base_url: str, hasher: CountingHasher, alice: Customer
    ) -> None:
        answers: list[dict[str, str]] = []
        threads = [
            threading.Thread(target=lambda: answers.append(guess(base_url))) for _ in range(12)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(answers) == 12
        refused = [a for a in answers if THROTTLED.fullmatch(a["message"])]
        assert len(refused) + answers.count(WRONG) == 12
        # Three failures fill the count; the two hashing threads may each be one guess past it.
        assert hasher.calls <= 3 + 2
