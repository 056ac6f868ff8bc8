"""`simhive clock` as an operator types it, with and without sandbox mode."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simhive.cli.common import database
from simhive.cli.main import app
from simhive.db.migrate import upgrade
from simhive.kit.clock import SandboxClock, SystemClock

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SIMHIVE_DATABASE_URL", url)
    monkeypatch.delenv("SIMHIVE_SANDBOX", raising=False)
    monkeypatch.chdir(tmp_path)
    upgrade(url)
    return tmp_path


@pytest.fixture
def sandbox(env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SIMHIVE_SANDBOX", "1")
    return env


def simhive(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def offset_of(out: str) -> int:
    found = re.search(r"^offset .*\((\d+) s\)$", out, re.MULTILINE)
    assert found, out
    return int(found.group(1))


class TestClockRefused:
    @pytest.mark.parametrize("args", [("advance", "3d"), ("show",)])
    def test_without_sandbox_mode(self, env: Path, args: tuple[str, ...]) -> None:
        code, out = simhive("clock", *args)
        assert (code, out) == (1, "error: the sandbox clock needs SIMHIVE_SANDBOX=1\n")

    def test_without_sandbox_mode_the_wall_clock_is_used(self, env: Path) -> None:
        db = database()
        assert isinstance(db.clock, SystemClock)
        db.engine.dispose()


class TestClockAdvance:
    def test_show_advance_and_show(self, sandbox: Path) -> None:
        code, out = simhive("clock", "show")
        assert code == 0 and offset_of(out) == 0
        assert re.search(r"^sandbox time  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$", out, re.M)
        assert re.search(r"^wall time     \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$", out, re.M)
        code, out = simhive("clock", "advance", "3d")
        assert code == 0 and "offset        3d (259200 s)" in out
        code, out = simhive("clock", "advance", "1h30m")
        assert code == 0 and offset_of(out) == 259200 + 5400
        code, out = simhive("clock", "show")
        assert offset_of(out) == 264600

    def test_every_process_on_the_database_takes_the_sandbox_time(self, sandbox: Path) -> None:
        simhive("clock", "advance", "2d")
        db = database()
        assert isinstance(db.clock, SandboxClock) and db.clock.offset_s == 2 * 86400
        db.engine.dispose()

    @pytest.mark.parametrize(
        ("duration", "words"),
        [
            ("-3d", "time only moves forward"),
            ("0s", "a duration of zero moves nothing"),
            ("3 days", "is not a duration"),
            ("soon", "is not a duration"),
            ("367d", "moves at most 366d at a time"),
        ],
    )
    def test_refusals_change_nothing(self, sandbox: Path, duration: str, words: str) -> None:
        simhive("clock", "advance", "45m")
        code, out = simhive("clock", "advance", duration)
        assert code == 1 and out.startswith("error: ") and words in " ".join(out.split())
        assert offset_of(simhive("clock", "show")[1]) == 2700
