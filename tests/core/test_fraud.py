"""Fraud check: the block list, the numbering plan, and the guard's sliding windows."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from simhive.core.errors import InvalidNumber, InvalidParameter, NotFound
from simhive.core.insight import fraud
from simhive.core.insight.fraud import FraudStatus, FraudVerdict
from simhive.core.insight.models import FraudCounter
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from tests.fixtures import world

# Real mobile numbers (valid ranges) in three countries.
NORWAY = "+4790000000"
GERMANY = "+4915112345678"
INDIA = "+916386535610"


def check(
    db: Database,
    number: str,
    *,
    account_id: int | None = None,
    ip: str | None = None,
    record: bool = True,
) -> FraudVerdict:
    with db.uow() as uow:
        return fraud.check(uow, number, ip=ip, account_id=account_id, record_attempt=record)


def codes(verdict: FraudVerdict) -> list[str]:
    return [reason.split(":", 1)[0] for reason in verdict.reasons]


def counters(db: Database) -> int:
    with db.uow(write=False) as uow:
        return int(uow.session.scalar(select(func.coalesce(func.sum(FraudCounter.attempts), 0))))


class TestVerdicts:
    def test_mobile_passes(self, db: Database) -> None:
        assert check(db, NORWAY) == FraudVerdict(
            number=NORWAY, status=FraudStatus.PASSED, mobile_prefix=True, reasons=()
        )

    def test_fixed_line_is_not_mobile(self, db: Database) -> None:
        verdict = check(db, "+3726000000")
        assert (verdict.status, verdict.mobile_prefix) == (FraudStatus.NOT_MOBILE_PREFIX, False)
        assert verdict.reasons == ("not_mobile: +3726000000 is a fixed_line number",)

    def test_unallotted_range_is_not_mobile(self, db: Database) -> None:
        # 003's own example.
        verdict = check(db, "+18800000000")
        assert (verdict.status, verdict.mobile_prefix) == (FraudStatus.NOT_MOBILE_PREFIX, False)
        assert codes(verdict) == ["unallotted_range"]

    def test_premium_rate_is_fraudulent(self, db: Database) -> None:
        verdict = check(db, "+19005551234")
        assert (verdict.status, verdict.mobile_prefix) == (FraudStatus.FRAUDULENT, False)
        assert codes(verdict) == ["premium_rate", "not_mobile"]

    def test_high_risk_range_is_suspicious(self, db: Database) -> None:
        verdict = check(db, "+881612345678")  # a satellite phone: valid, mobile, high risk
        assert (verdict.status, verdict.mobile_prefix) == (FraudStatus.SUSPICIOUS, True)
        assert verdict.reasons == ("high_risk_range: +881 is a high-risk range",)

    @pytest.mark.parametrize("raw", ["", "not a number", "+9991234567"])
    def test_invalid_number(self, db: Database, raw: str) -> None:
        with pytest.raises(InvalidNumber):
            check(db, raw, account_id=1)
        assert counters(db) == 0


class TestBlockList:
    def test_blocked_prefix_is_fraudulent(self, db: Database) -> None:
        with db.uow() as uow:
            fraud.block(uow, prefix="+47 900", reason="pumping seen", made_by="ops")
        verdict = check(db, NORWAY)
        assert (verdict.status, verdict.mobile_prefix) == (FraudStatus.FRAUDULENT, True)
        assert verdict.reasons == ("blocked_prefix: +47900 is blocked (pumping seen)",)
        assert check(db, "+4791000000").status is FraudStatus.PASSED

    def test_longest_block_first_and_unblock(self, db: Database) -> None:
        with db.uow() as uow:
            fraud.block(uow, prefix="47", made_by="ops")
            fraud.block(uow, prefix="4790000000", reason="one number", made_by="ops")
        assert check(db, NORWAY).reasons == (
            "blocked_prefix: +4790000000 is blocked (one number)",
            "blocked_prefix: +47 is blocked",
        )
        with db.uow() as uow:
            fraud.unblock(uow, prefix="+47")
            fraud.unblock(uow, prefix="4790000000")
            assert fraud.list_blocks(uow) == []
        assert check(db, NORWAY).status is FraudStatus.PASSED

    def test_block_again_changes_the_reason(self, db: Database) -> None:
        with db.uow() as uow:
            fraud.block(uow, prefix="47", reason="first", made_by="ops")
            fraud.block(uow, prefix="+47", reason="second", made_by="ops")
            (only,) = fraud.list_blocks(uow)
            assert (only.prefix, only.reason, only.created_by) == ("47", "second", "ops")

    @pytest.mark.parametrize("prefix", ["", "+", "47a", "1234567890123456", "٤٧"])
    def test_bad_prefix_changes_nothing(self, db: Database, prefix: str) -> None:
        with pytest.raises(InvalidParameter), db.uow() as uow:
            fraud.block(uow, prefix=prefix, made_by="ops")
        with db.uow() as uow:
            assert fraud.list_blocks(uow) == []

    def test_unblock_unknown(self, db: Database) -> None:
        with pytest.raises(NotFound), db.uow() as uow:
            fraud.unblock(uow, prefix="47")


class TestGuard:
    def test_range_velocity(self, db: Database) -> None:
        alice = world.customer(db)
        # Ten numbers of one range of 1,000, far enough apart not to be a sequence.
        numbers = [f"+4790000{n:03d}" for n in range(0, 1000, 100)]
        for number in numbers:
            assert check(db, number, account_id=alice.id).passed
        verdict = check(db, "+4790000950", account_id=alice.id)
        assert verdict.status is FraudStatus.SUSPICIOUS
        assert verdict.reasons == (
            "range_velocity: 11 attempts to range +4790000xxx in 3600 s, more than 10",
        )
        # Another range of the same country is untouched.
        assert check(db, "+4790001000", account_id=alice.id).passed

    def test_ip_velocity_counts_an_ipv6_64_as_one(self, db: Database) -> None:
        alice = world.customer(db)
        # As many numbers as the limit, each in a range of its own, from one /64.
        for i in range(db.settings.fraud_ip_limit):
            number = f"+4915112{i:03d}678"
            assert check(db, number, account_id=alice.id, ip=f"2001:db8::{i:x}").passed
        verdict = check(db, GERMANY, account_id=alice.id, ip="2001:db8::ffff")
        limit = db.settings.fraud_ip_limit
        assert verdict.reasons == (
            f"ip_velocity: {limit + 1} attempts from address 2001:db8::/64 in 3600 s, "
            f"more than {limit}",
        )
        assert check(db, INDIA, account_id=alice.id, ip="203.0.113.7").passed

    def test_number_velocity(self, db: Database) -> None:
        alice = world.customer(db)
        for _ in range(5):
            assert check(db, INDIA, account_id=alice.id).passed
        assert codes(check(db, INDIA, account_id=alice.id)) == ["number_velocity"]

    def test_sequential_numbers(self, db: Database) -> None:
        alice = world.customer(db)
        for n in (1, 2, 3):
            assert check(db, f"+4790000{n:03d}", account_id=alice.id).passed
        verdict = check(db, "+4790000004", account_id=alice.id)
        assert verdict.reasons == (
            "sequential_numbers: 3 numbers within 5 of +4790000004 tried in 3600 s",
        )
        # Further away than the span: not a neighbour.
        assert check(db, "+4790000010", account_id=alice.id).passed

    def test_window_slides(self, db: Database, clock: FrozenClock) -> None:
        alice = world.customer(db)
        for _ in range(5):
            check(db, INDIA, account_id=alice.id)
        clock.advance(1800)
        assert not check(db, INDIA, account_id=alice.id).passed
        clock.advance(1801 + 60)  # the first five left the window (and its edge bucket)
        assert check(db, INDIA, account_id=alice.id).passed

    def test_accounts_are_counted_apart(self, db: Database) -> None:
        alice, bob = world.customer(db, "alice"), world.customer(db, "bob")
        for _ in range(6):
            check(db, INDIA, account_id=alice.id)
        assert not check(db, INDIA, account_id=alice.id, record=False).passed
        assert check(db, INDIA, account_id=bob.id).passed

    def test_a_plain_check_records_nothing(self, db: Database) -> None:
        alice = world.customer(db)
        for _ in range(5):
            check(db, INDIA, account_id=alice.id)
        before = counters(db)
        # The sixth verification would be refused: a check says so, and counts nothing.
        verdict = check(db, INDIA, account_id=alice.id, record=False)
        assert codes(verdict) == ["number_velocity"]
        assert "6 attempts" in verdict.reasons[0]
        assert counters(db) == before == 5 * 2

    def test_refused_attempts_still_count(self, db: Database) -> None:
        alice = world.customer(db)
        with db.uow() as uow:
            fraud.block(uow, prefix="91", made_by="ops")
        for _ in range(6):
            assert check(db, INDIA, account_id=alice.id).status is FraudStatus.FRAUDULENT
        with db.uow() as uow:
            fraud.unblock(uow, prefix="91")
        assert codes(check(db, INDIA, account_id=alice.id, record=False)) == ["number_velocity"]

    def test_bad_ip_changes_nothing(self, db: Database) -> None:
        alice = world.customer(db)
        with pytest.raises(InvalidParameter):
            check(db, INDIA, account_id=alice.id, ip="999.1.1.1")
        assert counters(db) == 0

    def test_prune_drops_what_no_window_reaches(self, db: Database, clock: FrozenClock) -> None:
        alice = world.customer(db)
        check(db, INDIA, account_id=alice.id, ip="203.0.113.7")
        with db.uow() as uow:
            assert fraud.prune(uow) == 0
        clock.advance(3600 + 180)  # past the window and two buckets
        check(db, NORWAY, account_id=alice.id)
        with db.uow() as uow:
            assert fraud.prune(uow) == 3
        assert counters(db) == 2
