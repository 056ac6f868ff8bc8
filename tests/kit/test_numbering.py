"""E.164 parsing, SMS segments and the MCC/MNC table."""

from __future__ import annotations

import phonenumbers
import pytest
from phonenumbers import PhoneNumberType, carrier

from simhive.kit.mccmnc import network_code, networks_of
from simhive.kit.numbering import NumberType, digits_of, parse_e164
from simhive.kit.sms import segments


class TestParseE164:
    @pytest.mark.parametrize(
        "raw", ["+4790000000", "4790000000", "+47 900 00 000", "0047 900-00-000", "+47(900)00000"]
    )
    def test_with_or_without_plus(self, raw: str) -> None:
        facts = parse_e164(raw)
        assert facts is not None
        assert facts.digits == "4790000000"
        assert facts.e164 == "+4790000000"
        assert facts.region == "NO"
        assert facts.valid and facts.mobile
        assert facts.range_network == "telenor norge"

    @pytest.mark.parametrize(
        "raw", ["", "+", "abc", "+47abc00000", "12", "+1234567890123456", None]
    )
    def test_not_a_number(self, raw: str) -> None:
        assert parse_e164(raw) is None

    def test_types(self) -> None:
        assert parse_e164("+19005551234").number_type is NumberType.PREMIUM_RATE  # type: ignore[union-attr]
        assert parse_e164("+3726000000").number_type is NumberType.FIXED_LINE  # type: ignore[union-attr]
        # NANP ranges mix fixed lines and mobiles: counted as possibly mobile.
        us = parse_e164("+15417543010")
        assert us is not None and us.number_type is NumberType.FIXED_LINE_OR_MOBILE and us.mobile

    def test_unallotted_range_keeps_its_country(self) -> None:
        facts = parse_e164("+447700900001")  # Ofcom's drama range: allotted to no one
        assert facts is not None
        assert not facts.valid and facts.region == "GB" and facts.range_network is None

    def test_non_geographic(self) -> None:
        facts = parse_e164("+881612345678")
        assert facts is not None and facts.region is None and facts.country_code == 881

    def test_digits_of(self) -> None:
        assert digits_of("+1 (212) 555-0100") == "12125550100"
        assert digits_of("1-212") is None


class TestSegments:
    @pytest.mark.parametrize(
        ("text", "parts"),
        [
            ("", 1),
            ("a" * 160, 1),
            ("a" * 161, 2),
            ("a" * 306, 2),
            ("a" * 307, 3),
            ("€" * 80, 1),  # extension characters take two septets
            ("€" * 81, 2),
            ("Привет" * 11, 1),  # 66 UCS-2 characters
            ("Привет" * 12, 2),
            ("😀" * 35, 1),  # two UTF-16 units each
            ("😀" * 36, 2),
        ],
    )
    def test_counts(self, text: str, parts: int) -> None:
        assert segments(text) == parts


class TestNetworkCode:
    @pytest.mark.parametrize(
        ("region", "name", "mccmnc"),
        [
            ("NO", "telenor norge", "24201"),
            ("EE", "Telia Eesti AS", "24801"),
            ("GB", "O2", "23402"),
            ("US", "T-Mobile", "310120"),
            ("US", "TMobile", "310120"),
        ],
    )
    def test_known_operators(self, region: str, name: str, mccmnc: str) -> None:
        found = network_code(region, name)
        assert found is not None and found.mccmnc == mccmnc

    def test_brand_ending_the_name_wins(self) -> None:
        found = network_code("IN", "Reliance Jio")
        assert found is not None and found.brand == "Jio" and found.mccmnc.startswith("405")

    @pytest.mark.parametrize(
        ("region", "name"), [("NO", "No Such Operator"), (None, "x"), ("NO", "")]
    )
    def test_unknown_is_none(self, region: str | None, name: str) -> None:
        assert network_code(region, name) is None

    def test_table_is_loaded(self) -> None:
        assert any(n.mccmnc == "24201" for n in networks_of("no"))

    def test_most_range_operators_are_found(self) -> None:
        """Of the operators libphonenumber names for mobile ranges, the share found in the
        MCC/MNC table (79.6% with phonenumbers 9.0 and mcc-mnc-p1 1.1: rebrands miss)."""
        names: set[tuple[str, str]] = set()
        for region in sorted(phonenumbers.SUPPORTED_REGIONS):
            example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
            if example is None:
                continue
            national = str(example.national_number)
            for lead in range(10):
                for tail in range(22):
                    text = national[:1] + str(lead) + national[2:-4] + f"{tail:02d}" + national[-2:]
                    number = phonenumbers.parse(f"+{example.country_code}{text}")
                    if phonenumbers.is_valid_number(number):
                        name = carrier.name_for_number(number, "en")
                        where = phonenumbers.region_code_for_number(number)
                        if name and where:
                            names.add((where, name))
        found = sum(1 for where, name in names if network_code(where, name) is not None)
        assert len(names) > 400
        assert found / len(names) >= 0.75
