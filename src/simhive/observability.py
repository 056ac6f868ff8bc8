"""Metrics, request ids and logging, shared by every process."""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Callable, Iterable
from contextvars import ContextVar

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

request_id: ContextVar[str] = ContextVar("request_id", default="-")

REGISTRY = CollectorRegistry(auto_describe=True)

API_REQUESTS = Counter(
    "simhive_api_requests_total",
    "API requests by dialect, command and outcome.",
    ["dialect", "command", "outcome"],
    registry=REGISTRY,
)
SMS_RECEIVED = Counter(
    "simhive_sms_received_total",
    "Inbound SMS stored, by how they were routed.",
    ["outcome"],
    registry=REGISTRY,
)
TIME_TO_CODE = Histogram(
    "simhive_time_to_code_seconds",
    "Time from reservation to the SMS, per service.",
    ["service"],
    buckets=(1, 5, 10, 20, 30, 60, 120, 300, 600, 900),
    registry=REGISTRY,
)
REQUESTS_TIMED_OUT = Counter(
    "simhive_requests_timed_out_total",
    "One-time requests the worker's sweep timed out.",
    registry=REGISTRY,
)
WEBHOOK_DELIVERIES = Counter(
    "simhive_webhook_deliveries_total",
    "Webhook attempts by outcome (delivered, failed attempt, given up).",
    ["outcome"],
    registry=REGISTRY,
)
WEBHOOK_LATENCY = Histogram(
    "simhive_webhook_delivery_seconds",
    "Time a webhook target took to answer.",
    registry=REGISTRY,
)


class DatabaseGauges(Collector):
    """Gauges read from the database at scrape time: open activations by state, outbox backlog.

    Each read must stay cheap as history grows: indexed counts of what is open, never a scan.
    """

    def __init__(self) -> None:
        self.read: Callable[[], tuple[dict[str, int], int]] | None = None

    def collect(self) -> Iterable[GaugeMetricFamily]:
        if self.read is None:
            return
        try:
            by_state, backlog = self.read()
        except Exception:
            logging.getLogger(__name__).exception("metrics read failed")
            return
        states = GaugeMetricFamily(
            "simhive_activations",
            "Open activations by state (closed ones are counted by the request and SMS counters).",
            labels=["state"],
        )
        for state, count in sorted(by_state.items()):
            states.add_metric([state], count)
        yield states
        yield GaugeMetricFamily(
            "simhive_outbox_backlog", "Events waiting to be delivered.", value=backlog
        )


DATABASE_GAUGES = DatabaseGauges()
REGISTRY.register(DATABASE_GAUGES)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def configure_logging(level: str = "info") -> None:
    """Log lines carry the request id of the HTTP request that caused them."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


# A generator of its own: nothing else's use or seeding of `random` touches the ids; a
# forked process seeds its own again, so two processes never give the same ids.
_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)


def new_request_id() -> str:
    """16 hex digits. An id names a request in logs; it guards nothing, so it need not come
    from the system's random source (`uuid4` read it on every request)."""
    return f"{_ids.getrandbits(64):016x}"
