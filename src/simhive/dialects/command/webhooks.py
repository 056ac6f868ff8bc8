"""The command API's webhooks: core's events worded as the references' form fields."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from simhive.core.events import service as events
from simhive.kit.money import format_amount, from_cents
from simhive.kit.timefmt import new_york_text, unix_seconds
from simhive.settings import Settings


def incoming_message(facts: Mapping[str, str], settings: Settings) -> dict[str, str]:
    """000 "Incoming messages": the form fields of an incoming_message webhook."""
    received_at = datetime.fromisoformat(facts["received_at"])
    return {
        "event": "incoming_message",
        "id": facts["activation_id"],
        "timestamp": str(unix_seconds(received_at)),
        "date_time": new_york_text(received_at),
        "from": facts["sender"],
        "to": facts["to"],
        "service": facts["service"],
        "reply": facts["text"],
        "pin": facts["pin"],
        "price": format_amount(from_cents(int(facts["price_cents"]))),
    }


def priority_request(facts: Mapping[str, str], settings: Settings) -> dict[str, str]:
    """000 "Winning of a priority request" (004 names the event premium_request)."""
    name = settings.priority_event_name
    return {
        "event": name,
        "status": "ok",
        "id": facts["activation_id"],
        "mdn": facts["mdn"],
        "service": facts["service"],
        "price": format_amount(from_cents(int(facts["price_cents"]))),
    }


def rental_message(facts: Mapping[str, str], settings: Settings) -> dict[str, str]:
    """004: for long-term rentals `ltr_id` and `first_ltr_id` are passed instead of `id`."""
    fields = incoming_message(facts, settings)
    del fields["id"]
    rest = {k: v for k, v in fields.items() if k != "event"}
    return {
        "event": "incoming_message",
        "ltr_id": facts["ltr_id"],
        "first_ltr_id": facts["first_ltr_id"],
        **rest,
    }


def ltr_renewal(facts: Mapping[str, str], settings: Settings) -> dict[str, str]:
    """004 "ltr_renewal", status ok: the new rental that continues the number."""
    expires = datetime.fromisoformat(facts["expires_at"])
    return {
        "event": "ltr_renewal",
        "status": "ok",
        "new_ltr_id": facts["new_ltr_id"],
        "previous_ltr_id": facts["previous_ltr_id"],
        "mdn": facts["mdn"],
        "service": facts["service"],
        "price": format_amount(from_cents(int(facts["price_cents"]))),
        "expires": expires_text(expires),
    }


def ltr_renewal_failed(facts: Mapping[str, str], settings: Settings) -> dict[str, str]:
    """004 "ltr_renewal", status error (e.g. "Low balance"): the rental has ended."""
    return {
        "event": "ltr_renewal",
        "status": "error",
        "message": "Low balance",
        "previous_ltr_id": facts["previous_ltr_id"],
        "mdn": facts["mdn"],
        "service": facts["service"],
    }


def expires_text(when: datetime) -> str:
    """004's human-readable expiry, `2100-12-31 23:59:59`, in the server zone (New York)."""
    return new_york_text(when).rsplit(" ", 1)[0]


RENDERERS = {
    events.ACTIVATION_COMPLETED: incoming_message,
    events.BID_WON: priority_request,
    events.RENTAL_MESSAGE: rental_message,
    events.RENTAL_RENEWED: ltr_renewal,
    events.RENTAL_NOT_RENEWED: ltr_renewal_failed,
}


def render(event_type: str, facts: Mapping[str, str], settings: Settings) -> dict[str, str]:
    """The form body of the webhook for a core event (an unknown event goes out as it is)."""
    renderer = RENDERERS.get(event_type)
    return renderer(facts, settings) if renderer is not None else dict(facts)
