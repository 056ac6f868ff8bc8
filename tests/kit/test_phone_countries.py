"""Numbers of the three countries served: parsed in every usual form, stored one way,
shown as the order API (002) writes them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simhive.kit.phone import (
    COUNTRIES,
    national_digits,
    normalize_mdn,
    normalize_number,
    parse_country,
)


class TestParseCountry:
    @pytest.mark.parametrize(
        ("raw", "code"),
        [("USA", "US"), ("us", "US"), (" Us ", "US"), ("NL", "NL"), ("nl", "NL")]
        + [("UK", "GB"), ("uk", "GB"), ("GB", "GB")],
    )
    def test_names_clients_send(self, raw: str, code: str) -> None:
        assert parse_country(raw) == code

    @pytest.mark.parametrize("raw", ["", "FR", "Netherlands", "U K", "USA1", "N\x00L"])
    def test_others_are_refused(self, raw: str) -> None:
        assert parse_country(raw) is None


class TestNormalizeNumber:
    @pytest.mark.parametrize(
        "raw", ["+31612345678", "+31 6 1234 5678", "0031612345678", "31612345678", "0612345678"]
    )
    def test_dutch_forms(self, raw: str) -> None:
        assert normalize_number(raw) == "31612345678"
        assert normalize_number(raw, "NL") == "31612345678"
        assert normalize_number(raw, "GB") is None

    @pytest.mark.parametrize("raw", ["+447400123456", "447400123456", "07400 123456"])
    def test_british_forms(self, raw: str) -> None:
        assert normalize_number(raw) == "447400123456"
        assert normalize_number(raw, "GB") == "447400123456"
        assert normalize_number(raw, "US") is None

    @pytest.mark.parametrize("raw", ["+1 (212) 555-0100", "12125550100", "2125550100"])
    def test_us_numbers_keep_their_form(self, raw: str) -> None:
        assert normalize_number(raw) == normalize_mdn(raw) == "12125550100"
        assert normalize_number(raw, "US") == "12125550100"
        assert normalize_number(raw, "NL") is None

    @pytest.mark.parametrize(
        "raw", ["", "abc", "+33612345678", "+3161234567", "0612", "+44 7624 123456", "0000000000"]
    )
    def test_refused(self, raw: str) -> None:
        # France is not served; a short Dutch number; an Isle of Man mobile is not British.
        assert normalize_number(raw) is None

    @given(st.text(max_size=30), st.sampled_from([None, *COUNTRIES]))
    def test_never_raises(self, raw: str, country: str | None) -> None:
        result = normalize_number(raw, country)
        assert result is None or (result.isdigit() and 10 < len(result) <= 15)


class TestNationalDigits:
    def test_as_002_writes_them(self) -> None:
        assert national_digits("447684563067", "GB") == "07684563067"
        assert national_digits("31612345678", "NL") == "0612345678"
        assert national_digits("12125550100", "US") == "12125550100"
