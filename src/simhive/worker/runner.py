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
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import httpx
from sqlalchemy.exc import DBAPIError

from simhive.core.activations import lifecycle
from simhive.core.errors import CoreError
from simhive.core.events import service as events
from simhive.core.events.models import EventKind
from simhive.core.insight import fraud
from simhive.core.inventory import service as inventory
from simhive.core.messages import service as messages
from simhive.core.rentals import service as rentals
from simhive.core.rotation import service as rotation
from simhive.db.engine import backend_pids
from simhive.db.notify import OUTBOX_CHANNEL, Listener
from simhive.db.uow import Database
from simhive.dialects.command import webhooks as command_webhooks
from simhive.dialects.rest import callbacks as rest_callbacks
from simhive.dialects.rest import inbound as rest_inbound
from simhive.kit.clock import wall_now
from simhive.observability import REQUESTS_TIMED_OUT, WEBHOOK_DELIVERIES, WEBHOOK_LATENCY
from simhive.worker import calls as outbound_calls
from simhive.worker import delivery, inbound
from simhive.worker import outbound as outbound_sms

if TYPE_CHECKING:
    from simhive.settings import Settings

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
    pruned: int = 0


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
        elif self.failures % 20 == 0:
            # Said again now and then (every ten minutes at the longest pause): a sweep that
            # keeps failing must not be one line lost in a day's log.
            log.error("worker passes still failing (%d failures): %s", self.failures, exc)
        elif isinstance(exc, DBAPIError) and exc.connection_invalidated:
            log.debug("worker: database still unreachable (%d failures)", self.failures)
        else:
            log.debug("worker pass failed again (%d failures): %s", self.failures, exc)


@dataclass(frozen=True, slots=True)
class _Made:
    """An attempt made, waiting for its record."""

    event: events.ClaimedEvent
    outcome: delivery.Outcome
    result: PassResult
    done: Future[None]


class _Recorder:
    """Writes the outcomes of attempts, as many per transaction as have come in.

    A group commit: when attempts finish one at a time, each is written at once;
    when they finish faster than a transaction takes, the next transaction takes all
    that came in meanwhile (at most `LIMIT`), so a busy worker writes a few records
    per statement instead of three statements per record. A running worker lets
    records gather for `LINGER_S` first: nobody waits on a record (the delivery slot is
    free once the attempt is made, the claim is kept meanwhile), and at a steady 100
    deliveries a second it halves the transactions.
    """

    LIMIT = 200
    LINGER_S = 0.02

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self._queue: collections.deque[_Made] = collections.deque()
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def put(self, made: _Made) -> None:
        with self._ready:
            self._queue.append(made)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="simhive-records", daemon=True
                )
                self._thread.start()
            self._ready.notify()

    def stop(self) -> None:
        with self._ready:
            self._stopping = True
            self._ready.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=30)

    def _loop(self) -> None:
        while True:
            with self._ready:
                while not self._queue and not self._stopping:
                    self._ready.wait()
                if not self._queue:
                    return
                if self.worker.running:
                    deadline = time.monotonic() + self.LINGER_S
                    while len(self._queue) < self.LIMIT and not self._stopping:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            break
                        self._ready.wait(left)
                batch = self._take()
            self._write(batch)
            self.worker.room_made()

    def _take(self) -> list[_Made]:
        """The next records, each event at most once (a later attempt waits its turn)."""
        batch: list[_Made] = []
        seen: set[int] = set()
        later: list[_Made] = []
        while self._queue and len(batch) < self.LIMIT:
            made = self._queue.popleft()
            if made.event.id in seen:
                later.append(made)
            else:
                seen.add(made.event.id)
                batch.append(made)
        self._queue.extendleft(reversed(later))
        return batch

    def _write(self, batch: list[_Made]) -> None:
        attempts = [
            events.Attempt(
                event_id=m.event.id,
                token=m.event.token,
                attempt=m.event.attempt,
                ok=m.outcome.ok,
                status_code=m.outcome.status_code,
                error=m.outcome.error,
                duration_ms=m.outcome.duration_ms,
            )
            for m in batch
        ]
        try:
            with self.worker.db.uow() as uow:
                statuses = events.record_attempts(uow, attempts)
        except Exception:
            log.exception(
                "recording %d attempts failed; their claims lapse and are retried", len(batch)
            )
            for made in batch:
                self.worker._finish(made.event, made.done)
            return
        for made, status in zip(batch, statuses, strict=True):
            self.worker._recorded(made, status)


