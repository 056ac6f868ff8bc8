"""The sandbox clock across real processes: `simhive clock advance` moves a running server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from simhive.db.engine import make_engine
from simhive.db.migrate import upgrade
from simhive.db.uow import Database
from simhive.kit.clock import SystemClock
from simhive.settings import Settings
from tests.fixtures import processes, world
from tests.fixtures.databases import truncate
from tests.fixtures.servers import free_port

pytestmark = pytest.mark.slow


def clock_command(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`simhive clock …` as its own process, with `env` in place of any SIMHIVE_SANDBOX."""
    base = {k: v for k, v in os.environ.items() if k != "SIMHIVE_SANDBOX"}
    return subprocess.run(
        [sys.executable, "-m", "simhive.cli.main", "clock", *args],
        env={**base, **env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def eventually(read: Callable[[], Any], expected: Any, timeout: float = 15) -> Any:
    """Read until the answer is `expected` (the processes follow within a second or so)."""
    deadline = time.monotonic() + timeout
    while (answer := read()) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return answer


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """SQLite serves with its embedded worker; PostgreSQL with a `simhive worker` beside it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'sandbox.db'}"
        upgrade(url)
    else:
        url = request.getfixturevalue("postgres_url")
        truncate(url)
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    db = Database(make_engine(url), SystemClock(), settings)
    yield db
    db.engine.dispose()


class TestSandboxClockAcrossProcesses:
    @pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
    def test_a_reserved_request_times_out_after_clock_advance(
        self, database: Database, tmp_path: Path
    ) -> None:
        db = database
        world.service(db, "Google", "1.00")
        world.numbers(db, 1)
        alice = world.customer(db, "alice", credit="10.00")
        env = {
            "SIMHIVE_DATABASE_URL": db.settings.database_url,
            "SIMHIVE_SANDBOX": "1",
            "SIMHIVE_SIMULATOR_ENABLED": "0",
        }
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = tmp_path / "processes.log"
        separate = db.dialect == "postgresql"
        started = [processes.start(processes.server_command(port, worker=not separate), env, log)]
        if separate:
            started.append(processes.start(processes.worker_command(), env, log))
        key = {"user": alice.username, "api_key": alice.api_key}

        def command(cmd: str, **params: str) -> Any:
            answer = httpx.get(url + "/api_command.php", params={"cmd": cmd, **key, **params})
            return answer.json()

        def status() -> str:
            return str(command("request_status", id=rid)["message"][0]["status"])

        try:
            processes.wait_ready(url, started[0])
            reserved = command("request", service="Google")
            assert reserved["status"] == "ok", reserved
            rid = reserved["message"][0]["id"]
            assert status() == "Reserved"
            assert world.available(db, alice) == Decimal("9.00")

            moved = clock_command("advance", "901s", env=env)
            assert moved.returncode == 0, moved.stderr
            assert "offset        15m 1s (901 s)" in moved.stdout

            assert eventually(status, "Timed Out") == "Timed Out"
            # The worker's sweep, on the sandbox time too, released the held price.
            assert eventually(lambda: world.available(db, alice), Decimal("10.00")) == Decimal(
                "10.00"
            )
            assert world.balance(db, alice) == Decimal("10.00")
        finally:
            for process in started:
                processes.stop(process)
        assert "Traceback" not in log.read_text(), log.read_text()

    def test_refused_without_sandbox_mode(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'plain.db'}"
        upgrade(url)
        refused = clock_command("advance", "901s", env={"SIMHIVE_DATABASE_URL": url})
        assert refused.returncode == 1
        assert refused.stderr == "error: the sandbox clock needs SIMHIVE_SANDBOX=1\n"
        assert refused.stdout == ""
