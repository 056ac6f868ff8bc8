"""The SDK's webhook helpers raise only their documented errors, whatever arrives."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from simhive.client import SimhiveError, parse_webhook, verify_webhook
from simhive.client.webhooks import WebhookVerificationError

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def headers(timestamp: str) -> dict[str, str]:
    return {"webhook-id": "m", "webhook-timestamp": timestamp, "webhook-signature": "v1,x"}


NOW_TS = str(int(NOW.timestamp()))


@pytest.mark.parametrize(
    ("secret", "sent", "body"),
    [
        (SECRET, headers("9" * 20), b""),  # past datetime's range
        (SECRET, headers("-" + "9" * 15), b""),
        (SECRET, headers(NOW_TS), b"\xff\xfe"),  # not UTF-8
        ("whsec_not base64!", headers(NOW_TS), b"a=1"),
    ],
)
def test_hostile_deliveries_are_a_verification_error(
    secret: str, sent: dict[str, str], body: bytes
) -> None:
    # A receiver catching WebhookVerificationError answered 500 on each of these.
    with pytest.raises(WebhookVerificationError):
        verify_webhook(secret, sent, body, now=NOW)


@pytest.mark.parametrize(
    "form",
    [
        {"event": "incoming_message", "id": "1"},
        {"event": "incoming_message", "id": "1", "timestamp": "soon", "date_time": "",
         "from": "", "to": "", "service": "", "reply": "", "price": "1"},
        {"event": "priority_request", "id": "1", "mdn": "1", "service": "G", "price": "x"},
    ],
)  # fmt: skip
def test_malformed_forms_are_a_simhive_error(form: dict[str, str]) -> None:
    with pytest.raises(SimhiveError):
        parse_webhook(form)
