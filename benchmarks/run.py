"""Load benchmarks for simhive on loopback: start the server, measure, print a Markdown table.

    .venv/bin/python benchmarks/run.py [--backend sqlite|postgresql|all] [--duration 10]

Measures, against one `uvicorn` process with the worker inside (the embedded default):
- the ceiling: a bare JSON endpoint (`/livez`) on the same server stack;
- `request_status` throughput and p50/p99 latency;
- request + reject cycles per second;
- inbound SMS (HTTP ingest) → webhook delivered, p50/p99 at 100 SMS/s;
- the order API: `getsms` throughput and latency, and makeorder + cancelorder cycles.
HTTP load comes from `wrk` (Debian package `wrk`); the rest from Python clients (aiohttp).
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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
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


class Backlogged(ThreadingHTTPServer):
    """A receiver that queues bursts of new connections (the default backlog is 5: a
    burst past it is reset, and a webhook reset at connect is retried only minutes later)."""

    request_queue_size = 256


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
    count: int = 0  # operations measured, for CPU per operation


def cpu_seconds(root: int) -> float:
    """CPU time (user + system) used so far by a process and its descendants alive now."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [root]
    while pids:
        pid = pids.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
        pids.extend(int(c) for c in children)
    return total


def database_cpu() -> dict[int, float]:
    """CPU time so far of each PostgreSQL process on this machine, by process id."""
    ticks = os.sysconf("SC_CLK_TCK")
    spent = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, fields = text[text.find("(") + 1 : text.rfind(")")], text.rsplit(")", 1)[1].split()
        if name == "postgres":
            spent[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / ticks
    return spent


def generator_cpu() -> float:
    """CPU time of this process (the load generator and the webhook receiver) and of the
    children it has waited for (wrk)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


class Meter:
    """CPU per operation while a measure ran: the servers', and, since all share the same
    cores, PostgreSQL's (its processes alive at the end) and the load generator's."""

    def __init__(self, servers: list[subprocess.Popen[bytes]], database: bool) -> None:
        self.pids = [process.pid for process in servers]
        self.database = database

    def __call__(self, measure: Callable[[], Figure]) -> Figure:
        before = sum(cpu_seconds(pid) for pid in self.pids)
        db_before = database_cpu() if self.database else {}
        generator_before = generator_cpu()
        figure = measure()
        spent = sum(cpu_seconds(pid) for pid in self.pids) - before
        generator = generator_cpu() - generator_before
        if figure.count:
            costs = [f"server CPU {spent / figure.count * 1000:.2f} ms each"]
            if self.database:
                db_after = database_cpu()
                db = sum(t - db_before.get(pid, 0.0) for pid, t in db_after.items())
                costs.append(f"database {db / figure.count * 1000:.2f}")
            costs.append(f"load generator {generator / figure.count * 1000:.2f}")
            cost = ", ".join(costs)
            figure.note = f"{figure.note}; {cost}" if figure.note else cost
        return figure


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

        self.server = Backlogged(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def seed(url: str, hook_url: str, numbers: int, accounts_count: int) -> list[tuple[str, str]]:
    """One service, `numbers` numbers and `accounts_count` funded accounts: (user, key) each."""
    settings = Settings(database_url=url, _env_file=None)
    db = Database(make_engine(url), SystemClock(), settings)
    logins = []
    with db.uow() as uow:
        catalog.set_service(uow, catalog.ServiceSpec(name="Google", price=Decimal("0.10")))
        for n in range(accounts_count):
            user = "bench" if n == 0 else f"bench{n}"
            created = accounts.create_account(
                uow, username=user, email=f"{user}@example.com", password="bench-password"
            )
            account: Account = created.account
            # A URL per account, as customers have: per-target delivery slots apply to each.
            account.webhook_url = f"{hook_url}/{n}"
            ledger.post_entry(
                uow, account_id=account.id, amount=Decimal("100000"), kind=EntryKind.CREDIT
            )
            logins.append((user, created.api_key))
        for i in range(numbers):
            inventory.add_number(
                uow,
                inventory.NumberSpec(
                    mdn=f"1212{200 + i // 10000}{i % 10000:04d}",
                    gateway="simulator",
                    carrier="TMobile",
                ),
            )
    # As `simhive numbers import` does after an import.
    db.analyze("numbers")
    db.engine.dispose()
    return logins


def give_history(url: str, username: str, entries: int) -> None:
    """Give an account `entries` past ledger entries (one cent each), as months of use do.

    Written in bulk, as an import of an old ledger would be, with the kept balance
    (`ledger_balances`, where the schema has it) moved by their sum.
    """
    engine = make_engine(url)
    with engine.begin() as conn:
        account_id = conn.execute(
            sa.text("SELECT id FROM accounts WHERE username = :u"), {"u": username}
        ).scalar_one()
        conn.execute(
            sa.text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count) "
                "INSERT INTO ledger_entries (account_id, amount_cents, kind, created_at) "
                "SELECT :account_id, -1, 'capture', CURRENT_TIMESTAMP FROM n"
            ),
            {"count": entries, "account_id": account_id},
        )
        if sa.inspect(conn).has_table("ledger_balances"):
            conn.execute(
                sa.text("UPDATE ledger_balances SET cents = cents - :count WHERE account_id = :a"),
                {"count": entries, "a": account_id},
            )
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("ANALYZE ledger_entries"))
    engine.dispose()


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
    db.analyze("numbers")
    db.engine.dispose()
    return keys


def session(connections: int) -> aiohttp.ClientSession:
    """The Python load generator's HTTP client. aiohttp's, not httpx's: posting a form to
    the receiver costs 0.55 ms of CPU (client and receiver) with it and 3.9 ms with
    httpx's AsyncClient, CPU taken from the server on the same two cores."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=connections),
        timeout=aiohttp.ClientTimeout(total=30),
    )


