"""The REST API's operator commands: tokens, sender ids, policies, and what handsets got."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simhive.app import database_from
from simhive.cli.common import console
from simhive.cli.main import app
from simhive.core.accounts import service as accounts
from simhive.core.messaging import service as messaging
from simhive.core.tokens import service as tokens
from simhive.core.verify import service as verify
from simhive.db.migrate import upgrade
from simhive.gateways.simulator import SimulatorGateway
from simhive.kit.money import from_cents
from simhive.settings import Settings
from simhive.worker.runner import Worker
from tests.fixtures import world

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SIMHIVE_DATABASE_URL", url)
    monkeypatch.setattr(console, "width", 250)
    monkeypatch.chdir(tmp_path)
    upgrade(url)
    return tmp_path


def simhive(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


class TestTokenCommands:
    def test_create_prints_the_token_last_list_and_disable(self, env: Path) -> None:
        db = database_from(Settings())
        world.customer(db, "ann")
        code, out = simhive("token", "create", "ann")
        assert code == 0
        credential = out.strip().splitlines()[-1]
        assert re.fullmatch(r"[0-9a-f]{20}:[0-9a-f]{32}", credential)
        token_id, secret = credential.split(":")
        with db.uow(write=False) as uow:
            assert tokens.authenticate(uow, public_id=token_id, secret=secret).username == "ann"
        code, out = simhive("token", "list", "ann")
        assert code == 0 and token_id in out and "active" in out and secret not in out
        code, out = simhive("token", "disable", token_id)
        assert code == 0 and f"disabled access token {token_id} of ann" in out
        assert "disabled" in simhive("token", "list", "ann")[1]
        assert simhive("token", "create", "nobody")[0] == 1
        assert simhive("token", "disable", "f" * 20)[0] == 1
        db.engine.dispose()


class TestSenderAndPolicy:
    def test_sender_allow_list_revoke(self, env: Path) -> None:
        db = database_from(Settings())
        world.customer(db, "ann")
        db.engine.dispose()
        assert "ann: Acme" in simhive("sender", "allow", "ann", "Acme")[1]
        assert "ann: +" not in simhive("sender", "allow", "ann", "+37282329823")[1]
        assert "37282329823, Acme" in simhive("sender", "list", "ann")[1]
        code, out = simhive("sender", "allow", "ann", "Far Too Long A Name")
        assert code == 1 and "11" in out
        assert "ann: Acme" in simhive("sender", "revoke", "ann", "37282329823")[1]

    def test_policy_set_and_show(self, env: Path) -> None:
        db = database_from(Settings())
        world.customer(db, "ann")
        db.engine.dispose()
        code, out = simhive(
            "policy", "set", "ann", "--attempts", "5", "--countries", "gb,de", "--verify-sms",
            "0.07",
        )  # fmt: skip
        assert code == 0
        assert re.search(r"check attempts\s+5", out) and re.search(r"countries\s+DE, GB", out)
        assert re.search(r"verify by sms\s+0.07", out)
        assert simhive("policy", "set", "ann", "--attempts", "50")[0] == 1
        code, out = simhive("policy", "set", "ann", "--reset", "countries")
        assert re.search(r"countries\s+all", out) and re.search(r"check attempts\s+5", out)


class TestHandsets:
    def test_sms_and_calls_as_the_handset_got_them(self, env: Path) -> None:
        db = database_from(Settings())
        world.customer(db, "ann")
        with db.uow() as uow:
            ann = accounts.find_account(uow, "ann")
            started = verify.start(
                uow, account=ann, ask=verify.VerifyRequest("+447400900123", "sms")
            )
            request, price = started.public_id, from_cents(started.price_cents)
            flash = messaging.FlashAsk("+447400900123", code="4321")
            messaging.flash_call(uow, account=ann, ask=flash)
        simulator = SimulatorGateway(clock=db.clock)
        worker = Worker(db, gateways={"simulator": simulator})
        worker.run_pending()
        worker.run_pending()
        worker.stop()
        db.engine.dispose()
        code, out = simhive("sms", "list", "--outgoing", "--to", "+447400900123")
        sms = simulator.inbox("447400900123")[0]
        assert code == 0 and sms.text in out and "delivered" in out and "simhive" in out
        # Its price is the verification's, shown with the request, not a fee of 0.00.
        row = next(line for line in out.splitlines() if request in line)
        assert f"{request} {price}" in row and "0.00" not in row and price > 0
        code, out = simhive("calls", "list", "--to", "447400900123")
        assert code == 0 and "4321 " in out.replace("│", " ") and "no_answer" in out
        assert "flash" in out
