"""The operator CLI for insight, the inbound URL and rentals, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from simhive.cli.main import app
from simhive.db.uow import Database
from simhive.operations import accounts as account_ops
from tests.fixtures import world

runner = CliRunner()


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("SIMHIVE_DATABASE_URL", database_url)
    monkeypatch.setenv("SIMHIVE_WEBHOOK_ALLOW_PRIVATE", "1")
    yield database_url


def simhive(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


class TestHlr:
    def test_lookup(self, env: str) -> None:
        code, out = simhive("hlr", "4790000000")
        assert code == 0
        assert "+4790000000" in out and "24201" in out and "telenor norge" in out
        assert "ported" in out and "unknown" in out

    def test_bad_number_is_one_line(self, env: str) -> None:
        code, out = simhive("hlr", "hello")
        assert code == 1 and out.strip() == "error: Invalid number hello"


class TestFraud:
    def test_block_list_check_unblock(self, env: str) -> None:
        assert simhive("fraud", "block", "+4477009", "--reason", "pumping") == (
            0,
            "blocked +4477009 (pumping)\n",
        )
        code, out = simhive("fraud", "list")
        assert code == 0 and "+4477009" in out and "pumping" in out and "cli (" in out
        code, out = simhive("fraud", "check", "+447700900123")
        assert code == 0
        assert out.splitlines()[0] == "+447700900123: FRAUDULENT, mobile prefix: no"
        assert "blocked_prefix: +4477009 is blocked (pumping)" in out
        assert simhive("fraud", "unblock", "4477009") == (0, "unblocked +4477009\n")
        code, out = simhive("fraud", "unblock", "4477009")
        assert code == 1 and "+4477009 is not blocked" in out

    def test_bad_prefix(self, env: str) -> None:
        code, out = simhive("fraud", "block", "x1")
        assert code == 1 and "1 to 15 digits" in out
        code, out = simhive("fraud", "list")
        assert "+" not in out


class TestInboundUrl:
    def test_set_shown_cleared(self, env: str) -> None:
        simhive("account", "create", "alice", "--email", "a@x.io", "--password", "p" * 8)
        code, out = simhive("account", "set", "alice", "--inbound-url", "http://127.0.0.1:9/in")
        assert code == 0 and "http://127.0.0.1:9/in" in out
        code, out = simhive("account", "set", "alice", "--no-inbound-url")
        assert code == 0 and "127.0.0.1:9/in" not in out

    def test_refused(self, env: str, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SIMHIVE_WEBHOOK_ALLOW_PRIVATE", "0")
        simhive("account", "create", "alice", "--email", "a@x.io", "--password", "p" * 8)
        code, out = simhive("account", "set", "alice", "--inbound-url", "ftp://example.com/")
        assert code == 1 and "Invalid inbound URL: only http and https URLs are allowed" in out


class TestRentalsCreate:
    def test_charged_by_default_and_free(self, env: str, db: Database) -> None:
        world.customer(db, credit="20.00")
        first, second = world.numbers(db, 2)
        assert simhive("service", "set", "Unlimited", "--price", "1", "--ltr-price", "7.50")[0] == 0
        code, out = simhive("rentals", "create", "alice", "--mdn", first)
        assert code == 0, out
        assert f"{first} to alice for Unlimited, 30 days, 7.50 charged" in out
        code, out = simhive("rentals", "create", "alice", "--mdn", second, "--free", "--days", "3")
        assert code == 0 and "3 days, 0.00 charged" in out
        assert account_ops.account_info(db, "alice").balance == Decimal("12.50")

    def test_refusals_change_nothing(self, env: str, db: Database) -> None:
        world.customer(db, credit="1.00")
        (mdn,) = world.numbers(db, 1)
        simhive("service", "set", "Unlimited", "--price", "1", "--ltr-price", "7.50")
        code, out = simhive("rentals", "create", "alice", "--mdn", mdn)
        assert code == 1 and "Insufficient funds" in out
        code, out = simhive("rentals", "create", "alice", "--mdn", mdn, "--days", "7")
        assert code == 1 and "duration must be 3 or 30" in out
        code, out = simhive("rentals", "create", "nobody", "--mdn", mdn)
        assert code == 1 and "no account nobody" in out
        assert simhive("rentals", "list")[1].count(mdn) == 0
        assert account_ops.account_info(db, "alice").balance == Decimal("1.00")
