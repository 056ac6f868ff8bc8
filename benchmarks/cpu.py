"""CPU per routed SMS, per request + reject, per idle worker pass and per batch of webhook
records, in one process, with no HTTP around them.

    .venv/bin/python benchmarks/cpu.py                        # PostgreSQL, 600 of each
    .venv/bin/python benchmarks/cpu.py --backend sqlite --count 300
    PYTHONPATH=<checkout>/src .venv/bin/python benchmarks/cpu.py   # an older checkout

The server-level figures of `run.py` put the load generator, PostgreSQL and the server
on the same two cores, so they move with whatever else the machine does. This measures
only core's own work: the transactions a `request`, a `reject` and an inbound SMS run,
called one after another on one thread, timed by the process's CPU clock; then the
worker's pass with nothing due (it runs five times a second in every serving process)
and the record of two delivered webhooks (the usual batch at 100 SMS/s). What it leaves
out (HTTP, the webhook's delivery) `run.py` measures.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from run import database, drop, seed

from simhive.core.accounts.models import Account
from simhive.core.activations import service as activations
from simhive.core.events import service as events
from simhive.core.events.models import EventKind
from simhive.db.engine import make_engine
from simhive.db.migrate import upgrade
from simhive.db.uow import Database
from simhive.gateways.base import InboundSMS
from simhive.kit.clock import SystemClock
from simhive.settings import Settings
from simhive.worker import inbound
from simhive.worker.runner import Worker

GOOGLE = activations.NumberRequest(services=("Google",))


def cpu_ms(step: Callable[[int], None], count: int) -> float:
    """CPU milliseconds per call of `step`, after a few calls to warm up."""
    for i in range(20):
        step(i)
    started = time.process_time()
    for i in range(20, 20 + count):
        step(i)
    return (time.process_time() - started) / count * 1000


def measure(url: str, count: int) -> tuple[float, float, float, float]:
    # Rejected numbers are never offered to the account again: enough for both measures.
    seed(url, "https://hooks.example.com", numbers=2 * count + 100, accounts_count=1)
    # One account: let it hold every webhook claimed at once, for the records measure.
    settings = Settings(database_url=url, _env_file=None, webhook_account_claims=10 * count)
    db = Database(make_engine(url, pool_size=2), SystemClock(), settings)
    try:
        with db.uow(write=False) as uow:
            account = uow.session.query(Account).one()
            uow.session.expunge(account)

        def request() -> activations.ActivationView:
            with db.uow() as uow:
                mine = uow.session.merge(account, load=False)
                return activations.request_number(uow, account=mine, request=GOOGLE)[0]

        def cycle(_: int) -> None:
            view = request()
            with db.uow() as uow:
                mine = uow.session.merge(account, load=False)
                activations.reject(uow, account=mine, activation_id=view.id)

        cycles = cpu_ms(cycle, count // 2)
        waiting = [request().mdn for _ in range(count + 20)]
        sink = inbound.Sink(db, "simulator")

        def sms(i: int) -> None:
            sink(
                InboundSMS(
                    to=waiting[i],
                    sender="22000",
                    text=f"G-{100000 + i} is your Google verification code.",
                    received_at=datetime.now(UTC),
                    gateway_ref=f"cpu-{i}",
                )
            )

        # Before any SMS: open requests to look at, no webhook due.
        worker = Worker(db)
        try:
            idle = cpu_ms(lambda _: worker.run_pending(wait=False), count // 2)
        finally:
            worker.stop()
        routed = cpu_ms(sms, count)
        with db.uow() as uow:
            claimed = events.claim_due(uow, limit=count, kinds=(EventKind.WEBHOOK.value,))
        pairs = [claimed[i : i + 2] for i in range(0, len(claimed) - 1, 2)]

        def record(i: int) -> None:
            made = [
                events.Attempt(c.id, c.token, c.attempt, ok=True, status_code=200) for c in pairs[i]
            ]
            with db.uow() as uow:
                events.record_attempts(uow, made)

        records = cpu_ms(record, len(pairs) - 20)
        return cycles, routed, idle, records
    finally:
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--count", type=int, default=600, help="SMS routed per run")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="simhive-cpu-") as workdir:
            url, name = database(args.backend, Path(workdir))
            try:
                upgrade(url)
                results.append(measure(url, args.count))
            finally:
                drop(name)
    print(
        "| backend | request + reject (CPU ms) | routed SMS (CPU ms) "
        "| idle worker pass (CPU ms) | record of 2 webhooks (CPU ms) |"
    )
    print("|---|---:|---:|---:|---:|")
    for figures in results:
        print(f"| {args.backend} | " + " | ".join(f"{f:.2f}" for f in figures) + " |")
    medians = [statistics.median(column) for column in zip(*results, strict=True)]
    print("| median | " + " | ".join(f"{m:.2f}" for m in medians) + " |")


if __name__ == "__main__":
    main()
