"""Extraction work grows linearly with the text: counted in interpreted steps, not time."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import simhive.pins
from simhive.pins import extract_pin

_PACKAGE = str(Path(simhive.pins.__file__).parent)


def _steps(text: str) -> int:
    """Python lines executed inside simhive.pins while extracting from `text`."""
    count = 0

    def tracer(frame: FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
        nonlocal count
        if not frame.f_code.co_filename.startswith(_PACKAGE):
            return None
        if event == "line":
            count += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        extract_pin(text, sender="Bank", service="Bank")
    finally:
        sys.settrace(previous)
    return count


# Texts built to provoke every rule at once: keywords, coupons, codes, distractors.
_UNITS = {
    "coupons next to codes": "promo code 123456 ",
    "keywords and codes": "Your verification code is 482913. ",
    "dense keywords": "code code otp code 1234 ",
    "sentences of digits": "Order 4412. Card *8821. Call +1 555 0100. $12.50 on 05/12/2024. ",
    "letters and digits": "Your code is A1B2C3 or ab12cd34, use TREAT40. ",
    "one line each": "G-123456\n",
}


class TestLinearWork:
    @pytest.mark.parametrize("unit", list(_UNITS.values()), ids=list(_UNITS))
    def test_four_times_the_text_costs_at_most_about_four_times_the_work(self, unit: str) -> None:
        short = unit * (4_000 // len(unit) + 1)
        long = short * 4
        assert _steps(long) <= 4.5 * _steps(short) + 1_000

    def test_a_code_at_the_head_of_a_maximal_sms_is_found(self) -> None:
        # 255 concatenated segments of 153 characters: the longest SMS core accepts.
        tail = (
            "Your order 4412 has shipped and arrives on 05/12/2024 by 8 PM; "
            "use promo code SAVE20 for 5% off your next order.\n"
        ) * 400
        text = ("Your code is 482913.\n" + tail)[:39_015]
        assert extract_pin(text) == "482913"
