"""Deliver one webhook: form-encoded POST, signed, only HTTP 200 counts, no redirects."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

import httpx
from standardwebhooks.webhooks import Webhook

from simhive.core.events.service import ClaimedEvent
from simhive.kit.netcheck import webhook_url_problem


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str | None = None
    duration_ms: int = 0


def signed_request(event: ClaimedEvent, *, now: datetime) -> tuple[bytes, dict[str, str]]:
    """The exact body and the Standard Webhooks headers for an event."""
    body = urlencode(event.payload)
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "user-agent": "simhive-webhooks/1",
        "webhook-id": event.public_id,
        "webhook-timestamp": str(int(now.timestamp())),
    }
    if event.secret:
        headers["webhook-signature"] = Webhook(event.secret).sign(event.public_id, now, body)
    return body.encode(), headers


def deliver(
    client: httpx.Client, event: ClaimedEvent, *, now: datetime, allow_private: bool
) -> Outcome:
    """One attempt; any answer but 200 (a redirect included) is a failure."""
    problem = webhook_url_problem(event.target, allow_private=allow_private)
    if problem is not None:
        return Outcome(ok=False, error=f"refused: {problem}")
    body, headers = signed_request(event, now=now)
    started = time.perf_counter()
    try:
        response = client.post(event.target, content=body, headers=headers)
    except httpx.HTTPError as exc:
        elapsed = int((time.perf_counter() - started) * 1000)
        return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}", duration_ms=elapsed)
    elapsed = int((time.perf_counter() - started) * 1000)
    if response.status_code == 200:
        return Outcome(ok=True, status_code=200, duration_ms=elapsed)
    return Outcome(
        ok=False,
        status_code=response.status_code,
        error=f"HTTP {response.status_code}",
        duration_ms=elapsed,
    )
