"""`simhive sms list`: inbound SMS, or outgoing ones with their gateway status."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from simhive.app import database_from
from simhive.cli.common import console
from simhive.cli.main import app
from simhive.db.migrate import upgrade
from simhive.settings import Settings
from tests.fixtures import world
from tests.fixtures.outbound import heard_from, queue_sms

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SIMHIVE_DATABASE_URL", url)
    # A wide terminal, so that no table cell is folded (the console reads COLUMNS on import).
    monkeypatch.setattr(console, "width", 200)
    monkeypatch.chdir(tmp_path)
    upgrade(url)
    return tmp_path


def simhive(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


class TestSmsList:
    def test_inbound_and_outgoing(self, env: Path) -> None:
        db = database_from(Settings())
        world.service(db, "Google", "1.00")
        world.numbers(db, 2)
        alice = world.customer(db, "alice")
        mdn = heard_from(db, alice, sender="22000")
        queue_sms(db, alice, mdn, "22000", "Please STOP sending")
        other = heard_from(db, alice, sender="33000")
        db.engine.dispose()

        code, out = simhive("sms", "list")
        assert code == 0
        lines = [line for line in out.splitlines() if "G-123456" in line]
        assert len(lines) == 2 and all("alice" in line and "Google" in line for line in lines)

        code, out = simhive("sms", "list", "--outgoing")
        assert code == 0
        (row,) = [line for line in out.splitlines() if "Please STOP sending" in line]
        assert mdn in row and "22000" in row and "queued" in row and "0.10" in row

        code, out = simhive("sms", "list", "--to", other, "--limit", "5")
        assert code == 0 and "│ 33000 │" in out and "│ 22000 │" not in out
        code, out = simhive("sms", "list", "--outgoing", "--to", "33000")
        assert code == 0 and "Please STOP" not in out

    def test_a_limit_out_of_range_is_refused(self, env: Path) -> None:
        code, _ = simhive("sms", "list", "--limit", "0")
        assert code != 0
