"""Reading and verifying the webhooks simhive sends."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from standardwebhooks.webhooks import Webhook

from simhive.client._parse import new_york
from simhive.client.errors import SimhiveError
from simhive.client.models import (
    IncomingMessage,
    PriorityRequestWon,
    RentalMessage,
    RentalNotRenewed,
    RentalRenewed,
)

WebhookEvent = (
    IncomingMessage | PriorityRequestWon | RentalMessage | RentalRenewed | RentalNotRenewed
)


class WebhookVerificationError(SimhiveError):
    pass


def parse_webhook(form: Mapping[str, str]) -> WebhookEvent:
    """A webhook's form fields as a typed event; SimhiveError for a form that is not one."""
    try:
        return _parsed(form)
    except (KeyError, ValueError, ArithmeticError) as exc:
        raise SimhiveError(f"malformed {form.get('event')!r} webhook: {exc!r}") from exc


def _parsed(form: Mapping[str, str]) -> WebhookEvent:
    event = form.get("event")
    if event == "incoming_message" and "ltr_id" in form:
        return RentalMessage(
            ltr_id=int(form["ltr_id"]),
            first_ltr_id=int(form["first_ltr_id"]),
            timestamp=int(form["timestamp"]),
            date_time=form["date_time"],
            sender=form["from"],
            to=form["to"],
            service=form["service"],
            reply=form["reply"],
            pin=form.get("pin") or None,
            price=Decimal(form["price"]),
        )
    if event == "ltr_renewal" and form.get("status") == "ok":
        expires = new_york(form["expires"])
        if expires is None:
            raise SimhiveError("ltr_renewal without expires")
        return RentalRenewed(
            new_ltr_id=int(form["new_ltr_id"]),
            previous_ltr_id=int(form["previous_ltr_id"]),
            mdn=form["mdn"],
            service=form["service"],
            price=Decimal(form["price"]),
            expires=expires,
        )
    if event == "ltr_renewal":
        return RentalNotRenewed(
            message=form.get("message", ""),
            previous_ltr_id=int(form["previous_ltr_id"]),
            mdn=form["mdn"],
            service=form["service"],
        )
    if event == "incoming_message":
        return IncomingMessage(
            id=form["id"],
            timestamp=int(form["timestamp"]),
            date_time=form["date_time"],
            sender=form["from"],
            to=form["to"],
            service=form["service"],
            reply=form["reply"],
            pin=form.get("pin") or None,
            price=Decimal(form["price"]),
        )
    if event in ("priority_request", "premium_request"):
        return PriorityRequestWon(
            id=form["id"], mdn=form["mdn"], service=form["service"], price=Decimal(form["price"])
        )
    raise SimhiveError(f"unknown webhook event {event!r}")


def verify_webhook(
    secret: str,
    headers: Mapping[str, str],
    body: bytes | str,
    *,
    now: datetime | None = None,
    tolerance: timedelta = timedelta(minutes=5),
) -> None:
    """Check a delivery's Standard Webhooks signature; raises WebhookVerificationError."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        msg_id = lowered["webhook-id"]
        sent = datetime.fromtimestamp(int(lowered["webhook-timestamp"]), tz=UTC)
        signatures = lowered["webhook-signature"].split()
    except (KeyError, ValueError, OverflowError, OSError) as exc:
        raise WebhookVerificationError("missing or malformed webhook headers") from exc
    reference = now or datetime.now(UTC)
    if abs(reference - sent) > tolerance:
        raise WebhookVerificationError("webhook timestamp outside the tolerance")
    try:
        text = body.decode() if isinstance(body, bytes) else body
    except UnicodeDecodeError as exc:
        raise WebhookVerificationError("the body is not UTF-8") from exc
    try:
        expected = Webhook(secret).sign(msg_id, sent, text)
    except Exception as exc:  # standardwebhooks raises its own errors for a bad secret
        raise WebhookVerificationError(f"the secret cannot sign: {exc}") from exc
    if not any(hmac.compare_digest(expected, given) for given in signatures):
        raise WebhookVerificationError("no matching signature")
