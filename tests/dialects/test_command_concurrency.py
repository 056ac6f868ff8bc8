"""Racing clients: no number given twice, no hold lost, on both databases."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal

import httpx
from sqlalchemy import func, select

from simhive.app import create_app
from simhive.core.activations.models import Activation
from simhive.core.ledger.models import Hold
from simhive.db.uow import Database
from tests.fixtures import world
from tests.fixtures.servers import serve


async def race(url: str, calls: list[dict[str, str]]) -> list[dict[str, object]]:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        responses = await asyncio.gather(*(client.get(url, params=p) for p in calls))
    return [r.json() for r in responses]


class TestRacingRequests:
    def test_200_requests_for_50_numbers(self, db: Database) -> None:
        world.service(db, "Amazon", "0.37")
        world.numbers(db, 50)
        customers = [world.customer(db, f"user{i}", credit="20.00") for i in range(10)]
        calls = [
            {"cmd": "request", "user": c.username, "api_key": c.api_key, "service": "Amazon"}
            for c in customers
            for _ in range(20)
        ]
        with serve(create_app(db.settings, db=db, run_worker=False)) as base:
            answers = asyncio.run(race(base + "/api_command.php", calls))
        ok = [a for a in answers if a["status"] == "ok"]
        refused = [a for a in answers if a["status"] == "error"]
        assert len(ok) == 50
        assert {a["message"] for a in refused} == {"No numbers available, retry later"}
        mdns = [m["mdn"] for a in ok for m in a["message"]]  # type: ignore[attr-defined]
        assert len(set(mdns)) == 50
        with db.uow(write=False) as uow:
            reserved = Counter(
                uow.session.scalars(
                    select(Activation.account_id).where(Activation.status == "reserved")
                )
            )
            held = dict(
                uow.session.execute(
                    select(Hold.account_id, func.sum(Hold.amount_cents)).group_by(Hold.account_id)
                ).all()
            )
        assert sum(reserved.values()) == 50
        for c in customers:
            assert held.get(c.id, 0) == reserved[c.id] * 37
            assert world.available(db, c) == Decimal("20.00") - Decimal("0.37") * reserved[c.id]

    def test_parallel_spending_never_overdraws(self, db: Database) -> None:
        world.service(db, "Amazon", "1.00")
        world.numbers(db, 40)
        who = world.customer(db, "spender", credit="7.00")
        calls = [
            {"cmd": "request", "user": who.username, "api_key": who.api_key, "service": "Amazon"}
        ] * 30
        with serve(create_app(db.settings, db=db, run_worker=False)) as base:
            answers = asyncio.run(race(base + "/api_command.php", calls))
        ok = [a for a in answers if a["status"] == "ok"]
        assert len(ok) == 7
        messages = {a["message"] for a in answers if a["status"] == "error"}
        assert (
            messages <= {f"Insufficient funds. Your balance is ${n}.00" for n in range(7)}
            and messages
        )
        assert world.available(db, who) == Decimal("0.00")
