"""HLR lookup: the numbering plan and the MCC/MNC table, corrected by the inventory."""

from __future__ import annotations

import pytest

from simhive.core.errors import InvalidNumber
from simhive.core.insight import hlr
from simhive.core.insight.hlr import HlrStatus, NetworkInfo
from simhive.db.uow import Database
from simhive.kit.numbering import NumberFacts, NumberType
from simhive.kit.phone import number_facts
from tests.fixtures import world


def lookup(db: Database, number: str, **kwargs: object) -> hlr.HlrResult:
    with db.uow(write=False) as uow:
        return hlr.lookup(uow, number, **kwargs)  # type: ignore[arg-type]


class TestLookup:
    def test_foreign_mobile(self, db: Database) -> None:
        got = lookup(db, "+4790000000")
        assert got == hlr.HlrResult(
            number="+4790000000",
            status=HlrStatus.DELIVERED,
            valid=True,
            country="NO",
            network="telenor norge",
            mccmnc="24201",
            number_type=NumberType.MOBILE,
            mobile=True,
            ported=None,
            roaming=None,
            reachable=None,
            in_inventory=False,
            provider="offline",
        )

    def test_plus_is_optional(self, db: Database) -> None:
        assert lookup(db, "4790000000") == lookup(db, "+4790000000")

    def test_range_operator_unknown(self, db: Database) -> None:
        got = lookup(db, "+15417543010")  # NANP ranges are not attributed: numbers port
        assert (got.country, got.network, got.mccmnc) == ("US", None, None)
        assert got.status is HlrStatus.DELIVERED

    def test_unallotted_range_is_undelivered(self, db: Database) -> None:
        got = lookup(db, "+447700900001")
        assert got.status is HlrStatus.UNDELIVERED
        assert (got.valid, got.country, got.network, got.mccmnc) == (False, "GB", None, None)

    @pytest.mark.parametrize(
        ("number", "mccmnc"),
        [
            ("+447400900123", "23420"),  # Three: "3" in the E.212 lists
            ("+491701234567", "26201"),  # T-Mobile, now Telekom
            ("+33612345678", "20810"),  # SFR's main code, not 208 08
            ("+31612345678", "20408"),
            ("+4790000000", "24201"),
        ],
    )
    def test_the_same_code_as_a_request_records(
        self, db: Database, number: str, mccmnc: str
    ) -> None:
        # One lookup for both: a paid HLR answer that said null, or another code, for a
        # number whose /v1/sms request recorded 23420 was no answer at all.
        assert lookup(db, number).mccmnc == mccmnc
        assert number_facts(number).mccmnc == mccmnc

    @pytest.mark.parametrize("raw", ["", "hello", "+12", "+47 900 00 000 000 000", "+9991234567"])
    def test_invalid_number(self, db: Database, raw: str) -> None:
        with pytest.raises(InvalidNumber):
            lookup(db, raw)


class TestInventory:
    def test_own_number_is_known(self, db: Database) -> None:
        (mdn,) = world.numbers(db, 1)  # carrier "TMobile"
        got = lookup(db, "+" + mdn)
        assert got.in_inventory
        assert (got.network, got.mccmnc, got.country) == ("T-Mobile", "310120", "US")
        assert (got.ported, got.roaming, got.reachable) == (False, False, True)

    def test_offline_sim_is_unreachable(self, db: Database) -> None:
        (mdn,) = world.numbers(db, 1, online=False)
        got = lookup(db, mdn)
        assert got.reachable is False and got.roaming is False


class FixedProvider:
    """A provider as an operator would plug in: says what a paid HLR said."""

    name = "fixed"

    def lookup(self, facts: NumberFacts) -> NetworkInfo:
        return NetworkInfo(
            valid=True,
            country="NO",
            network="Mobile Norway",
            mccmnc="242005",
            number_type=NumberType.MOBILE,
            ported=True,
            roaming=False,
            reachable=True,
        )


class TestProvider:
    def test_another_provider_answers(self, db: Database) -> None:
        got = lookup(db, "+47463562200", provider=FixedProvider())
        assert (got.number, got.mccmnc, got.network, got.country) == (
            "+47463562200",
            "242005",
            "Mobile Norway",
            "NO",
        )
        assert (got.ported, got.roaming, got.provider) == (True, False, "fixed")