async def get_json(client: aiohttp.ClientSession, url: str, params: dict[str, str]) -> Any:
    async with client.get(url, params=params) as response:
        return await response.json(content_type=None)


async def get_text(client: aiohttp.ClientSession, url: str, params: dict[str, str]) -> str:
    async with client.get(url, params=params) as response:
        return await response.text()


async def loops(
    cycle: Callable[[aiohttp.ClientSession, int], Awaitable[None]], clients: int, duration: float
) -> tuple[float, list[float]]:
    """`clients` loops, each running `cycle` (with its index) for `duration` seconds: the
    cycles per second, and each cycle's latency in ms."""
    latencies: list[float] = []
    deadline = time.perf_counter() + duration

    async def loop(client: aiohttp.ClientSession, index: int) -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await cycle(client, index)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    async with session(clients) as client:
        await asyncio.gather(*(loop(client, i) for i in range(clients)))
    return len(latencies) / (time.perf_counter() - started), latencies


def looped(name: str, rate: float, latencies: list[float], note: str) -> Figure:
    q = statistics.quantiles(latencies, n=100)
    return Figure(name, rate, q[49], q[98], note, count=len(latencies))


async def order_cycles(base: str, keys: list[str], duration: float) -> Figure:
    """Each account in a loop: makeorder, then cancelorder (one open order per account)."""

    async def cycle(client: aiohttp.ClientSession, index: int) -> None:
        key = keys[index]
        made = await get_text(client, base + "/api/makeorder", {"key": key, "serviceId": "1"})
        if not made.startswith("ORDER_ID_"):
            raise RuntimeError(made)
        order_id = made.split("_")[2]
        gone = await get_text(client, base + "/api/cancelorder", {"key": key, "orderId": order_id})
        if gone != "ORDER_CANCELED":
            raise RuntimeError(gone)

    rate, latencies = await loops(cycle, len(keys), duration)
    note = f"{len(keys)} accounts, one client each"
    return looped("makeorder + cancelorder cycles", rate, latencies, note)


def wrk(url: str, duration: int, connections: int) -> Figure:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return _wrk_figure(out)


def _wrk_figure(out: str) -> Figure:
    def ms(label: str) -> float:
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)", out, re.M)
        assert match, out
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    note = f"{errors.group(1)} errors" if errors else ""
    return Figure("", rate, ms("50%"), ms("99%"), note, count=total)


