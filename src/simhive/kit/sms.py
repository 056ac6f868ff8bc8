"""How many SMS segments a text takes (GSM 03.38 / 3GPP TS 23.038)."""

from __future__ import annotations

# The GSM 7-bit default alphabet, and its extension table (each costs two septets).
_GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")


def segments(text: str) -> int:
    """Segments of a text: GSM-7 160 alone or 153 each concatenated, else UCS-2 70 / 67."""
    if not text:
        return 1
    if all(c in _GSM7 or c in _GSM7_EXTENDED for c in text):
        units = sum(2 if c in _GSM7_EXTENDED else 1 for c in text)
        single, part = 160, 153
    else:
        # UTF-16 code units: a character outside the BMP (most emoji) takes two.
        units = sum(2 if ord(c) > 0xFFFF else 1 for c in text)
        single, part = 70, 67
    return 1 if units <= single else -(-units // part)
