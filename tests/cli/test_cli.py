"""The operator CLI against a real database file, as an operator types it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from simhive.cli.main import app
from simhive.db.migrate import upgrade

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SIMHIVE_DATABASE_URL", url)
    monkeypatch.setenv("SIMHIVE_WEBHOOK_ALLOW_PRIVATE", "1")
    monkeypatch.chdir(tmp_path)
    upgrade(url)
    return tmp_path


def simhive(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    # Exit codes only: a user's mistake never ends in a traceback.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


class TestAccounts:
    def test_create_prints_the_key_last_and_it_works(self, env: Path) -> None:
        code, out = simhive(
            "account", "create", "ann", "--email", "ann@example.com", "--password", "ann-password"
        )
        assert code == 0
        key = out.strip().splitlines()[-1]
        assert re.fullmatch(r"[0-9a-f]{32}", key)
        from simhive.app import database_from
        from simhive.operations import accounts as ops
        from simhive.settings import Settings

        db = database_from(Settings())
        with db.uow(write=False) as uow:
            from simhive.core.accounts import service as accounts

            assert accounts.authenticate(uow, user="ann", api_key=key).username == "ann"
        assert ops.account_info(db, "ann").balance == 0

    def test_credit_exact_cents_and_bad_amounts_change_nothing(self, env: Path) -> None:
        simhive(
            "account", "create", "ann", "--email", "ann@example.com", "--password", "ann-password"
        )
        code, out = simhive("account", "credit", "ann", "10.10")
        assert code == 0 and "balance 10.10" in out
        for bad in ("abc", "1.001", "0"):
            code, out = simhive("account", "credit", "ann", bad)
            assert code == 1 and "error" in out
        code, out = simhive("account", "show", "ann")
        assert "10.10" in out
        code, out = simhive("account", "credit", "nobody", "5")
        assert code == 1 and "no account nobody" in out

    def test_duplicate_account_is_refused(self, env: Path) -> None:
        simhive(
            "account", "create", "ann", "--email", "ann@example.com", "--password", "ann-password"
        )
        code, out = simhive(
            "account", "create", "ann", "--email", "b@example.com", "--password", "ann-password"
        )
        assert code == 1 and "exists" in out

    def test_check_ledger_finds_a_balance_that_is_not_its_entries(self, env: Path) -> None:
        simhive(
            "account", "create", "ann", "--email", "ann@example.com", "--password", "ann-password"
        )
        simhive("account", "credit", "ann", "10.10")
        code, out = simhive("account", "check-ledger")
        assert code == 0 and "every balance is the sum of its entries" in out
        # A balance written behind the ledger, as a hand-made SQL change would.
        engine = sa.create_engine(f"sqlite:///{env / 'cli.db'}")
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE ledger_balances SET cents = 99")
        engine.dispose()
        code, out = simhive("account", "check-ledger")
        assert code == 1
        assert "ann: balance 0.99, entries sum to 10.10" in out
        assert "1 account(s) whose balance is not the sum of their entries" in out


class TestNumbersAndSms:
    def test_import_reports_every_row(self, env: Path) -> None:
        csv = env / "numbers.csv"
        csv.write_text(
            "mdn,carrier,online,gateway\n12125550101,ATT,1,modems\n"
            "+1 212 555 0102,Verizon,0,modems\n12125550101,ATT,1,modems\nbad,ATT,1,modems\n"
        )
        code, out = simhive("numbers", "import", str(csv))
        assert code == 1
        assert "added 2, already present 1, refused 1" in out
        assert "line 5" in out
        code, out = simhive("numbers", "list")
        assert "12125550101" in out and "12125550102" in out

    def test_import_refuses_a_row_whole(self, env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SIMHIVE_DEFAULT_GATEWAY", "modems")
        csv = env / "numbers.csv"
        csv.write_text("mdn,state,online\n12125550103,NY,maybe\n12125550104,NY,no\n")
        code, out = simhive("numbers", "import", str(csv))
        assert code == 1 and "added 1, already present 0, refused 1" in out
        assert "line 2" in out and "online" in out
        code, out = simhive("numbers", "list")
        assert "12125550103" not in out and "12125550104" in out

    def test_import_without_a_gateway_is_refused_line_by_line(self, env: Path) -> None:
        csv = env / "numbers.csv"
        csv.write_text("mdn,carrier,gateway\n12125550105,ATT,\n12125550106,ATT,modems\n")
        code, out = simhive("numbers", "import", str(csv))
        assert code == 1 and "added 1, already present 0, refused 1" in out
        assert "line 2: no gateway" in out and "SIMHIVE_DEFAULT_GATEWAY" in out
        csv.write_text("mdn,carrier\n12125550107,ATT\n")
        code, out = simhive("numbers", "import", str(csv))
        assert code == 1 and "line 2: no gateway" in out
        code, out = simhive("numbers", "list")
        assert "12125550105" not in out and "12125550107" not in out
        assert "simulator" not in out

    def test_import_takes_the_default_gateway_when_set(
        self, env: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("SIMHIVE_DEFAULT_GATEWAY", "modems")
        csv = env / "numbers.csv"
        csv.write_text("mdn,carrier,gateway\n12125550108,ATT,\n12125550109,ATT,smpp\n")
        code, out = simhive("numbers", "import", str(csv))
        assert code == 0 and "added 2" in out
        from simhive.app import database_from
        from simhive.operations import numbers
        from simhive.settings import Settings

        listed = {n.mdn: n.gateway for n in numbers.list_numbers(database_from(Settings()))}
        assert listed == {"12125550108": "modems", "12125550109": "smpp"}

    def test_non_utf8_files_are_one_line(self, env: Path) -> None:
        csv = env / "numbers.csv"
        csv.write_bytes("mdn,carrier,gateway\n12125550110,Télé,modems\n".encode("latin-1"))
        code, out = simhive("numbers", "import", str(csv))
        assert code == 1 and "not UTF-8" in out

    def test_simulated_numbers_are_the_simulators(self, env: Path) -> None:
        code, out = simhive("numbers", "add", "--count", "2")
        assert code == 0
        code, out = simhive("numbers", "list")
        assert out.count("simulator") == 2

    def test_bad_simulated_requests_are_one_line(self, env: Path) -> None:
        for args, words in (
            (("--count", "0"), "count must be"),
            (("--count", "1", "--state", "ZZ"), "Invalid state ZZ"),
            (("--count", "1", "--areacode", "999"), "Invalid area code 999"),
            (("--count", "1", "--state", "TX", "--areacode", "212"), "not in TX"),
        ):
            code, out = simhive("numbers", "add", *args)
            assert code == 1 and words in out
        code, out = simhive("numbers", "list")
        assert "1212" not in out

    def test_simulated_numbers_and_an_injected_sms(self, env: Path) -> None:
        code, out = simhive("numbers", "add", "--count", "3", "--state", "TX")
        assert code == 0 and "added 3 numbers" in out
        simhive("service", "set", "Google", "--price", "1.00")
        simhive(
            "account", "create", "ann", "--email", "ann@example.com", "--password", "ann-password"
        )
        simhive("account", "credit", "ann", "5")
        from simhive.app import database_from
        from simhive.core.accounts import service as accounts
        from simhive.core.activations import service as activations
        from simhive.operations import accounts as ops
        from simhive.settings import Settings

        db = database_from(Settings())
        with db.uow() as uow:
            account = accounts.find_account(uow, "ann")
            (view,) = activations.request_number(
                uow, account=account, request=activations.NumberRequest(services=("Google",))
            )
        code, out = simhive(
            "sms",
            "inject",
            "--to",
            view.mdn,
            "--from",
            "22000",
            "--text",
            "G-123456 is your Google verification code.",
        )
        assert code == 0 and f"completed request {view.id}" in out
        assert "PIN G-123456" in out
        assert ops.account_info(db, "ann").balance == 4


class TestEvents:
    def test_retrying_an_unknown_event_is_refused(self, env: Path) -> None:
        code, out = simhive("events", "retry", "999")
        assert code == 1 and "no event 999" in out
        code, out = simhive("events", "list", "--status", "failed")
        assert code == 0


class TestConfig:
    def test_markdown_lists_every_setting(self, env: Path) -> None:
        from simhive.settings import Settings

        code, out = simhive("config", "--markdown")
        assert code == 0
        for name in Settings.model_fields:
            assert f"`SIMHIVE_{name.upper()}`" in out

    def test_the_committed_reference_is_current(self, env: Path) -> None:
        code, out = simhive("config", "--markdown")
        committed = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text()
        assert out.strip() in committed, "regenerate docs/configuration.md (see its first lines)"


class TestKeys:
    def test_a_revoked_key_stops_working_at_once(self, env: Path) -> None:
        _, out = simhive(
            "account", "create", "ann", "--email", "ann@example.com", "--password", "ann-password"
        )
        first = out.strip().splitlines()[-1]
        _, out = simhive("account", "key", "ann")
        second = out.strip().splitlines()[-1]
        assert simhive("account", "revoke-key", "ann", first[:7])[0] == 1
        code, out = simhive("account", "revoke-key", "ann", first[:8])
        assert code == 0 and "revoked 1 key of ann" in out
        assert simhive("account", "revoke-key", "ann", first[:8])[0] == 1  # already revoked
        from simhive.app import database_from
        from simhive.core.accounts import service as accounts
        from simhive.core.errors import AuthFailed
        from simhive.settings import Settings

        db = database_from(Settings())
        with db.uow(write=False) as uow:
            with pytest.raises(AuthFailed):
                accounts.authenticate(uow, user="ann", api_key=first)
            assert accounts.authenticate(uow, user="ann", api_key=second).username == "ann"


class TestAdminTokens:
    def test_create_list_revoke(self, env: Path) -> None:
        from simhive.app import database_from
        from simhive.core.errors import AuthFailed, Forbidden
        from simhive.operations import operators
        from simhive.settings import Settings

        code, out = simhive(
            "admin-token", "create", "--scope", "money", "--scope", "sms,events", "--name", "bot"
        )
        assert code == 0 and "money, sms, events" in out
        secret = out.strip().splitlines()[-1]
        db = database_from(Settings())
        operator = operators.authorize(db, secret=secret, scope=operators.Scope.MONEY)
        assert operator.name == "bot"
        with pytest.raises(Forbidden):
            operators.authorize(db, secret=secret, scope=operators.Scope.ACCOUNTS)
        code, out = simhive("admin-token", "list")
        assert code == 0 and "bot" in out and secret[:12] in out and secret not in out
        code, out = simhive("admin-token", "revoke", str(operator.token_id))
        assert code == 0 and f"revoked admin token {operator.token_id} (bot)" in out
        with pytest.raises(AuthFailed):
            operators.authorize(db, secret=secret, scope=operators.Scope.MONEY)
        assert simhive("admin-token", "revoke", str(operator.token_id))[0] == 1

    def test_unknown_scopes_are_refused(self, env: Path) -> None:
        code, out = simhive("admin-token", "create", "--scope", "everything")
        assert code == 1 and "unknown scope 'everything'" in out
        code, out = simhive("admin-token", "list")
        assert "everything" not in out

    def test_a_cli_credit_records_the_os_user(self, env: Path) -> None:
        import getpass

        simhive(
            "account", "create", "ann", "--email", "ann@example.com", "--password", "ann-password"
        )
        simhive("account", "credit", "ann", "7.25")
        code, out = simhive("account", "ledger", "ann")
        assert code == 0
        assert "7.25" in out and f"cli ({getpass.getuser()})" in out
        assert simhive("account", "ledger", "nobody")[0] == 1


class TestServicePatternsAndExplain:
    def test_patterns_route_and_read_the_code(self, env: Path) -> None:
        code, out = simhive(
            "service", "set", "Acme", "--price", "1", "--sender-pattern", "^ACME$",
            "--text-pattern", r"ref (?P<code>[A-Z]{3}\d{3})",
        )  # fmt: skip
        assert code == 0 and "^ACME$" in out and "own" in out
        code, out = simhive("sms", "explain", "Acme ref XYZ123 expires soon", "--service", "acme")
        assert code == 0
        assert "PIN   XYZ123" in out and "rule  service-pattern" in out
        code, out = simhive("service", "set", "Acme", "--sender-pattern", "(bad")
        assert code == 1 and "bad regular expression" in out
        code, out = simhive("sms", "explain", "G-123456 is your Google verification code.")
        assert code == 0 and "PIN   G-123456" in out
        code, out = simhive("sms", "explain", "hello", "--service", "Nope")
        assert code == 1 and "Nope" in out
