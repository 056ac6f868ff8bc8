"""The simulator gateway: simulated numbers that receive their service's SMS on cue."""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from simhive.gateways.base import (
    CallEnded,
    DeliveryReport,
    InboundSink,
    InboundSMS,
    PermanentGatewayError,
)
from simhive.gateways.simulator.templates import sample_message
from simhive.kit.clock import Clock

log = logging.getLogger(__name__)

# Sent SMS the simulator remembers (to accept a repeat once), the oldest forgotten first.
SENT_KEPT = 10_000
# What a simulated handset keeps: its latest SMS and calls.
INBOX_KEPT = 100


@dataclass(frozen=True, slots=True)
class SentSMS:
    """An SMS the simulator was asked to send (it reaches nobody)."""

    mdn: str
    to: str
    text: str
    ref: str
    gateway_ref: str
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class HandsetItem:
    """What a simulated handset received: an SMS (`text`) or a call (`caller_id`, `script`)."""

    kind: str  # "sms" or "call"
    sender: str
    at: datetime
    text: str = ""
    script: str | None = None
    answered: bool = False


# A simulated flash call rings this long and is hung up unanswered; a voice call is
# answered after RING_S and lasts as long as its script takes to read.
RING_S = 4
WORDS_PER_S = 2.5


class SimulatorGateway:
    """Schedules auto-replies by the injected clock; `tick()` delivers those that are due."""

    name = "simulator"

    def __init__(
        self,
        *,
        clock: Clock,
        rng: random.Random | None = None,
        auto_reply_delay: float | None = None,
        flap_probability: float = 0.0,
        unreachable: frozenset[str] = frozenset(),
    ) -> None:
        self.clock = clock
        self.rng = rng or random.Random()
        self.auto_reply_delay = auto_reply_delay
        self.flap_probability = flap_probability
        self._sink: InboundSink | None = None
        self._due: list[tuple[datetime, int, InboundSMS]] = []
        self._order = itertools.count()
        # Refs name this run of the simulator: never drawn from a seeded generator, which
        # would give the refs of the last run again after a restart (and each SMS would be
        # dropped as a duplicate of one stored then).
        self._run = secrets.token_hex(6)
        self._offline: set[str] = set()
        self._changes: list[tuple[str, bool]] = []
        # What customers asked of rented numbers, as a SIM bank would record it.
        self.activations: list[str] = []
        self.forwards: dict[str, str] = {}
        self._lock = threading.Lock()
        # Sent SMS in memory, by our reference; the database's rows are what operators list.
        self.sent: dict[str, SentSMS] = {}
        # Simulated handsets, by number (digits): what each received. Numbers in
        # `unreachable` are switched off: nothing reaches them.
        self.unreachable = frozenset(n.removeprefix("+") for n in unreachable)
        self.handsets: dict[str, list[HandsetItem]] = {}
        self._reports: list[DeliveryReport] = []
        self._calls: list[CallEnded] = []
        self._placed: dict[str, str] = {}

    def start(self, sink: InboundSink) -> None:
        self._sink = sink

    def stop(self) -> None:
        self._sink = None

    def number_reserved(self, mdn: str, service: str) -> None:
        """A number was reserved for a service: its SMS arrives after the delay."""
        if self.auto_reply_delay is None:
            return
        with self._lock:
            sender, text, _ = sample_message(service, self.rng)
            due = self.clock.now() + timedelta(seconds=self.auto_reply_delay)
            sms = InboundSMS(
                to=mdn,
                sender=sender,
                text=text,
                received_at=due,
                gateway_ref=f"sim-{self._run}-{next(self._order)}",
            )
            heapq.heappush(self._due, (due, next(self._order), sms))

    def next_due(self) -> datetime | None:
        with self._lock:
            return self._due[0][0] if self._due else None

    def tick(self) -> int:
        """Deliver every scheduled SMS that is due; one the sink refuses stays scheduled."""
        now = self.clock.now()
        with self._lock:
            ready = []
            while self._due and self._due[0][0] <= now:
                ready.append(heapq.heappop(self._due))
        delivered = 0
        for entry in ready:
            try:
                if self._sink is None:
                    raise RuntimeError("the simulator is not started")
                self._sink(entry[2])
                delivered += 1
            except Exception:
                log.exception("simulated SMS to %s not taken; retrying next tick", entry[2].to)
                with self._lock:
                    heapq.heappush(self._due, entry)
        return delivered

    def inject(self, to: str, sender: str, text: str) -> None:
        """Deliver an arbitrary SMS now."""
        if self._sink is None:
            raise RuntimeError("the simulator is not started")
        ref = f"sim-{self._run}-{next(self._order)}"
        self._sink(InboundSMS(to, sender, text, self.clock.now(), ref))

    def send_sms(self, *, mdn: str, to: str, text: str, ref: str) -> str:
        """Accept an SMS from a simulated number; a repeated `ref` is accepted once."""
        with self._lock:
            if mdn in self._offline:
                raise PermanentGatewayError(f"simulated number {mdn} is offline")
            seen = self.sent.get(ref)
            if seen is None:
                seen = SentSMS(
                    mdn=mdn,
                    to=to,
                    text=text,
                    ref=ref,
                    gateway_ref=f"sim-out-{self._run}-{next(self._order)}",
                    sent_at=self.clock.now(),
                )
                self.sent[ref] = seen
                while len(self.sent) > SENT_KEPT:
                    del self.sent[next(iter(self.sent))]
                self._reach(to, HandsetItem("sms", mdn, seen.sent_at, text=text))
                self._reports.append(
                    DeliveryReport(
                        ref=ref,
                        delivered=to.removeprefix("+") not in self.unreachable,
                        at=seen.sent_at,
                        gateway_ref=seen.gateway_ref,
                        error="" if to.removeprefix("+") not in self.unreachable else "unreachable",
                    )
                )
            return seen.gateway_ref

    def _reach(self, to: str, item: HandsetItem) -> None:
        number = to.removeprefix("+")
        if number not in self.unreachable:
            inbox = self.handsets.setdefault(number, [])
            inbox.append(item)
            del inbox[:-INBOX_KEPT]

    def place_call(self, *, caller_id: str, to: str, script: str | None, ref: str) -> str:
        """Call a simulated handset: a flash call rings and is not answered; a voice call is
        answered and its script read out; an unreachable handset fails the call."""
        with self._lock:
            if ref in self._placed:
                return self._placed[ref]
            now = self.clock.now()
            gateway_ref = f"sim-call-{self._run}-{next(self._order)}"
            self._placed[ref] = gateway_ref
            while len(self._placed) > SENT_KEPT:
                del self._placed[next(iter(self._placed))]
            self._calls.append(self._call_outcome(caller_id, to, script, ref, now))
            return gateway_ref

    def _call_outcome(
        self, caller_id: str, to: str, script: str | None, ref: str, now: datetime
    ) -> CallEnded:
        ring = now + timedelta(seconds=1)
        if to.removeprefix("+") in self.unreachable:
            return CallEnded(ref, "failed", 480, now, None, None, ring, False, 0)
        if script is None:
            ended = ring + timedelta(seconds=RING_S)
            self._reach(to, HandsetItem("call", caller_id, ring))
            return CallEnded(ref, "no_answer", 487, now, ring, None, ended, True, 0)
        answered = ring + timedelta(seconds=RING_S)
        duration = max(3, round(len(script.split()) / WORDS_PER_S))
        ended = answered + timedelta(seconds=duration)
        self._reach(to, HandsetItem("call", caller_id, ring, script=script, answered=True))
        return CallEnded(ref, "answered", 200, now, ring, answered, ended, True, duration)

    def delivery_reports(self) -> list[DeliveryReport]:
        """The delivery reports of SMS sent since the last call."""
        with self._lock:
            reports, self._reports = self._reports, []
        return reports

    def call_reports(self) -> list[CallEnded]:
        """How the calls placed since the last call ended."""
        with self._lock:
            ended, self._calls = self._calls, []
        return ended

    def inbox(self, number: str) -> list[HandsetItem]:
        """What a simulated handset has received, oldest first."""
        with self._lock:
            return list(self.handsets.get(number.removeprefix("+"), []))

    def number_activate(self, mdn: str, rental_id: str) -> None:
        """A rented number was asked online: its SIM goes into a slot at once."""
        with self._lock:
            self.activations.append(mdn)
            self._offline.discard(mdn)
            self._changes.append((mdn, True))

    def number_forward(self, mdn: str, destination: str) -> None:
        """Forward the number's voice calls (recorded; simulated numbers take no calls)."""
        with self._lock:
            self.forwards[mdn] = destination

    def status_changes(self) -> list[tuple[str, bool]]:
        """Numbers that went online or offline since the last call, for core to record."""
        with self._lock:
            changes, self._changes = self._changes, []
        return changes

    def flap(self, numbers: Sequence[str]) -> list[tuple[str, bool]]:
        """Numbers that go offline or come back, each with `flap_probability`."""
        changes = []
        with self._lock:
            for mdn in numbers:
                if self.rng.random() >= self.flap_probability:
                    continue
                online = mdn in self._offline
                (self._offline.discard if online else self._offline.add)(mdn)
                changes.append((mdn, online))
        return changes
