"""Round trips on the hot paths, counted: a change that adds a statement fails here.

Each budget is what the path costs now. Raise one only with a reason that is worth a
round trip on every request of every customer (BENCHMARKS.md explains what they cost).
Transaction control (BEGIN, COMMIT) is left out: every path has exactly one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import event

from simhive.app import create_app
from simhive.core.accounts.models import Account
from simhive.core.events import service as events
from simhive.core.events.models import EventKind
from simhive.db.uow import Database
from simhive.settings import Settings
from simhive.worker.runner import Worker
from tests.fixtures import world
from tests.fixtures.servers import serve

TOKEN = "ingest-token"
KINDS = (EventKind.WEBHOOK.value, EventKind.GATEWAY.value)


class Statements:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __len__(self) -> int:
        return len(self.seen)

    def __str__(self) -> str:
        return "\n".join(s.split("\n")[0][:120] for s in self.seen)


@contextmanager
def counted(db: Database) -> Iterator[Statements]:
    statements = Statements()

    def before(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


@pytest.fixture
def api(db: Database, settings: Settings) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    world.service(db, "Google", "0.50")
    world.numbers(db, 20)
    alice = world.customer(db)
    with db.uow() as uow:
        account = uow.session.get(Account, alice.id)
        assert account is not None
        account.webhook_url = "https://hooks.example.com/simhive"
    config = settings.model_copy(update={"ingest_token": TOKEN})
    with (
        serve(create_app(config, db=db, run_worker=False)) as base,
        httpx.Client(base_url=base) as client,
    ):
        yield client, {"user": alice.username, "api_key": alice.api_key}


def command(client: httpx.Client, auth: dict[str, str], **params: str) -> object:
    got = client.get("/api_command.php", params={**auth, **params}).json()
    assert got["status"] == "ok", got
    return got["message"]


def reserve(client: httpx.Client, auth: dict[str, str]) -> tuple[str, str]:
    entry = command(client, auth, cmd="request", service="Google")[0]  # type: ignore[index]
    return entry["id"], entry["mdn"]


def test_request(db: Database, api: tuple[httpx.Client, dict[str, str]]) -> None:
    client, auth = api
    reserve(client, auth)  # the first request warms what is loaded once per process
    with counted(db) as statements:
        reserve(client, auth)
    # authenticate, find the service, pick and lease a number, lock the account,
    # read its balance, hold the price, write the activation
    assert len(statements) <= 7, statements


def test_a_request_on_a_gateway_that_hears_of_reservations(
    db: Database, settings: Settings
) -> None:
    world.service(db, "Google", "0.50")
    world.numbers(db, 20)
    alice = world.customer(db)
    config = settings.model_copy(update={"ingest_token": TOKEN, "reservation_notices": "simulator"})
    noticed = Database(db.engine, db.clock, config)
    auth = {"user": alice.username, "api_key": alice.api_key}
    with (
        serve(create_app(config, db=noticed, run_worker=False)) as base,
        httpx.Client(base_url=base) as client,
    ):
        reserve(client, auth)
        with counted(db) as statements:
            reserve(client, auth)
    # The request's own statements, and the notice queued for the gateway: the
    # service the notice names is the one the request already read.
    assert len(statements) <= 8, statements
    assert any("INSERT INTO events" in s for s in statements.seen), statements


def test_reject(db: Database, api: tuple[httpx.Client, dict[str, str]]) -> None:
    client, auth = api
    rid, _ = reserve(client, auth)
    with counted(db) as statements:
        command(client, auth, cmd="reject", id=rid)
    # authenticate, lock the activation, record the rejection, close it, release the
    # hold, lock the number, free it if idle (and learn that no bid is waiting)
    assert len(statements) <= 7, statements


def test_request_status_is_one_read(
    db: Database, backend: str, api: tuple[httpx.Client, dict[str, str]]
) -> None:
    client, auth = api
    rid, _ = reserve(client, auth)
    with counted(db) as statements:
        command(client, auth, cmd="request_status", id=rid)
    # One compiled SELECT that authenticates and reads at once; on PostgreSQL it runs on
    # the async pool, outside the engine.
    assert len(statements) <= (0 if backend == "postgresql" else 1), statements


def test_a_routed_sms(db: Database, backend: str, api: tuple[httpx.Client, dict[str, str]]) -> None:
    client, auth = api
    _, mdn = reserve(client, auth)
    with counted(db) as statements:
        got = client.post(
            "/gateway/v1/sms",
            data={"to": mdn, "from": "22000", "text": "G-123456 is your code", "ref": "r1"},
            headers={"authorization": f"Bearer {TOKEN}"},
        ).json()
    assert got["status"] == "routed", got
    # store; find the request; route the message; mark the number used; complete the
    # request; capture the hold (one statement on PostgreSQL, two on SQLite); lock the
    # number; free it (and learn that no bid is waiting); queue the webhook; add the
    # capture to the account's balance, last. No savepoint: a failure stores the SMS
    # afresh.
    assert len(statements) <= (10 if backend == "postgresql" else 11), statements
    assert "ledger_balances" in statements.seen[-1], statements


def test_claims_and_records_cost_the_same_for_one_event_or_fifty(
    db: Database, backend: str, api: tuple[httpx.Client, dict[str, str]]
) -> None:
    client, auth = api
    for n in range(10):
        _, mdn = reserve(client, auth)
        client.post(
            "/gateway/v1/sms",
            data={"to": mdn, "from": "22000", "text": "G-123456 is your code", "ref": f"r{n}"},
            headers={"authorization": f"Bearer {TOKEN}"},
        ).raise_for_status()
    with counted(db) as claiming, db.uow() as uow:
        claimed = events.claim_due(uow, limit=50, kinds=KINDS)
    assert len(claimed) == 10
    # the claims each account holds with the due events, then one UPDATE for the batch
    assert len(claiming) <= 2, claiming
    attempts = [events.Attempt(c.id, c.token, c.attempt, ok=True, status_code=200) for c in claimed]
    with counted(db) as recording, db.uow() as uow:
        statuses = events.record_attempts(uow, attempts)
    assert statuses == ["delivered"] * 10
    # the attempt log, then one UPDATE for the delivered ones; on PostgreSQL the log is
    # written in the UPDATE's WITH (failures, which are few, cost a read and an update
    # each: their next try depends on the event's history)
    assert len(recording) <= (1 if backend == "postgresql" else 2), recording


def test_an_idle_worker_pass_reads_once_per_sweep(
    db: Database, api: tuple[httpx.Client, dict[str, str]]
) -> None:
    client, auth = api
    reserve(client, auth)  # an open request, not yet due: the sweep must look and pass
    worker = Worker(db)
    try:
        worker.run_pending()
        with counted(db) as statements:
            worker.run_pending()
    finally:
        worker.stop()
    # Several times a second, with nothing to do: requests past their deadline,
    # rentals due, gateways with slots, messages to route again, events due.
    assert len(statements) <= 5, statements
    assert all(s.lstrip().upper().startswith(("SELECT", "WITH")) for s in statements.seen), (
        statements
    )
