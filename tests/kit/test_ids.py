"""Ids on the wire are ASCII digits within a signed 64-bit key."""

from __future__ import annotations

import pytest

from simhive.kit.ids import MAX_ID, parse_id


class TestParseId:
    @pytest.mark.parametrize(("raw", "value"), [("1", 1), ("10000001", 10000001), ("007", 7)])
    def test_ascii_digits(self, raw: str, value: int) -> None:
        assert parse_id(raw) == value

    def test_largest_key(self) -> None:
        assert parse_id(str(MAX_ID)) == 2**63 - 1
        assert parse_id(str(MAX_ID + 1)) is None

    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "0",
            "-1",
            "+1",
            " 1",
            "1 ",
            "1\n",
            "1_000",
            "1.0",
            "abc",
            "١٢",
            "１２",
            "²",
            "9" * 40,
        ],
    )
    def test_anything_else_is_none(self, raw: str) -> None:
        # int() takes most of these ("١٢" is 12 in Arabic-Indic digits, "１２" fullwidth).
        assert parse_id(raw) is None
