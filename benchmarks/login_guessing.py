"""Other customers' write latency while two clients guess passwords (loopback only, bounded).

    .venv/bin/python benchmarks/login_guessing.py sqlite|postgresql [SIMHIVE_X=Y ...]

One customer loops request + reject while two clients loop `cmd=request&pass=wrong`;
prints the customer's latency quiet and under guessing (see BENCHMARKS.md).
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
from simhive.core.catalog import service as catalog
from simhive.core.inventory import service as inventory
from simhive.core.ledger import service as ledger
from simhive.core.ledger.models import EntryKind
from simhive.db.engine import make_engine
from simhive.db.migrate import upgrade
from simhive.db.uow import Database
from simhive.kit.clock import SystemClock
from simhive.settings import Settings

PG = "postgresql://postgres@127.0.0.1:5432/test"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(url):
    db = Database(make_engine(url), SystemClock(), Settings(database_url=url, _env_file=None))
    keys = {}
    with db.uow() as uow:
        catalog.set_service(uow, catalog.ServiceSpec(name="Google", price=Decimal("0.10")))
        for name in ("bob", "alice"):
            c = accounts.create_account(
                uow, username=name, email=f"{name}@example.com", password=f"{name}-password"
            )
            ledger.post_entry(
                uow, account_id=c.account.id, amount=Decimal("100000"), kind=EntryKind.CREDIT
            )
            keys[name] = c.api_key
        for i in range(500):
            inventory.add_number(
                uow,
                inventory.NumberSpec(
                    mdn=f"1212{200 + i // 10000}{i % 10000:04d}",
                    carrier="TMobile",
                    gateway="simulator",
                ),
            )
    db.engine.dispose()
    return keys


def main(backend, seconds=8.0, extra_env=None):
    tmp = tempfile.mkdtemp()
    if backend == "sqlite":
        url = f"sqlite:///{tmp}/g.db"
    else:
        name = f"guess_{uuid.uuid4().hex[:8]}"
        admin = make_engine(PG)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.engine.make_url(PG).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    keys = seed(url)
    port = free_port()
    env = {
        **os.environ,
        "SIMHIVE_DATABASE_URL": url,
        "SIMHIVE_SIMULATOR_ENABLED": "0",
        **(extra_env or {}),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "simhive.app:from_env",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(base + "/livez").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        api = base + "/api_command.php"

        def customer(lat, until):
            with httpx.Client(timeout=30) as c:
                while time.monotonic() < until:
                    t = time.perf_counter()
                    r = c.post(
                        api,
                        data={
                            "cmd": "request",
                            "user": "bob",
                            "api_key": keys["bob"],
                            "service": "Google",
                        },
                    ).json()
                    lat.append((time.perf_counter() - t) * 1000)
                    if r["status"] == "ok":
                        c.post(
                            api,
                            data={
                                "cmd": "reject",
                                "user": "bob",
                                "api_key": keys["bob"],
                                "id": r["message"][0]["id"],
                            },
                        )
                    time.sleep(0.02)

        answers = {}

        def guesser(until):
            with httpx.Client(timeout=30) as c:
                while time.monotonic() < until:
                    m = c.post(
                        api,
                        data={
                            "cmd": "request",
                            "user": "alice",
                            "pass": "wrong",
                            "service": "Google",
                        },
                    ).json()["message"]
                    answers[m.split(",")[0]] = answers.get(m.split(",")[0], 0) + 1

        out = {}
        for label, guessers in (("quiet", 0), ("2 guessers", 2)):
            lat = []
            until = time.monotonic() + seconds
            ts = [threading.Thread(target=guesser, args=(until,)) for _ in range(guessers)]
            ts.append(threading.Thread(target=customer, args=(lat, until)))
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            lat.sort()
            out[label] = (len(lat), statistics.median(lat), lat[int(len(lat) * 0.99) - 1])
        print(
            backend,
            extra_env or "",
            {k: f"n={n} p50={p50:.1f}ms p99={p99:.1f}ms" for k, (n, p50, p99) in out.items()},
            answers,
        )
    finally:
        proc.terminate()
        proc.wait(10)
        if backend != "sqlite":
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    extra = dict(a.split("=", 1) for a in sys.argv[2:])
    main(sys.argv[1], extra_env=extra)
