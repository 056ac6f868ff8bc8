"""How an SMS text travels: GSM-7 or UCS-2, and the concatenated parts it takes.

GSM 03.38 (3GPP TS 23.038): a text whose every character is in the GSM 7-bit alphabet
travels in septets, characters of the extension table (`€`, `{`, `^`, ...) taking two
(an escape and the character). One SMS holds 160 septets; a longer text is split into
parts of 153 (7 septets go to the concatenation header), never between an escape and
its character. Any other text travels as UCS-2 (UTF-16): 70 code units in one SMS,
67 per part, never splitting a surrogate pair. The `gsm0338` codec knows the alphabet.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import gsm0338  # noqa: F401 - registers the "gsm03.38" codec

from simhive.core.errors import InvalidSmsText

__all__ = ["MAX_PARTS", "Encoding", "Segments", "checked", "segment"]

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
# An outgoing text longer than this many parts is refused rather than split further:
# 1,530 GSM-7 characters, 670 UTF-16 units in UCS-2.
MAX_PARTS = 10


class Encoding(StrEnum):
    GSM7 = "gsm7"
    UCS2 = "ucs2"


@dataclass(frozen=True, slots=True)
class Segments:
    encoding: Encoding
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    parts: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.parts)


def _gsm_units(char: str) -> int | None:
    try:
        return len(char.encode("gsm03.38"))
    except (UnicodeEncodeError, ValueError):
        return None


def _ucs2_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def _split(text: str, sizes: list[int], single: int, part: int) -> tuple[str, ...]:
    if sum(sizes) <= single:
        return (text,)
    parts: list[str] = []
    start, used = 0, 0
    for i, size in enumerate(sizes):
        if used + size > part:
            parts.append(text[start:i])
            start, used = i, 0
        used += size
    parts.append(text[start:])
    return tuple(parts)


def segment(text: str) -> Segments:
    """The encoding of `text`, its length in that encoding's units, and its parts."""
    gsm = [_gsm_units(c) for c in text]
    if all(n is not None for n in gsm):
        sizes = [n for n in gsm if n is not None]
        return Segments(Encoding.GSM7, sum(sizes), _split(text, sizes, GSM_SINGLE, GSM_PART))
    sizes = [_ucs2_units(c) for c in text]
    return Segments(Encoding.UCS2, sum(sizes), _split(text, sizes, UCS2_SINGLE, UCS2_PART))


def checked(text: str) -> Segments:
    """An outgoing text's segments; InvalidSmsText if it is blank or past MAX_PARTS."""
    if not text.strip():
        raise InvalidSmsText(len(text), 0, blank=True)
    split = segment(text)
    if split.count > MAX_PARTS:
        raise InvalidSmsText(len(text), len("".join(split.parts[:MAX_PARTS])))
    return split
