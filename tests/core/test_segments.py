"""SMS parts: GSM-7 septets (extension characters count twice) and UCS-2 code units."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simhive.core.outbound.segments import Encoding, segment


class TestSegment:
    @pytest.mark.parametrize(
        ("text", "encoding", "units", "parts"),
        [
            ("", Encoding.GSM7, 0, [0]),
            ("Hello @ £ $ ¥ è", Encoding.GSM7, 15, [15]),
            ("a" * 160, Encoding.GSM7, 160, [160]),
            ("a" * 161, Encoding.GSM7, 161, [153, 8]),
            ("{" * 80, Encoding.GSM7, 160, [80]),
            ("a" * 152 + "€" + "b", Encoding.GSM7, 155, [154]),
            # The escape and its character stay in one part: 152 + 2 > 153.
            ("a" * 152 + "€" + "b" * 10, Encoding.GSM7, 164, [152, 11]),
            ("ç", Encoding.UCS2, 1, [1]),  # only the capital Ç is in the GSM alphabet
            ("я" * 70, Encoding.UCS2, 70, [70]),
            ("я" * 71, Encoding.UCS2, 71, [67, 4]),
            ("я" * 66 + "😀" + "я", Encoding.UCS2, 69, [68]),  # 69 units fit in one SMS
            # A surrogate pair is never split: 66 + 2 > 67.
            ("я" * 66 + "😀" + "я" * 5, Encoding.UCS2, 73, [66, 6]),
        ],
    )
    def test_counts(self, text: str, encoding: Encoding, units: int, parts: list[int]) -> None:
        found = segment(text)
        assert (found.encoding, found.units) == (encoding, units)
        assert [len(p) for p in found.parts] == parts
        assert "".join(found.parts) == text

    @given(st.text(max_size=800))
    def test_parts_rejoin_and_fit(self, text: str) -> None:
        found = segment(text)
        assert "".join(found.parts) == text
        if found.encoding is Encoding.GSM7:
            sizes = [len(p.encode("gsm03.38")) for p in found.parts]
            assert all(s <= (160 if found.count == 1 else 153) for s in sizes)
        else:
            sizes = [len(p.encode("utf-16-le")) // 2 for p in found.parts]
            assert all(s <= (70 if found.count == 1 else 67) for s in sizes)
