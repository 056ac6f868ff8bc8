"""REST API latency: /v1/verify, /v1/verify/check and /v1/requests/{id} (loopback, bounded).

    .venv/bin/python benchmarks/rest_verify.py sqlite|postgresql [REQUESTS]

Starts `simhive serve` (worker and simulator inside) on a fresh database, gives one
account a token, then 4 clients each make REQUESTS/4 rounds of verify, check (a wrong
code) and request info; prints p50 and p95 per route and the rounds per second.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from decimal import Decimal

import httpx
import sqlalchemy as sa

from simhive.core.accounts import service as accounts
from simhive.core.ledger import service as ledger
from simhive.core.ledger.models import EntryKind
from simhive.core.tokens import service as tokens
from simhive.db.engine import make_engine
from simhive.db.migrate import upgrade
from simhive.db.uow import Database
from simhive.kit.clock import SystemClock
from simhive.settings import Settings

PG = "postgresql://postgres@127.0.0.1:5432/test"
CLIENTS = 4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database(kind: str) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp()}/bench.db", None
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with make_engine(PG).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return sa.engine.make_url(PG).set(database=name).render_as_string(hide_password=False), name


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    url, dropped = database(kind)
    upgrade(url)
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    db = Database(make_engine(url), SystemClock(), settings)
    with db.uow() as uow:
        account = accounts.create_account(
            uow, username="bench", email="bench@example.com", password="bench-password"
        ).account
        ledger.post_entry(uow, account_id=account.id, amount=Decimal(1000), kind=EntryKind.CREDIT)
        credential = tokens.issue_token(uow, account=account).credential
    port = free_port()
    # One number verified over and over: past the fraud guard's per-number and per-range
    # limits, which would refuse it; the guard's own cost is in benchmarks/fraud_guard.py.
    env = {
        **os.environ,
        "SIMHIVE_DATABASE_URL": url,
        "SIMHIVE_REST_RATE_LIMIT": "100000/second",
        "SIMHIVE_FRAUD_NUMBER_LIMIT": "1000000",
        "SIMHIVE_FRAUD_RANGE_LIMIT": "1000000",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "simhive.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/v1"
    timings: dict[str, list[float]] = {"verify": [], "check": [], "request": []}
    lock = threading.Lock()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/livez", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        auth = tuple(credential.split(":", 1))

        def client(n: int) -> None:
            with httpx.Client(auth=auth, timeout=30) as http:  # type: ignore[arg-type]
                for _ in range(n):
                    t0 = time.perf_counter()
                    answer = http.post(
                        base + "/verify", data={"number": "+447400900123", "method": "sms"}
                    )
                    request_id = answer.json()["requestId"]
                    t1 = time.perf_counter()
                    http.post(base + "/verify/check", data={"requestId": request_id, "code": "x"})
                    t2 = time.perf_counter()
                    http.get(base + f"/requests/{request_id}")
                    t3 = time.perf_counter()
                    with lock:
                        timings["verify"].append(t1 - t0)
                        timings["check"].append(t2 - t1)
                        timings["request"].append(t3 - t2)

        started = time.perf_counter()
        threads = [
            threading.Thread(target=client, args=(rounds // CLIENTS,)) for _ in range(CLIENTS)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=15)
        db.engine.dispose()
        if dropped:
            with make_engine(PG).connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)')
    print(f"{kind}: {rounds} rounds by {CLIENTS} clients in {elapsed:.1f} s "
          f"({rounds / elapsed:.0f} rounds/s)")  # fmt: skip
    for name, values in timings.items():
        values.sort()
        p95 = values[int(len(values) * 0.95) - 1]
        print(
            f"  {name:8} p50 {statistics.median(values) * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms"
        )


if __name__ == "__main__":
    main()
