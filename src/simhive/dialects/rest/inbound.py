"""003 "Inbound SMS": an SMS to a rented number, as the JSON posted to the inbound URL."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import orjson

from simhive.kit.sms import segments
from simhive.kit.timefmt import unix_seconds


def _plain(number: str) -> str:
    # 003 writes numbers as bare digits ("447700900001"); an alphanumeric sender stays as is.
    digits = number.removeprefix("+")
    return digits if digits.isdigit() else number


def inbound_sms(facts: Mapping[str, str]) -> dict[str, object]:
    """The fields of 003's inbound SMS: from, to, messageId, text, timestamp, parts."""
    text = facts["text"]
    return {
        "from": _plain(facts["sender"]),
        "to": _plain(facts["to"]),
        "messageId": facts["message_id"],
        "text": text,
        "timestamp": unix_seconds(datetime.fromisoformat(facts["received_at"])),
        "parts": segments(text),
    }


def render(facts: Mapping[str, str]) -> bytes:
    """The exact JSON body posted for an inbound SMS."""
    return orjson.dumps(inbound_sms(facts))
