"""SIM rotation's costs: one window's turn of a bank's slots, the worker's check whether a
turn is due, and `ltr_status`'s plan for the last number in line (in process, fake clock).

    .venv/bin/python benchmarks/rotation.py sqlite|postgresql [NUMBERS [SLOTS]]

PostgreSQL: a throwaway database on SIMHIVE_TEST_POSTGRES_URL's server (see BENCHMARKS.md).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from simhive.core.inventory import service as inventory
from simhive.core.inventory.models import Number
from simhive.core.rotation import plan as rotation_plan
from simhive.core.rotation import service as rotation
from simhive.db.engine import make_engine
from simhive.db.migrate import upgrade
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from simhive.settings import Settings

WINDOW_S = 600
PG_URL = os.environ.get("SIMHIVE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def median_ms(run: Callable[[], object], times: int) -> float:
    took = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        took.append(time.perf_counter() - start)
    return statistics.median(took) * 1000


def measure(url: str, numbers: int, slots: int) -> str:
    upgrade(url)
    clock = FrozenClock()
    db = Database(make_engine(url), clock, Settings(database_url=url, _env_file=None))  # type: ignore[call-arg]
    try:
        with db.uow() as uow:
            for i in range(numbers):
                spec = inventory.NumberSpec(mdn=f"1212{2000000 + i:07d}", gateway="bank")
                inventory.add_number(uow, spec)
        with db.uow() as uow:
            rotation.configure(uow, gateway="bank", slots=slots, window_s=WINDOW_S, set_by="b")
        moved: list[int] = []

        def turn() -> None:
            clock.advance(seconds=WINDOW_S)
            with db.uow() as uow:
                moved.append(rotation.step(uow, gateway="bank"))

        def due() -> None:
            with db.uow(write=False) as uow:
                rotation.due(uow, gateway="bank")

        with db.uow(write=False) as uow:
            last = uow.session.scalar(
                sa.select(Number.id).where(Number.online.is_(False)).order_by(Number.id.desc())
            )

        def plan() -> None:
            with db.uow(write=False) as uow:
                number = uow.session.get(Number, last)
                assert number is not None
                rotation_plan.plan(uow, number)

        turn_ms = median_ms(turn, 5)
        return (
            f"{db.dialect}: {numbers} numbers, {slots} slots: a window's turn ({moved[-1]} moves) "
            f"{turn_ms:.1f} ms, due check {median_ms(due, 200):.1f} ms, "
            f"plan {median_ms(plan, 200):.1f} ms (medians)"
        )
    finally:
        db.engine.dispose()


def main() -> None:
    backend = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    numbers = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    slots = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            print(measure(f"sqlite:///{Path(folder) / 'rotation.db'}", numbers, slots))
        return
    name = f"simhive_rotation_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        print(measure(url, numbers, slots))
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    main()