def wrk_cycles(base: str, logins: list[tuple[str, str]], duration: int, concurrency: int) -> Figure:
    """Request + reject cycles driven by wrk (`cycles.lua`): the load generator's own CPU
    per cycle is a small fraction of the Python clients' (`cycles`), so more of the two
    cores goes to the server and PostgreSQL. Latencies are per call, not per cycle."""
    script = Path(__file__).with_name("cycles.lua")
    out = subprocess.run(
        ["wrk", f"-t{concurrency}", f"-c{concurrency}", f"-d{duration}s", "--latency"]
        + ["-s", str(script), base, "--"]
        + [part for login in logins for part in login],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figure = _wrk_figure(out)
    done = re.search(r"^cycles (\d+) failures (\d+)$", out, re.M)
    assert done, out
    made, failed = int(done.group(1)), int(done.group(2))
    who = "one account" if len(logins) == 1 else f"{len(logins)} accounts"
    figure.name = f"request + reject cycles by wrk, {who}"
    figure.rate, figure.count = made / duration, made
    figure.note = f"{concurrency} connections; p50 and p99 per call" + (
        f"; {failed} calls failed" if failed else ""
    )
    return figure


async def cycles(
    base: str, logins: list[tuple[str, str]], duration: float, concurrency: int, history: int = 0
) -> Figure:
    """`concurrency` clients loop request then reject, spread over `logins` round robin."""
    api = base + "/api_command.php"

    async def cycle(client: aiohttp.ClientSession, index: int) -> None:
        user, key = logins[index % len(logins)]
        got = await get_json(
            client, api, {"cmd": "request", "user": user, "api_key": key, "service": "Google"}
        )
        if got["status"] != "ok":
            raise RuntimeError(got)
        rid = got["message"][0]["id"]
        gone = await get_json(
            client, api, {"cmd": "reject", "user": user, "api_key": key, "id": rid}
        )
        if gone["status"] != "ok":
            raise RuntimeError(gone)

    rate, latencies = await loops(cycle, concurrency, duration)
    who = "one account" if len(logins) == 1 else f"{len(logins)} accounts"
    if history:
        who += f", the first with {history:,} past ledger entries"
    return looped(f"request + reject cycles, {who}", rate, latencies, f"{concurrency} clients")


async def reserve(base: str, logins: list[tuple[str, str]], count: int) -> list[tuple[str, str]]:
    """`count` Reserved requests spread over the accounts: (id, mdn) each."""
    api = base + "/api_command.php"
    reserved: list[tuple[str, str]] = []
    async with session(16) as client:

        async def one(i: int) -> None:
            user, key = logins[i % len(logins)]
            got = await get_json(
                client, api, {"cmd": "request", "user": user, "api_key": key, "service": "Google"}
            )
            if got.get("status") != "ok":
                raise RuntimeError(f"request {i} of {user} refused: {got}")
            entry = got["message"][0]
            reserved.append((entry["id"], entry["mdn"]))

        for start in range(0, count, 16):
            await asyncio.gather(*(one(i) for i in range(start, min(start + 16, count))))
    return reserved


async def post(
    client: aiohttp.ClientSession, url: str, form: dict[str, str], headers: dict[str, str]
) -> None:
    async with client.post(url, data=form, headers=headers) as response:
        response.raise_for_status()
        await response.read()


async def sms_to_webhook(
    base: str, reserved: list[tuple[str, str]], receiver: Receiver, rate: int, seconds: int
) -> Figure:
    """Post one SMS per reserved number at `rate`/s; latency until its webhook arrives."""
    count = rate * seconds
    batch = reserved[:count]
    del reserved[:count]
    sent: dict[str, float] = {}
    stored: list[float] = []
    resent: list[str] = []
    async with session(64) as client:
        started = time.perf_counter()

        async def send(index: int, rid: str, mdn: str) -> None:
            await asyncio.sleep(max(started + index / rate - time.perf_counter(), 0))
            sent[rid] = time.perf_counter()
            form = {
                "to": mdn,
                "from": "22000",
                "text": f"G-{100000 + index} is your Google verification code.",
                "ref": f"b{rid}",
            }
            auth = {"authorization": f"Bearer {TOKEN}"}
            try:
                await post(client, base + "/gateway/v1/sms", form, auth)
            except aiohttp.ClientConnectionError:
                # A kept-alive connection the server closed as it was reused: post again,
                # as a gateway would (the ingest keeps one SMS per reference), and say so.
                resent.append(rid)
                await post(client, base + "/gateway/v1/sms", form, auth)
            stored.append((time.perf_counter() - sent[rid]) * 1000)

        await asyncio.gather(*(send(i, rid, mdn) for i, (rid, mdn) in enumerate(batch)))
    deadline = time.perf_counter() + 30
    while any(r not in receiver.arrivals for r in sent) and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    latencies = sorted(
        (receiver.arrivals[r] - sent[r]) * 1000 for r in sent if r in receiver.arrivals
    )
    q = statistics.quantiles(latencies, n=100)
    acked = statistics.quantiles(stored, n=100)
    note = (
        f"{len(latencies)}/{count} delivered, max {latencies[-1]:,.0f} ms; "
        f"stored and routed (ingest answer) p50 {acked[49]:,.1f} / p99 {acked[98]:,.1f} ms"
    )
    if resent:
        note += f"; {len(resent)} posted again after a connection error"
    return Figure(f"SMS → webhook at {rate}/s", None, q[49], q[98], note, count=count)


def pgbench(url: str, duration: int, clients: int) -> Figure:
    """The database's own ceiling for small write transactions: `pgbench -N` on the same server."""
    target = sa.engine.make_url(url)
    args = ["-h", target.host or "127.0.0.1", "-p", str(target.port or 5432)]
    args += ["-U", target.username or "postgres", target.database or "postgres"]
    subprocess.run(["pgbench", "-i", "-q", "-s", "10", *args], capture_output=True, check=True)
    out = subprocess.run(
        ["pgbench", "-N", "-c", str(clients), "-j", "2", "-T", str(duration), *args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = re.search(r"latency average = ([\d.]+) ms", out)
    return Figure(
        "pgbench -N (the database's ceiling)",
        tps,
        float(latency.group(1)) if latency else None,
        None,
        f"{clients} clients, scale 10",
    )


def start_server(
    url: str, port: int, log: Path, processes: int = 1, split: bool = False
) -> list[subprocess.Popen[bytes]]:
    """The server (uvicorn, `processes` processes); with `split`, the worker runs apart
    (`serve --workers N --no-worker` plus one `simhive worker`)."""
    env = {
        **os.environ,
        "SIMHIVE_DATABASE_URL": url,
        "SIMHIVE_INGEST_TOKEN": TOKEN,
        "SIMHIVE_WEBHOOK_ALLOW_PRIVATE": "1",
        "SIMHIVE_SIMULATOR_ENABLED": "0",
        "SIMHIVE_LOG_LEVEL": "warning",
        "SIMHIVE_SERVE_WORKER": "0" if split else "1",
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
    out = log.open("wb")
    started = [subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)]
    if split:
        worker = [sys.executable, "-m", "simhive.cli.main", "worker"]
        started.append(subprocess.Popen(worker, env=env, stdout=out, stderr=subprocess.STDOUT))
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/livez", timeout=1).status_code == 200:
                return started
        except httpx.HTTPError:
            time.sleep(0.1)
    for process in started:
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


MEASURES = ("pgbench", "ceiling", "status", "cycles", "orders", "sms")


@dataclass
class Plan:
    backend: str
    duration: int
    connections: int
    sms_rates: list[int]
    sms_seconds: int
    processes: int
    split: bool
    accounts: int
    measures: tuple[str, ...]
    ledger_entries: int = 0


def bench(plan: Plan) -> list[Figure]:
    workdir = Path(tempfile.mkdtemp(prefix="simhive-bench-"))
    url, pg_name = database(plan.backend, workdir)
    receiver = Receiver()
    servers: list[subprocess.Popen[bytes]] = []
    try:
        upgrade(url)
        wanted = sum(plan.sms_rates) * plan.sms_seconds if "sms" in plan.measures else 0
        # A rejected number is never offered to that account again: the first account
        # goes through about 500 numbers a second of cycles.
        rejected = 500 * plan.duration if "cycles" in plan.measures else 0
        logins = seed(
            url,
            receiver.url,
            numbers=max(3000, wanted + rejected + 200),
            accounts_count=plan.accounts,
        )
        user, key = logins[0]
        if plan.ledger_entries:
            give_history(url, user, plan.ledger_entries)
        figures = []
        if "pgbench" in plan.measures and pg_name is not None:
            figures.append(pgbench(url, plan.duration, clients=20))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        servers = start_server(url, port, workdir / "server.log", plan.processes, plan.split)
        meter = Meter(servers, database=plan.backend == "postgresql")
        ceiling = None
        if "ceiling" in plan.measures or "status" in plan.measures:
            ceiling = meter(lambda: wrk(base + "/livez", plan.duration, plan.connections))
            ceiling.name = "ceiling: bare JSON endpoint"
            figures.append(ceiling)
        if "status" in plan.measures:
            got = httpx.get(
                base + "/api_command.php",
                params={"cmd": "request", "user": user, "api_key": key, "service": "Google"},
            ).json()
            rid = got["message"][0]["id"]
            poll = f"{base}/api_command.php?cmd=request_status&user={user}&api_key={key}&id={rid}"
            status = meter(lambda: wrk(poll, plan.duration, plan.connections))
            status.name = "request_status"
            assert ceiling is not None and ceiling.rate and status.rate
            share = f"{status.rate / ceiling.rate:.0%} of the ceiling"
            status.note = share + (f", {status.note}" if status.note else "")
            figures.append(status)
        if "cycles" in plan.measures:
            for who in [logins[:1], logins] if plan.accounts > 1 else [logins]:
                figures.append(
                    meter(
                        lambda who=who: asyncio.run(  # type: ignore[misc]
                            cycles(
                                base,
                                who,
                                plan.duration,
                                concurrency=20,
                                history=plan.ledger_entries,
                            )
                        )
                    )
                )
            if not plan.ledger_entries:
                for who in [logins[:1], logins] if plan.accounts > 1 else [logins]:
                    figures.append(meter(lambda who=who: wrk_cycles(base, who, plan.duration, 20)))
        if "orders" in plan.measures:
            order_keys = seed_orders(url, accounts_count=16, numbers=200)
            waiting = httpx.get(
                base + "/api/makeorder", params={"key": order_keys[0], "serviceId": "1"}
            ).text
            order_id = waiting.split("_")[2]
            poll = f"{base}/api/getsms?key={order_keys[0]}&orderId={order_id}"
            getsms = meter(lambda: wrk(poll, plan.duration, plan.connections))
            getsms.name = "order API getsms"
            if ceiling is not None and ceiling.rate and getsms.rate:
                share = f"{getsms.rate / ceiling.rate:.0%} of the ceiling"
                getsms.note = share + (f", {getsms.note}" if getsms.note else "")
            figures.append(getsms)
            httpx.get(base + "/api/cancelorder", params={"key": order_keys[0], "orderId": order_id})
            figures.append(
                meter(lambda: asyncio.run(order_cycles(base, order_keys, plan.duration)))
            )
        if "sms" in plan.measures:
            reserved = asyncio.run(reserve(base, logins, wanted))
            for rate in plan.sms_rates:
                figures.append(
                    meter(
                        lambda rate=rate: asyncio.run(  # type: ignore[misc]
                            sms_to_webhook(base, reserved, receiver, rate, plan.sms_seconds)
                        )
                    )
                )
        return figures
    finally:
        for process in servers:
            process.terminate()
        for process in servers:
            process.wait(timeout=15)
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
    parser.add_argument(
        "--sms-rate",
        default="100",
        help="inbound SMS per second; a comma-separated list measures each in turn",
    )
    parser.add_argument("--sms-seconds", type=int, default=10, help="seconds of SMS per rate")
    parser.add_argument("--processes", type=int, default=1, help="server processes (uvicorn)")
    parser.add_argument(
        "--split",
        action="store_true",
        help="run the worker as its own process (serve --no-worker plus simhive worker)",
    )
    parser.add_argument("--accounts", type=int, default=20, help="customer accounts seeded")
    parser.add_argument(
        "--ledger-entries",
        type=int,
        default=0,
        help="past ledger entries given to the first account before measuring (say 1000000)",
    )
    parser.add_argument(
        "--measures", default=",".join(MEASURES), help=f"comma-separated subset of {MEASURES}"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    measures = tuple(m for m in args.measures.split(",") if m)
    if unknown := set(measures) - set(MEASURES):
        sys.exit(f"unknown measures: {sorted(unknown)}")
    backends = ["sqlite", "postgresql"] if args.backend == "all" else [args.backend]
    print("| backend | measure | rate (/s) | p50 (ms) | p99 (ms) | note |")
    print("|---|---|---:|---:|---:|---|")
    for backend in backends:
        plan = Plan(
            backend=backend,
            duration=args.duration,
            connections=args.connections,
            sms_rates=[int(r) for r in args.sms_rate.split(",")],
            sms_seconds=args.sms_seconds,
            processes=args.processes,
            split=args.split,
            accounts=args.accounts,
            measures=measures,
            ledger_entries=args.ledger_entries,
        )
        label = backend + (f" ×{args.processes}" if args.processes > 1 else "")
        label += " + worker" if args.split else ""
        for f in bench(plan):
            rate = f"{f.rate:,.0f}" if f.rate is not None else "–"
            p50 = f"{f.p50_ms:,.2f}" if f.p50_ms is not None else "–"
            p99 = f"{f.p99_ms:,.2f}" if f.p99_ms is not None else "–"
            print(f"| {label} | {f.name} | {rate} | {p50} | {p99} | {f.note} |", flush=True)


if __name__ == "__main__":
    main()