def _rendered(
    event: events.ClaimedEvent, settings: Settings
) -> tuple[events.ClaimedEvent, delivery.Body]:
    """What an attempt posts for an event, in the words of the API that asked for it."""
    if event.kind == EventKind.INBOUND:
        # 003's inbound SMS: JSON, and any 2xx answer counts as received.
        return event, delivery.json_body(rest_inbound.render(event.payload))
    if rest_callbacks.owns(event.event_type):
        # A REST request's callbackUrl: JSON, as 003 words it.
        return event, delivery.json_body(rest_callbacks.render(event.event_type, event.payload))
    # Core queued facts; the account's webhook speaks the command API, as a form.
    form = command_webhooks.render(event.event_type, event.payload, settings)
    return dataclasses.replace(event, payload=form), delivery.FORM_BODY


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
        self._listener: Listener | None = None
        self._pool = ThreadPoolExecutor(
            max_workers=self.settings.webhook_concurrency, thread_name_prefix="webhook"
        )
        self._in_flight: set[Future[None]] = set()
        # Per slot (an account, `events.slot_of`): deliveries running, and claimed ones
        # waiting for a free one.
        self._per_target = max(1, self.settings.webhook_account_concurrency)
        self._running: dict[str | None, int] = {}
        self._waiting: dict[
            str, collections.deque[tuple[events.ClaimedEvent, PassResult, Future[None]]]
        ] = {}
        # Claim token -> events of that claim not yet recorded; their claims get heartbeats.
        self._held: dict[str, int] = {}
        # Event id -> until when this worker knows its claim holds (claimed, or extended
        # by a heartbeat); an attempt past it is not made: another worker may own it now.
        self._until: dict[int, datetime] = {}
        self._recorder = _Recorder(self)
        # Per gateway: reports it handed over that are not written yet.
        self._unrecorded: dict[str, outbound_calls.Unrecorded] = {}
        self._last_beat: datetime | None = None
        # The last claim filled the batch, so more may be due than this worker holds.
        self._full = False
        self._last_flap: datetime | None = None
        self._last_match: datetime | None = None
        self._last_prune: datetime | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        """Started (`start`) and not stopping: passes run in the background."""
        return self._thread is not None and not self._stop.is_set()

    def wake(self) -> None:
        """Something was queued: run a pass now instead of after the poll interval."""
        self._wake.set()

    def takes(self, slot: str | None) -> bool:
        """Whether an event of `slot` (`events.slot_of`) written now may come here
        straight after its commit (`events.Handoff`): the worker runs, has room in its
        batch, and the slot has a free delivery. A busy account's events go through
        claims instead, where the per-account claim bound holds."""
        with self._lock:
            if not self.running:
                return False
            if len(self._in_flight) >= self.settings.worker_batch:
                return False
            if slot is None:
                return True
            return self._running.get(slot, 0) < self._per_target and not self._waiting.get(slot)

    def accept(self, event: events.ClaimedEvent) -> None:
        """Deliver an event that was written claimed for this worker (after its commit)."""
        until = self.db.clock.now() + timedelta(seconds=self.settings.worker_claim_s)
        with self._lock:
            stopping = self._stop.is_set()
            if not stopping:
                self._held[event.token] = self._held.get(event.token, 0) + 1
                self._until[event.id] = until
        if stopping:
            # Written while the worker still ran, committed as it stopped: give it back
            # for any worker now, rather than after its claim lapses.
            self._give_back([event])
            return
        self._submit(event, PassResult())

    def room_made(self) -> None:
        """Deliveries finished: claim again at once if the last claim left due events."""
        if self._full:
            self._wake.set()

    def run_pending(self, *, wait: bool = True) -> PassResult:
        """One full pass; with `wait`, webhook deliveries finish before it returns.

        Each sweep runs on its own: one that fails does not stop the others (a broken
        expiry sweep must not also stop renewals, reroutes and webhooks), and the pass
        raises the first failure once all have run.
        """
        result = PassResult()
        failures: list[Exception] = []
        match = self._match_due()
        prune = self._prune_due()
        for name, sweep in (
            ("expire", self._expire),
            ("match", self._match if match else None),
            ("renew", self._renew),
            ("prune", self._prune if prune else None),
            ("rotate", self._rotate),
            ("reroute", self._reroute_stranded),
            ("gateways", self._tick_gateways),
        ):
            if sweep is None:
                continue
            try:
                sweep(result)
            except Exception as exc:
                log.debug("worker sweep %s failed: %s", name, exc)
                failures.append(exc)
        self._deliver_due(result, wait=wait)
        if failures:
            raise failures[0]
        return result

    def _expire(self, result: PassResult) -> None:
        with self.db.uow() as uow:
            result.expired = lifecycle.expire_due(uow)
        REQUESTS_TIMED_OUT.inc(result.expired)

    def _match(self, result: PassResult) -> None:
        with self.db.uow() as uow:
            result.matched = lifecycle.match_bids(uow)
        with self.db.uow() as uow:
            result.reclaimed = lifecycle.reclaim_idle_leases(uow)
        with self.db.uow() as uow:
            result.assigned = rentals.assign_reserved(uow)

    def _renew(self, result: PassResult) -> None:
        with self.db.uow() as uow:
            result.renewed = rentals.renew_due(uow)

    def _prune(self, result: PassResult) -> None:
        with self.db.uow() as uow:
            result.pruned = fraud.prune(uow)

    def _rotate(self, result: PassResult) -> None:
        """Turn the slots of every gateway with slots whose turn is due (`rotated`: numbers
        moved).

        The check is a read, so a pass with nothing to move takes no write lock.
        """
        with self.db.uow(write=False) as uow:
            due = [name for name in rotation.gateways(uow) if rotation.due(uow, gateway=name)]
        for name in due:
            with self.db.uow() as uow:
                result.rotated += rotation.step(uow, gateway=name)

    def _reroute_stranded(self, result: PassResult) -> None:
        """Route stored messages whose routing failed; each failure backs off (2 s … 5 min)."""
        with self.db.uow(write=False) as uow:
            stranded = messages.pending_messages(uow)
        for message_id in stranded:
            routed = inbound.route(self.db, message_id)
            if routed is not None and routed.status != "received":
                result.rerouted += 1

    def _prune_due(self) -> bool:
        """Once a minute: drop the fraud guard's counter buckets no window reaches."""
        now = self.db.clock.now()
        last = self._last_prune
        if last is not None and 0 <= (now - last).total_seconds() < 60:
            return False
        self._last_prune = now
        return True

    def _match_due(self) -> bool:
        now = self.db.clock.now()
        last = self._last_match
        if last is not None and 0 <= (now - last).total_seconds() < self.settings.worker_match_s:
            return False
        self._last_match = now
        return True

    def _tick_gateways(self, result: PassResult) -> None:
        for name, gateway in self.gateways.items():
            tick = getattr(gateway, "tick", None)
            if tick is not None:
                result.ticked += int(tick())
            unrecorded = self._unrecorded.setdefault(name, outbound_calls.Unrecorded())
            outbound_calls.collect_reports(self.db, name, gateway, unrecorded)
            changes = getattr(gateway, "status_changes", None)
            for mdn, online in changes() if changes is not None else ():
                try:
                    with self.db.uow() as uow:
                        rotation.set_online(uow, mdn=mdn, online=online)
                except CoreError as exc:
                    log.warning("gateway %s reported %s: %s", name, mdn, exc)
        self._flap()

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
        kinds = tuple(kind.value for kind in EventKind)
        while True:
            room = self.settings.worker_batch - len(self._in_flight)
            if room <= 0:
                self._full = True
                return
            until = self.db.clock.now() + timedelta(seconds=self.settings.worker_claim_s)
            with self.db.uow() as uow:
                claimed = events.claim_due(uow, limit=room, kinds=kinds)
            # A full claim may have left due events behind: finished deliveries wake the
            # loop to claim them. Otherwise new events wake it (commit hooks, notifications).
            self._full = len(claimed) >= room
            if not claimed:
                break
            with self._lock:
                for event in claimed:
                    self._held[event.token] = self._held.get(event.token, 0) + 1
                    self._until[event.id] = until
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
        until = now + timedelta(seconds=self.settings.worker_claim_s)
        with self.db.uow() as uow:
            still = events.extend_claims(uow, tokens=tokens)
        with self._lock:
            self._last_beat = now
            for event_id in still:
                if event_id in self._until:
                    self._until[event_id] = until

    def _submit(self, event: events.ClaimedEvent, result: PassResult) -> Future[None]:
        """Deliver soon: at once when its account has a free slot, else after its others.

        Each account has at most `webhook_account_concurrency` deliveries running in
        this worker, whatever URLs they go to, so one customer's slow endpoints never
        hold more delivery threads than that; its other claimed events wait here, their
        claims kept.
        """
        done: Future[None] = Future()
        key = event.slot
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
            if self._lapsed(event):
                # The worker fell behind its heartbeats (a stalled process): the claim may
                # be another worker's by now, and posting too would deliver it twice.
                log.warning("event %s: claim lapsed before its attempt", event.id)
                self._give_back([event])  # still ours: due again at once, no attempt counted
                self._finish(event, done)
            else:
                self._attempt(event, result, done)
            # The slot is free as soon as the attempt is made; its record is written
            # with others' by the recorder.
            with self._lock:
                queue = self._waiting.get(key) if key is not None else None
                if queue and not self._stop.is_set():
                    event, result, done = queue.popleft()
                else:
                    self._running[key] = self._running.get(key, 1) - 1
                    if key is not None and not queue:
                        self._waiting.pop(key, None)
                    queue = None
            if queue is None:
                return

    def _unclaim_waiting(self) -> None:
        """Give back the claims of deliveries that never started, for other workers."""
        with self._lock:
            waiting = [item for queue in self._waiting.values() for item in queue]
            self._waiting.clear()
        if not waiting:
            return
        self._give_back([event for event, _, _ in waiting])
        for event, _, done in waiting:
            self._release(event)
            with self._lock:
                self._in_flight.discard(done)
            done.set_result(None)

    def _give_back(self, claimed: list[events.ClaimedEvent]) -> None:
        """Give back claims never attempted; if that fails, they lapse instead."""
        try:
            with self.db.uow() as uow:
                events.unclaim(uow, claims=[(event.id, event.token) for event in claimed])
        except Exception:
            log.exception("giving back %d claims failed; they lapse instead", len(claimed))

    def _lapsed(self, event: events.ClaimedEvent) -> bool:
        """Whether the event's claim may have lapsed: a tenth of a claim period is kept in
        hand for the attempt to start."""
        with self._lock:
            until = self._until.get(event.id)
        if until is None:
            return False
        margin = timedelta(seconds=self.settings.worker_claim_s / 10)
        return self.db.clock.now() >= until - margin

    def _release(self, event: events.ClaimedEvent) -> None:
        with self._lock:
            self._until.pop(event.id, None)
            left = self._held.get(event.token, 0) - 1
            if left > 0:
                self._held[event.token] = left
            else:
                self._held.pop(event.token, None)

    def _attempt(self, event: events.ClaimedEvent, result: PassResult, done: Future[None]) -> None:
        """Make one attempt and hand its outcome to the recorder; never raises."""
        try:
            if event.kind == EventKind.GATEWAY:
                outcome = self._call_gateway(event)
            else:
                posted, body = _rendered(event, self.settings)
                outcome = delivery.deliver(
                    self.http,
                    posted,
                    now=wall_now(self.db.clock),  # signed for the receiver's clock
                    allow_private=self.settings.webhook_allow_private,
                    attempt_s=self.settings.webhook_timeout_s,
                    body=body,
                )
                WEBHOOK_LATENCY.observe(outcome.duration_ms / 1000)
        except Exception:
            log.exception(
                "event %s: delivery crashed; its claim will lapse and be retried", event.id
            )
            self._finish(event, done)
            return
        self._recorder.put(_Made(event, outcome, result, done))

    def _recorded(self, made: _Made, status: str | None) -> None:
        """The outcome of an attempt is written (or lost with its claim: status None)."""
        event, outcome, result = made.event, made.outcome, made.result
        try:
            if status is None:
                log.warning("event %s: claim lost during the attempt; outcome dropped", event.id)
                return
            if event.kind != EventKind.GATEWAY:
                WEBHOOK_DELIVERIES.labels(
                    "delivered" if outcome.ok else ("given_up" if status == "failed" else "failed")
                ).inc()
            if outcome.ok:
                result.delivered += 1
            else:
                result.failed += 1
        finally:
            self._finish(event, made.done)

    def _finish(self, event: events.ClaimedEvent, done: Future[None]) -> None:
        self._release(event)
        with self._lock:
            self._in_flight.discard(done)
        done.set_result(None)

    def _call_gateway(self, event: events.ClaimedEvent) -> delivery.Outcome:
        gateway = self.gateways.get(event.target)
        if event.event_type == outbound_sms.SEND_SMS:
            return outbound_sms.send(self.db, gateway, event)
        if event.event_type == outbound_calls.PLACE_CALL:
            return outbound_calls.place(self.db, gateway, event)
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
        if self.db.dialect == "postgresql":
            # Events written by other processes wake this worker at once, not at its next poll.
            # Commits of this process wake this worker already when it is their hook.
            engine = self.db.engine
            own = (lambda: backend_pids(engine)) if self.db.outbox_hook == self.wake else None
            self._listener = Listener(engine, self.wake, channel=OUTBOX_CHANNEL, ignore=own)
            self._listener.start()

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
        if self._listener is not None:
            self._listener.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._unclaim_waiting()
        for gateway in self.gateways.values():
            stop = getattr(gateway, "stop", None)
            if stop is not None:
                stop()
        self._pool.shutdown(wait=True)
        self._recorder.stop()
        self.http.close()
