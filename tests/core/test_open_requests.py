"""`max_open_requests`: one account cannot hold the whole pool with requests it lets
time out (a request that times out costs nothing)."""

from __future__ import annotations

import random
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from simhive.core.activations.models import Activation, ActivationStatus
from simhive.core.errors import CoreError, TooManyOpen
from simhive.core.inventory.models import Number
from simhive.core.ledger.models import Hold, HoldStatus
from simhive.db.uow import Database
from tests.core.test_activations import reject, request
from tests.fixtures import world
from tests.fixtures.world import Customer


@pytest.fixture
def bounded(db: Database) -> Database:
    db.settings = db.settings.model_copy(update={"max_open_requests": 3})
    return db


@pytest.fixture
def alice(bounded: Database) -> Customer:
    world.service(bounded, "Google", "1.00")
    world.service(bounded, "Amazon", "0.50")
    return world.customer(bounded, "alice", credit="50.00")


def leased(db: Database) -> int:
    with db.uow(write=False) as uow:
        return int(
            uow.session.scalar(select(func.count(Number.id)).where(Number.lease_group.is_not(None)))
            or 0
        )


def open_holds(db: Database) -> int:
    with db.uow(write=False) as uow:
        return int(
            uow.session.scalar(select(func.count(Hold.id)).where(Hold.status == HoldStatus.OPEN))
            or 0
        )


def test_past_the_bound_a_request_is_refused_and_changes_nothing(
    bounded: Database, alice: Customer
) -> None:
    world.numbers(bounded, 6)
    made = [request(bounded, alice, "Google")[0] for _ in range(3)]
    before = (leased(bounded), open_holds(bounded), world.available(bounded, alice))
    with pytest.raises(TooManyOpen):
        request(bounded, alice, "Google")
    # A multi-service request counts each of its services.
    reject(bounded, alice, made[0].id)
    with pytest.raises(TooManyOpen):
        request(bounded, alice, "Google", "Amazon")
    assert (leased(bounded), open_holds(bounded)) == (before[0] - 1, before[1] - 1)
    assert world.available(bounded, alice) == before[2] + Decimal("1.00")
    request(bounded, alice, "Amazon")  # room for one again
    bob = world.customer(bounded, "bob")
    assert request(bounded, bob, "Google")[0].status == ActivationStatus.RESERVED


def test_parallel_requests_never_pass_the_bound(bounded: Database, alice: Customer) -> None:
    # Counted under the account's lock: twenty at once, in random order, three get through.
    world.numbers(bounded, 30)
    services = ["Google", "Amazon"]
    outcomes: list[str] = []
    lock = threading.Lock()

    def one() -> None:
        try:
            request(bounded, alice, random.choice(services))
            outcome = "ok"
        except TooManyOpen:
            outcome = "bounded"
        except CoreError as exc:  # SQLite's writer may be busy: no request made
            outcome = exc.code.value
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("ok") == 3
    assert outcomes.count("bounded") == 17
    with bounded.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count(Activation.id))) == 3
    assert open_holds(bounded) == 3
    assert leased(bounded) == 3
