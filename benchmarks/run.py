"""Load benchmarks for simhive on loopback: start the server, measure, print a Markdown table.

    .venv/bin/python benchmarks/run.py [--backend sqlite|postgresql|all] [--duration 10]

Measures, against one `uvicorn` process with the worker inside (the embedded default):
- the ceiling: a bare JSON endpoint (`/livez`) on the same server stack;
- `request_status` throughput and p50/p99 latency;
- request + reject cycles per second;
- inbound SMS (HTTP ingest) → webhook delivered, p50/p99 at 100 SMS/s;
- the order API: `getsms` throughput and latency, and makeorder + cancelorder cycles.
HTTP load comes from `wrk` (Debian package `wrk`); the rest from Python clients.
All traffic stays on 127.0.0.1, and every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import sqlalchemy as sa

from simhive.core.accounts import service as accounts
from simhive.core.accounts.models import Account
from simhive.core.catalog import service as catalog
from simhive.core.inventory import service as inventory
from simhive.core.ledger import service as ledger
from simhive.core.ledger.models import EntryKind
from simhive.db.engine import make_engine
from simhive.db.migrate import upgrade
from simhive.db.uow import Database
from simhive.kit.clock import SystemClock
from simhive.settings import Settings

TOKEN = "bench-token"
PG_ADMIN = os.environ.get("SIMHIVE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Figure:
    name: str
    rate: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    note: str = ""


class Receiver:
    """Records when each webhook arrives, by request id."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                form = dict(parse_qsl(body.decode()))
                receiver.arrivals.setdefault(form.get("id", ""), time.perf_counter())
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def seed(url: str, hook_url: str, numbers: int) -> tuple[str, str]:
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    db = Database(make_engine(url), SystemClock(), settings)
    with db.uow() as uow:
        catalog.set_service(uow, catalog.ServiceSpec(name="Google", price=Decimal("0.10")))
        created = accounts.create_account(
            uow, username="bench", email="bench@example.com", password="bench-password"
        )
        account: Account = created.account
        account.webhook_url = hook_url
        ledger.post_entry(
            uow, account_id=account.id, amount=Decimal("100000"), kind=EntryKind.CREDIT
        )
        for i in range(numbers):
            inventory.add_number(
                uow,
                inventory.NumberSpec(
                    mdn=f"1212{200 + i // 10000}{i % 10000:04d}",
                    gateway="simulator",
                    carrier="TMobile",
                ),
            )
    db.engine.dispose()
    return "bench", created.api_key


def seed_orders(url: str, accounts_count: int, numbers: int) -> list[str]:
    """Accounts for the order API (one open order each) and Dutch numbers; their keys."""
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    db = Database(make_engine(url), SystemClock(), settings)
    keys = []
    with db.uow() as uow:
        catalog.set_service(
            uow, catalog.ServiceSpec(name="Google", price=Decimal("0.10"), order_id=1)
        )
        for i in range(accounts_count):
            created = accounts.create_account(
                uow, username=f"order{i}", email=f"order{i}@example.com", password="bench-password"
            )
            ledger.post_entry(
                uow, account_id=created.account.id, amount=Decimal("1000"), kind=EntryKind.CREDIT
            )
            keys.append(created.api_key)
        for i in range(numbers):
            inventory.add_number(
                uow,
                inventory.NumberSpec(
                    mdn=str(31610000000 + i), gateway="simulator", carrier="KPN", country="NL"
                ),
            )
    db.engine.dispose()
    return keys


async def order_cycles(base: str, keys: list[str], duration: float) -> Figure:
    """Each account in a loop: makeorder, then cancelorder (one open order per account)."""
    done = 0
    latencies: list[float] = []
    deadline = time.perf_counter() + duration

    async def loop(client: httpx.AsyncClient, key: str) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            made = (
                await client.get(base + "/api/makeorder", params={"key": key, "serviceId": "1"})
            ).text
            if not made.startswith("ORDER_ID_"):
                raise RuntimeError(made)
            order_id = made.split("_")[2]
            gone = (
                await client.get(
                    base + "/api/cancelorder", params={"key": key, "orderId": order_id}
                )
            ).text
            if gone != "ORDER_CANCELED":
                raise RuntimeError(gone)
            latencies.append(time.perf_counter() - started)
            done += 1

    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(*(loop(client, key) for key in keys))
    elapsed = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100)
    note = f"{len(keys)} accounts, one client each"
    return Figure(
        "makeorder + cancelorder cycles", done / elapsed, q[49] * 1000, q[98] * 1000, note
    )


def wrk(url: str, duration: int, connections: int) -> Figure:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def ms(label: str) -> float:
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)", out, re.M)
        assert match, out
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Figure("", rate, ms("50%"), ms("99%"), f"{errors.group(1)} errors" if errors else "")


