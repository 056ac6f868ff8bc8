"""US numbering facts come from libphonenumber's data, not from a list of our own."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simhive.kit.phone import (
    US_STATES,
    area_code_state,
    area_codes_for_state,
    is_valid_state,
    is_valid_us_area_code,
    normalize_mdn,
)


class TestAreaCodes:
    @pytest.mark.parametrize(
        ("area_code", "state"),
        [("212", "NY"), ("415", "CA"), ("305", "FL"), ("512", "TX"), ("206", "WA"), ("202", "DC")],
    )
    def test_known_states(self, area_code: str, state: str) -> None:
        assert area_code_state(area_code) == state
        assert is_valid_us_area_code(area_code)
        assert area_code in area_codes_for_state(state)

    @pytest.mark.parametrize(
        "area_code", ["800", "888", "604", "416", "000", "099", "999", "21", "abc"]
    )
    def test_not_us_geographic(self, area_code: str) -> None:
        assert not is_valid_us_area_code(area_code)

    def test_every_state_has_area_codes(self) -> None:
        assert len(US_STATES) == 51
        assert all(area_codes_for_state(s) for s in US_STATES)
        assert is_valid_state("ca") and not is_valid_state("ZZ")


class TestNormalize:
    @pytest.mark.parametrize(
        "raw", ["+1 (212) 555-0100", "12125550100", "2125550100", "212.555.0100", "+12125550100"]
    )
    def test_accepted_forms(self, raw: str) -> None:
        assert normalize_mdn(raw) == "12125550100"

    @pytest.mark.parametrize(
        "raw", ["", "12345", "abc", "11234567890", "2125550100x", "442071838750"]
    )
    def test_refused(self, raw: str) -> None:
        assert normalize_mdn(raw) is None

    @given(st.text(max_size=30))
    def test_never_raises(self, raw: str) -> None:
        result = normalize_mdn(raw)
        assert result is None or (len(result) == 11 and result.startswith("1") and result.isdigit())
