"""The operator's lists of inbound and outgoing SMS."""

from __future__ import annotations

from decimal import Decimal

import pytest

from simhive.core.errors import InvalidParameter
from simhive.core.outbound.models import OutgoingStatus
from simhive.db.uow import Database
from simhive.gateways.simulator import SimulatorGateway
from simhive.kit.clock import FrozenClock
from simhive.operations import messages as ops
from simhive.worker.runner import Worker
from tests.fixtures import world
from tests.fixtures.outbound import deliver, heard_from, queue_sms


class TestListSms:
    def test_outgoing_with_their_gateway_status(self, db: Database, clock: FrozenClock) -> None:
        world.service(db, "Google", "1.00")
        world.numbers(db, 2)
        alice = world.customer(db, "alice")
        mdn = heard_from(db, alice, sender="22000")
        first = queue_sms(db, alice, mdn, "22000", "STOP")
        worker = Worker(db, gateways={"simulator": SimulatorGateway(clock=clock)})
        try:
            worker.run_pending()
        finally:
            worker.stop()
        second = heard_from(db, alice, sender="4155550134")
        queued = queue_sms(db, alice, second, "14155550134", "later")

        newest, oldest = ops.list_outgoing(db)
        assert (newest.id, newest.status, newest.to, newest.gateway_ref) == (
            queued,
            OutgoingStatus.QUEUED,
            "14155550134",
            None,
        )
        assert (oldest.id, oldest.status, oldest.account, oldest.mdn) == (
            first,
            OutgoingStatus.SENT,
            "alice",
            mdn,
        )
        assert oldest.fee == Decimal("0.10") and oldest.gateway_ref is not None
        assert oldest.sent_at == clock.now()
        assert [o.id for o in ops.list_outgoing(db, to="+1 (415) 555-0134")] == [queued]
        assert [o.id for o in ops.list_outgoing(db, limit=1)] == [queued]

    def test_incoming_with_whom_they_went_to(self, db: Database) -> None:
        world.service(db, "Google", "1.00")
        world.numbers(db, 1)
        alice = world.customer(db, "alice")
        mdn = heard_from(db, alice, sender="22000")
        deliver(db, mdn, "33000", "nobody waits for this")
        unrouted, routed = ops.list_incoming(db)
        assert (unrouted.sender, unrouted.status, unrouted.account) == ("33000", "unrouted", None)
        assert (routed.sender, routed.account, routed.service, routed.pin) == (
            "22000",
            "alice",
            "Google",
            "G-123456",
        )
        assert len(ops.list_incoming(db, to=mdn[1:])) == 2
        assert ops.list_incoming(db, to="12125550000") == []

    @pytest.mark.parametrize("limit", [0, 1001])
    def test_a_limit_out_of_range(self, db: Database, limit: int) -> None:
        with pytest.raises(InvalidParameter):
            ops.list_outgoing(db, limit=limit)