async def cycles(base: str, user: str, key: str, duration: float, concurrency: int) -> Figure:
    done = 0
    latencies: list[float] = []
    deadline = time.perf_counter() + duration
    api = base + "/api_command.php"

    async def loop(client: httpx.AsyncClient) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            got = (
                await client.get(
                    api,
                    params={"cmd": "request", "user": user, "api_key": key, "service": "Google"},
                )
            ).json()
            if got["status"] != "ok":
                raise RuntimeError(got)
            rid = got["message"][0]["id"]
            gone = (
                await client.get(
                    api, params={"cmd": "reject", "user": user, "api_key": key, "id": rid}
                )
            ).json()
            if gone["status"] != "ok":
                raise RuntimeError(gone)
            latencies.append(time.perf_counter() - started)
            done += 1

    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(*(loop(client) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100)
    return Figure("request + reject cycles", done / elapsed, q[49] * 1000, q[98] * 1000)


async def sms_to_webhook(
    base: str, user: str, key: str, receiver: Receiver, rate: int, seconds: int
) -> Figure:
    api = base + "/api_command.php"
    count = rate * seconds
    async with httpx.AsyncClient(timeout=30) as client:
        reserved = []
        for _ in range(count):
            got = (
                await client.get(
                    api,
                    params={"cmd": "request", "user": user, "api_key": key, "service": "Google"},
                )
            ).json()
            entry = got["message"][0]
            reserved.append((entry["id"], entry["mdn"]))
        sent: dict[str, float] = {}
        started = time.perf_counter()

        async def send(index: int, rid: str, mdn: str) -> None:
            await asyncio.sleep(max(started + index / rate - time.perf_counter(), 0))
            sent[rid] = time.perf_counter()
            response = await client.post(
                base + "/gateway/v1/sms",
                data={
                    "to": mdn,
                    "from": "22000",
                    "text": f"G-{100000 + index} is your Google verification code.",
                    "ref": f"b{index}",
                },
                headers={"authorization": f"Bearer {TOKEN}"},
            )
            response.raise_for_status()

        await asyncio.gather(*(send(i, rid, mdn) for i, (rid, mdn) in enumerate(reserved)))
    deadline = time.perf_counter() + 30
    while len(receiver.arrivals) < count and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    latencies = sorted(
        (receiver.arrivals[r] - sent[r]) * 1000 for r in sent if r in receiver.arrivals
    )
    q = statistics.quantiles(latencies, n=100)
    note = f"{len(latencies)}/{count} delivered, max {latencies[-1]:.1f} ms"
    return Figure(f"SMS → webhook at {rate}/s", None, q[49], q[98], note)


def start_server(url: str, port: int, log: Path, processes: int = 1) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SIMHIVE_DATABASE_URL": url,
        "SIMHIVE_INGEST_TOKEN": TOKEN,
        "SIMHIVE_WEBHOOK_ALLOW_PRIVATE": "1",
        "SIMHIVE_SIMULATOR_ENABLED": "0",
        "SIMHIVE_LOG_LEVEL": "warning",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "simhive.app:from_env",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
        "--workers",
        str(processes),
    ]
    process = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/livez", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(log.read_text())


def database(backend: str, workdir: Path) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}", None
    name = f"simhive_bench_{uuid.uuid4().hex[:8]}"
    engine = make_engine(PG_ADMIN)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return sa.engine.make_url(PG_ADMIN).set(database=name).render_as_string(False), name


def drop(name: str | None) -> None:
    if name:
        engine = make_engine(PG_ADMIN)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()


def bench(
    backend: str, duration: int, connections: int, sms_rate: int, processes: int
) -> list[Figure]:
    workdir = Path(tempfile.mkdtemp(prefix="simhive-bench-"))
    url, pg_name = database(backend, workdir)
    receiver = Receiver()
    server = None
    try:
        upgrade(url)
        user, key = seed(url, receiver.url, numbers=3000)
        order_keys = seed_orders(url, accounts_count=16, numbers=200)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(url, port, workdir / "server.log", processes)
        figures = []
        ceiling = wrk(base + "/livez", duration, connections)
        ceiling.name = "ceiling: bare JSON endpoint"
        figures.append(ceiling)
        got = httpx.get(
            base + "/api_command.php",
            params={"cmd": "request", "user": user, "api_key": key, "service": "Google"},
        ).json()
        rid = got["message"][0]["id"]
        status = wrk(
            f"{base}/api_command.php?cmd=request_status&user={user}&api_key={key}&id={rid}",
            duration,
            connections,
        )
        status.name = "request_status"
        status.note = f"{status.rate / ceiling.rate:.0%} of the ceiling" + (
            f", {status.note}" if status.note else ""
        )  # type: ignore[operator]
        figures.append(status)
        figures.append(asyncio.run(cycles(base, user, key, duration, concurrency=16)))
        waiting = httpx.get(
            base + "/api/makeorder", params={"key": order_keys[0], "serviceId": "1"}
        ).text
        order_id = waiting.split("_")[2]
        getsms = wrk(
            f"{base}/api/getsms?key={order_keys[0]}&orderId={order_id}", duration, connections
        )
        getsms.name = "order API getsms"
        getsms.note = f"{getsms.rate / ceiling.rate:.0%} of the ceiling" + (  # type: ignore[operator]
            f", {getsms.note}" if getsms.note else ""
        )
        figures.append(getsms)
        httpx.get(base + "/api/cancelorder", params={"key": order_keys[0], "orderId": order_id})
        figures.append(asyncio.run(order_cycles(base, order_keys, duration)))
        figures.append(
            asyncio.run(sms_to_webhook(base, user, key, receiver, rate=sms_rate, seconds=10))
        )
        return figures
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=15)
        receiver.server.shutdown()
        drop(pg_name)
        if os.environ.get("SIMHIVE_BENCH_KEEP"):
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "all"], default="all")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk / cycle run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--sms-rate", type=int, default=100, help="inbound SMS per second")
    parser.add_argument("--processes", type=int, default=1, help="server processes (uvicorn)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    backends = ["sqlite", "postgresql"] if args.backend == "all" else [args.backend]
    print("| backend | measure | rate (/s) | p50 (ms) | p99 (ms) | note |")
    print("|---|---|---:|---:|---:|---|")
    for backend in backends:
        for f in bench(backend, args.duration, args.connections, args.sms_rate, args.processes):
            rate = f"{f.rate:,.0f}" if f.rate is not None else "–"
            print(
                f"| {backend} | {f.name} | {rate} | {f.p50_ms:.2f} | {f.p99_ms:.2f} | {f.note} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
