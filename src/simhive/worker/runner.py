"""The worker: everything that happens because time passed.

Each pass expires requests, matches bids with free numbers, re-routes stored
messages, runs gateway ticks and delivers due outbox events. Claims are rows
with a deadline (`claimed_until`), so a worker that dies mid-delivery is
recovered by another one; on PostgreSQL many workers share the work with
`FOR UPDATE SKIP LOCKED`. While deliveries are queued or running, their worker
extends their claims (a heartbeat), and each claim carries a token: only its
holder records the outcome.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy.exc import DBAPIError

from simhive.core.activations import lifecycle
from simhive.core.errors import CoreError
from simhive.core.events import service as events
from simhive.core.events.models import EventKind
from simhive.core.inventory import service as inventory
from simhive.core.messages import service as messages
from simhive.core.rentals import service as rentals
from simhive.core.rotation import service as rotation
from simhive.db.uow import Database
from simhive.dialects.command import webhooks as command_webhooks
from simhive.kit.clock import wall_now
from simhive.observability import REQUESTS_TIMED_OUT, WEBHOOK_DELIVERIES, WEBHOOK_LATENCY
from simhive.worker import delivery, inbound
from simhive.worker import outbound as outbound_sms

log = logging.getLogger(__name__)


@dataclass
class PassResult:
    expired: int = 0
    matched: int = 0
    reclaimed: int = 0
    assigned: int = 0
    renewed: int = 0
    rotated: int = 0
    rerouted: int = 0
    ticked: int = 0
    delivered: int = 0
    failed: int = 0


class _Health:
    """The loop's view of its passes: it logs once when they start failing and once when
    they recover, and backs off while they fail (a database outage must not fill the
    log with a traceback five times a second)."""

    def __init__(self) -> None:
        self.failures = 0
        self.pause = 0.0

    def ok(self) -> None:
        if self.failures:
            log.warning("worker passes succeed again after %d failures", self.failures)
        self.failures = 0
        self.pause = 0.0

    def failed(self, exc: Exception) -> None:
        self.failures += 1
        self.pause = min(0.5 * 2 ** min(self.failures, 7), 30.0)
        if self.failures == 1:
            if isinstance(exc, DBAPIError) and exc.connection_invalidated:
                log.error("worker: the database is unreachable (%s); retrying", exc.orig)
            else:
                log.exception("worker pass failed; retrying with backoff")
        elif isinstance(exc, DBAPIError) and exc.connection_invalidated:
            log.debug("worker: database still unreachable (%d failures)", self.failures)
        else:
            log.debug("worker pass failed again (%d failures): %s", self.failures, exc)


class Worker:
    """Runs the sweeps in a loop (`start`) or once (`run_pending`, for tests and the CLI)."""

    def __init__(
        self,
        db: Database,
        *,
        gateways: Mapping[str, object] | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        self.db = db
        self.settings = db.settings
        self.gateways = dict(gateways or {})
        self.http = http or delivery.webhook_client(
            attempt_s=self.settings.webhook_timeout_s,
            allow_private=self.settings.webhook_allow_private,
        )
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(
            max_workers=self.settings.webhook_concurrency, thread_name_prefix="webhook"
        )
        self._in_flight: set[Future[None]] = set()
        # Per webhook target: deliveries running, and claimed ones waiting for a slot.
        self._per_target = max(1, self.settings.webhook_account_concurrency)
        self._running: dict[str | None, int] = {}
        self._waiting: dict[
            str, collections.deque[tuple[events.ClaimedEvent, PassResult, Future[None]]]
        ] = {}
        # Claim token -> events of that claim not yet recorded; their claims get heartbeats.
        self._held: dict[str, int] = {}
        self._last_beat: datetime | None = None
        self._last_flap: datetime | None = None
        self._last_match: datetime | None = None
        self._lock = threading.Lock()

    def wake(self) -> None:
        """Something was queued: run a pass now instead of after the poll interval."""
        self._wake.set()

    def run_pending(self, *, wait: bool = True) -> PassResult:
        """One full pass; with `wait`, webhook deliveries finish before it returns."""
        result = PassResult()
        with self.db.uow() as uow:
            result.expired = lifecycle.expire_due(uow)
        REQUESTS_TIMED_OUT.inc(result.expired)
        if self._match_due():
            with self.db.uow() as uow:
                result.matched = lifecycle.match_bids(uow)
            with self.db.uow() as uow:
                result.reclaimed = lifecycle.reclaim_idle_leases(uow)
            with self.db.uow() as uow:
                result.assigned = rentals.assign_reserved(uow)
        with self.db.uow() as uow:
            result.renewed = rentals.renew_due(uow)
        result.rotated = self._rotate()
        result.rerouted = self._reroute_stranded()
        result.ticked = self._tick_gateways()
        self._deliver_due(result, wait=wait)
        return result

    def _rotate(self) -> int:
        """Turn the slots of every gateway with slots whose turn is due; returns numbers moved.

        The check is a read, so a pass with nothing to move takes no write lock.
        """
        with self.db.uow(write=False) as uow:
            due = [name for name in rotation.gateways(uow) if rotation.due(uow, gateway=name)]
        moved = 0
        for name in due:
            with self.db.uow() as uow:
                moved += rotation.step(uow, gateway=name)
        return moved

    def _reroute_stranded(self) -> int:
        """Route stored messages whose routing failed; each failure backs off (2 s … 5 min)."""
        with self.db.uow(write=False) as uow:
            stranded = messages.pending_messages(uow)
        rerouted = 0
        for message_id in stranded:
            routed = inbound.route(self.db, message_id)
            if routed is not None and routed.status != "received":
                rerouted += 1
        return rerouted

    def _match_due(self) -> bool:
        now = self.db.clock.now()
        last = self._last_match
        if last is not None and 0 <= (now - last).total_seconds() < self.settings.worker_match_s:
            return False
        self._last_match = now
        return True

    def _tick_gateways(self) -> int:
        ticked = 0
        for name, gateway in self.gateways.items():
            tick = getattr(gateway, "tick", None)
            if tick is not None:
                ticked += int(tick())
            changes = getattr(gateway, "status_changes", None)
            for mdn, online in changes() if changes is not None else ():
                try:
                    with self.db.uow() as uow:
                        rotation.set_online(uow, mdn=mdn, online=online)
                except CoreError as exc:
                    log.warning("gateway %s reported %s: %s", name, mdn, exc)
        self._flap()
        return ticked

    def _flap(self) -> None:
        """Once a minute, let gateways that model SIM banks take their SIMs offline and back.

        Each gateway is asked about its own numbers only; a gateway with slots is left out
        (its numbers take turns in the slots instead of flapping at random).
        """
        now = self.db.clock.now()
        if self._last_flap is not None and (now - self._last_flap).total_seconds() < 60:
            return
        self._last_flap = now
        for name, gateway in self.gateways.items():
            flap = getattr(gateway, "flap", None)
            if flap is None or not getattr(gateway, "flap_probability", 0):
                continue
            with self.db.uow(write=False) as uow:
                if rotation.rotating(uow, name):
                    continue
                mdns = inventory.gateway_mdns(uow, gateway=name)
            for mdn, online in flap(mdns):
                with self.db.uow() as uow:
                    rotation.set_online(uow, mdn=mdn, online=online)

    def _deliver_due(self, result: PassResult, *, wait: bool) -> None:
        # Extend our claims first, so no pass (ours or another worker's) takes them over.
        self._heartbeat()
        kinds = (EventKind.WEBHOOK.value, EventKind.GATEWAY.value)
        while True:
            room = self.settings.worker_batch - len(self._in_flight)
            if room <= 0:
                return
            with self.db.uow() as uow:
                claimed = events.claim_due(uow, limit=room, kinds=kinds)
            if not claimed:
                break
            with self._lock:
                for event in claimed:
                    self._held[event.token] = self._held.get(event.token, 0) + 1
            futures = [self._submit(event, result) for event in claimed]
            if wait:
                for future in futures:
                    future.result()
            if len(claimed) < room:
                break

    def _heartbeat(self) -> None:
        """Keep the claims of queued and running deliveries, a third of a claim period at a time."""
        now = self.db.clock.now()
        with self._lock:
            tokens = list(self._held)
            last = self._last_beat
        if not tokens:
            return
        if last is not None and (now - last).total_seconds() < self.settings.worker_claim_s / 3:
            return
        with self.db.uow() as uow:
            events.extend_claims(uow, tokens=tokens)
        with self._lock:
            self._last_beat = now

    def _submit(self, event: events.ClaimedEvent, result: PassResult) -> Future[None]:
        """Deliver soon: at once when the target has a free slot, else after its others.

        Each webhook target has at most `webhook_account_concurrency` deliveries
        running in this worker, so one slow endpoint never holds more delivery
        threads than that; its other claimed events wait here, their claims kept.
        """
        done: Future[None] = Future()
        key = event.target if event.kind == EventKind.WEBHOOK else None
        with self._lock:
            self._in_flight.add(done)
            if key is not None and self._running.get(key, 0) >= self._per_target:
                self._waiting.setdefault(key, collections.deque()).append((event, result, done))
                return done
            self._running[key] = self._running.get(key, 0) + 1
        self._pool.submit(self._run, key, event, result, done)
        return done

    def _run(
        self,
        key: str | None,
        event: events.ClaimedEvent,
        result: PassResult,
        done: Future[None],
    ) -> None:
        while True:
            try:
                self._deliver_one(event, result)
            finally:
                done.set_result(None)
                with self._lock:
                    self._in_flight.discard(done)
                    queue = self._waiting.get(key) if key is not None else None
                    if queue and not self._stop.is_set():
                        event, result, done = queue.popleft()
                    else:
                        self._running[key] = self._running.get(key, 1) - 1
                        if key is not None and not queue:
                            self._waiting.pop(key, None)
                        queue = None
            # A delivery slot is free: let the loop claim more without waiting for the poll.
            self.wake()
            if queue is None:
                return

    def _unclaim_waiting(self) -> None:
        """Give back the claims of deliveries that never started, for other workers."""
        with self._lock:
            waiting = [item for queue in self._waiting.values() for item in queue]
            self._waiting.clear()
        if not waiting:
            return
        try:
            with self.db.uow() as uow:
                events.unclaim(uow, claims=[(event.id, event.token) for event, _, _ in waiting])
        except Exception:
            log.exception("giving back %d claims failed; they lapse instead", len(waiting))
        for event, _, done in waiting:
            self._release(event)
            with self._lock:
                self._in_flight.discard(done)
            done.set_result(None)

    def _release(self, event: events.ClaimedEvent) -> None:
        with self._lock:
            left = self._held.get(event.token, 0) - 1
            if left > 0:
                self._held[event.token] = left
            else:
                self._held.pop(event.token, None)

    def _deliver_one(self, event: events.ClaimedEvent, result: PassResult) -> None:
        try:
            if event.kind == EventKind.GATEWAY:
                outcome = self._call_gateway(event)
            else:
                # Core queued facts; the account's webhook speaks the command API.
                body = command_webhooks.render(event.event_type, event.payload, self.settings)
                outcome = delivery.deliver(
                    self.http,
                    dataclasses.replace(event, payload=body),
                    now=wall_now(self.db.clock),  # signed for the receiver's clock
                    allow_private=self.settings.webhook_allow_private,
                    attempt_s=self.settings.webhook_timeout_s,
                )
                WEBHOOK_LATENCY.observe(outcome.duration_ms / 1000)
            with self.db.uow() as uow:
                status = events.record_attempt(
                    uow,
                    event_id=event.id,
                    token=event.token,
                    attempt=event.attempt,
                    ok=outcome.ok,
                    status_code=outcome.status_code,
                    error=outcome.error,
                    duration_ms=outcome.duration_ms,
                )
            if status is None:
                log.warning("event %s: claim lost during the attempt; outcome dropped", event.id)
                return
            if event.kind == EventKind.WEBHOOK:
                WEBHOOK_DELIVERIES.labels(
                    "delivered" if outcome.ok else ("given_up" if status == "failed" else "failed")
                ).inc()
            if outcome.ok:
                result.delivered += 1
            else:
                result.failed += 1
        except Exception:
            log.exception(
                "event %s: delivery crashed; its claim will lapse and be retried", event.id
            )
        finally:
            self._release(event)

    def _call_gateway(self, event: events.ClaimedEvent) -> delivery.Outcome:
        gateway = self.gateways.get(event.target)
        if event.event_type == outbound_sms.SEND_SMS:
            return outbound_sms.send(self.db, gateway, event)
        handler = getattr(gateway, event.event_type.replace(".", "_"), None)
        if handler is None:
            return delivery.Outcome(ok=False, error=f"no gateway {event.target} here")
        handler(**event.payload)
        return delivery.Outcome(ok=True)

    # -- the loop ---------------------------------------------------------------

    def start(self) -> None:
        """Run passes in a background thread until `stop`."""
        for gateway in self.gateways.values():
            start = getattr(gateway, "start", None)
            if start is not None:
                start(inbound.Sink(self.db, getattr(gateway, "name", "gateway")))
        self._thread = threading.Thread(target=self._loop, name="simhive-worker", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        last_sweep = 0.0
        health = _Health()
        while not self._stop.is_set():
            woken = self._wake.is_set()
            self._wake.clear()
            try:
                # A wake-up means new outbox rows: deliver at once; sweep on the interval.
                if woken and time.monotonic() - last_sweep < self.settings.worker_poll_s:
                    self._deliver_due(PassResult(), wait=False)
                else:
                    last_sweep = time.monotonic()
                    self.run_pending(wait=False)
                health.ok()
            except Exception as exc:
                health.failed(exc)
            self._wake.wait(max(self.settings.worker_poll_s, health.pause))

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._unclaim_waiting()
        for gateway in self.gateways.values():
            stop = getattr(gateway, "stop", None)
            if stop is not None:
                stop()
        self._pool.shutdown(wait=True)
        self.http.close()
