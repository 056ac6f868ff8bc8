"""Several `simhive serve --no-worker` processes and a `simhive worker` on one PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from simhive.db.engine import make_engine
from simhive.db.uow import Database
from simhive.kit.clock import SystemClock
from simhive.settings import Settings
from tests.fixtures import processes, world
from tests.fixtures.databases import truncate
from tests.fixtures.servers import WebhookReceiver, free_port, webhook_receiver

pytestmark = pytest.mark.slow
TOKEN = "multi-token"


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Database]:
    truncate(postgres_url)
    settings = Settings(database_url=postgres_url, _env_file=None)  # type: ignore[call-arg]
    database = Database(make_engine(postgres_url), SystemClock(), settings)
    yield database
    database.engine.dispose()


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as receiver:
        yield receiver


async def requests(urls: list[str], calls: list[dict[str, str]]) -> list[dict[str, object]]:
    async with httpx.AsyncClient(timeout=60) as client:
        responses = await asyncio.gather(
            *(
                client.get(urls[i % len(urls)] + "/api_command.php", params=p)
                for i, p in enumerate(calls)
            )
        )
    return [r.json() for r in responses]


class TestSeveralProcesses:
    def test_two_servers_and_a_worker_share_the_numbers(
        self, pg: Database, hook: WebhookReceiver, tmp_path: Path
    ) -> None:
        world.service(pg, "Amazon", "0.25")
        world.numbers(pg, 50)
        customers = [world.customer(pg, f"m{i}", credit="10.00") for i in range(4)]
        with pg.uow() as uow:
            for c in customers:
                account = uow.session.get(world.Account, c.id)
                assert account is not None
                account.webhook_url = hook.url
        env = {
            "SIMHIVE_DATABASE_URL": pg.settings.database_url,
            "SIMHIVE_INGEST_TOKEN": TOKEN,
            "SIMHIVE_WEBHOOK_ALLOW_PRIVATE": "1",
            "SIMHIVE_SIMULATOR_ENABLED": "0",
        }
        ports = [free_port(), free_port()]
        urls = [f"http://127.0.0.1:{p}" for p in ports]
        log = tmp_path / "processes.log"
        started = [
            processes.start(processes.server_command(p, worker=False), env, log) for p in ports
        ]
        started.append(processes.start(processes.worker_command(), env, log))
        try:
            for url, process in zip(urls, started, strict=False):
                processes.wait_ready(url, process)
            calls = [
                {"cmd": "request", "user": c.username, "api_key": c.api_key, "service": "Amazon"}
                for c in customers
                for _ in range(50)
            ]
            answers = asyncio.run(requests(urls, calls))
            ok = [a for a in answers if a["status"] == "ok"]
            assert len(ok) == 50
            reserved = [m for a in ok for m in a["message"]]  # type: ignore[attr-defined]
            assert len({m["mdn"] for m in reserved}) == 50
            for i, m in enumerate(reserved):
                response = httpx.post(
                    urls[i % 2] + "/gateway/v1/sms",
                    data={
                        "to": m["mdn"],
                        "from": "AMZN",
                        "text": f"{100000 + i} is your Amazon OTP.",
                    },
                    headers={"authorization": f"Bearer {TOKEN}"},
                )
                assert response.json()["status"] == "routed"
            got = hook.wait_for(50, timeout=30)
        finally:
            for process in started:
                processes.stop(process)
        assert {r.form["id"] for r in got} == {m["id"] for m in reserved}
        spent = sum((Decimal("10.00") - world.balance(pg, c) for c in customers), Decimal(0))
        assert spent == Decimal("12.50")
