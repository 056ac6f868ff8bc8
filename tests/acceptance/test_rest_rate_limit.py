"""The REST request limit across processes: two `simhive serve` processes on one PostgreSQL
count one account's requests together, under concurrent load."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from simhive.db.engine import make_engine
from simhive.db.uow import Database
from simhive.kit.clock import SystemClock
from simhive.settings import Settings
from tests.fixtures import processes, world
from tests.fixtures.databases import truncate
from tests.fixtures.rest import issue_token
from tests.fixtures.servers import free_port

pytestmark = pytest.mark.slow
LIMIT = 30


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Database]:
    truncate(postgres_url)
    settings = Settings(database_url=postgres_url, _env_file=None)  # type: ignore[call-arg]
    database = Database(make_engine(postgres_url), SystemClock(), settings)
    yield database
    database.engine.dispose()


async def hammer(urls: list[str], tokens: list[str], count: int) -> list[tuple[int, int, str]]:
    """`count` requests per token at once, spread over the servers: (token, status, retry)."""

    async def one(i: int, token: int) -> tuple[int, int, str]:
        token_id, secret = tokens[token].split(":")
        response = await client.get(
            urls[i % len(urls)] + "/v1/requests/unknown", auth=(token_id, secret)
        )
        return token, response.status_code, response.headers.get("retry-after", "")

    async with httpx.AsyncClient(timeout=60) as client:
        return await asyncio.gather(*(one(i, t) for t in range(len(tokens)) for i in range(count)))


class TestSharedLimit:
    def test_two_processes_let_through_the_limit_once(self, pg: Database, tmp_path: Path) -> None:
        first, second = world.customer(pg, "rl1"), world.customer(pg, "rl2")
        # Two tokens of one account share its count; another account has its own.
        tokens = [issue_token(pg, first), issue_token(pg, first), issue_token(pg, second)]
        # An hour's window, so that the test never depends on how fast the requests go.
        env = {
            "SIMHIVE_DATABASE_URL": pg.settings.database_url,
            "SIMHIVE_REST_RATE_LIMIT": f"{LIMIT}/hour",
            "SIMHIVE_SIMULATOR_ENABLED": "0",
        }
        ports = [free_port(), free_port()]
        urls = [f"http://127.0.0.1:{p}" for p in ports]
        log = tmp_path / "servers.log"
        started = [
            processes.start(processes.server_command(p, worker=False), env, log) for p in ports
        ]
        try:
            for url, process in zip(urls, started, strict=True):
                processes.wait_ready(url, process)
            answers = asyncio.run(hammer(urls, tokens, 40))
        finally:
            for process in started:
                processes.stop(process)
        first_account = Counter(status for token, status, _ in answers if token in (0, 1))
        assert first_account == {404: LIMIT, 429: 80 - LIMIT}, log.read_text()[-2000:]
        second_account = Counter(status for token, status, _ in answers if token == 2)
        assert second_account == {404: LIMIT, 429: 40 - LIMIT}
        retries = {int(r) for _, status, r in answers if status == 429}
        assert retries and all(1 <= r <= 3600 for r in retries)
