"""Racing order API clients: one open order per account, no number twice, on both databases."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from decimal import Decimal

import httpx
from sqlalchemy import func, select

from simhive.app import create_app
from simhive.core.activations.models import Activation
from simhive.core.ledger.models import Hold, HoldStatus
from simhive.db.uow import Database
from tests.fixtures import world
from tests.fixtures.servers import serve

ORDER = re.compile(r"ORDER_ID_(\d+)_NUMBER_(\d+)")


async def race(url: str, calls: list[dict[str, str]]) -> list[str]:
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        answers = await asyncio.gather(*(client.get(url, params=p) for p in calls))
    assert {a.status_code for a in answers} == {200}
    return [a.text for a in answers]


def open_orders(db: Database) -> Counter[int]:
    with db.uow(write=False) as uow:
        return Counter(
            uow.session.scalars(
                select(Activation.account_id).where(
                    Activation.status == "reserved", Activation.api == "order"
                )
            )
        )


class TestOneOpenOrder:
    def test_50_makeorders_at_once_make_one_order(self, db: Database) -> None:
        world.order_service(db, "Google", "1.00", 1)
        world.foreign_numbers(db, "NL", 60)
        who = world.customer(db, "racer", credit="100.00")
        calls = [{"key": who.api_key, "serviceId": "1", "country": "NL"}] * 50
        with serve(create_app(db.settings, db=db, run_worker=False)) as base:
            answers = asyncio.run(race(base + "/api/makeorder", calls))
        made = [m for a in answers if (m := ORDER.fullmatch(a))]
        assert len(made) == 1
        order_id = made[0][1]
        assert Counter(answers) == Counter({made[0][0]: 1, f"ORDER_ALREADY_OPEN_{order_id}": 49})
        assert open_orders(db) == Counter({who.id: 1})
        with db.uow(write=False) as uow:
            held = uow.session.scalar(
                select(func.sum(Hold.amount_cents)).where(Hold.status == HoldStatus.OPEN)
            )
        assert held == 100
        assert world.available(db, who) == Decimal("99.00")

    def test_many_accounts_racing_for_few_numbers(self, db: Database) -> None:
        world.order_service(db, "Google", "0.37", 1)
        world.foreign_numbers(db, "GB", 10)
        customers = [world.customer(db, f"user{i}", credit="5.00") for i in range(20)]
        calls = [
            {"key": c.api_key, "serviceId": "1", "country": "UK"}
            for c in customers
            for _ in range(3)
        ]
        with serve(create_app(db.settings, db=db, run_worker=False)) as base:
            answers = asyncio.run(race(base + "/api/makeorder", calls))
        made = [m for a in answers if (m := ORDER.fullmatch(a))]
        assert len(made) == 10
        assert len({m[2] for m in made}) == 10
        others = {a for a in answers if not ORDER.fullmatch(a)}
        assert others <= {"NO_PHONE_AVAILABLE"} | {f"ORDER_ALREADY_OPEN_{m[1]}" for m in made}
        opened = open_orders(db)
        assert sum(opened.values()) == 10 and set(opened.values()) == {1}
        for c in customers:
            assert world.available(db, c) == Decimal("5.00") - Decimal("0.37") * opened[c.id]
