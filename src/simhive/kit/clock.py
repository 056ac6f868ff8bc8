"""The injected clock: core code asks it for the time, tests move it."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

log = logging.getLogger(__name__)


class Clock(Protocol):
    """Anything that tells the current time in UTC."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to; thread-safe."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float = 0, **kwargs: float) -> datetime:
        """Move the clock forward and return the new time."""
        with self._lock:
            self._now += timedelta(seconds=seconds, **kwargs)
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when


class SandboxClock:
    """The wall clock plus an offset kept elsewhere (a database row that every process reads).

    `read_offset` answers the offset in whole seconds. It is asked once here, then again at
    most every `refresh_s`, on a short-lived thread of its own: `now()` is called on hot paths,
    on the event loop and inside transactions, so it never waits for a database. The offset
    only grows: a smaller answer is ignored, so this clock never moves backwards (unless its
    wall clock does).
    """

    def __init__(
        self,
        read_offset: Callable[[], int],
        *,
        refresh_s: float = 0.5,
        wall: Clock | None = None,
    ) -> None:
        self.wall: Clock = wall or SystemClock()
        self.refresh_s = refresh_s
        self._read = read_offset
        self._lock = threading.Lock()
        self._offset_s = 0
        self._offset = timedelta(0)
        self._refreshing = False
        self._failing = False
        self._checked = time.monotonic()
        self.refresh()

    @property
    def offset_s(self) -> int:
        """How far ahead of the wall clock this clock is, as last read."""
        return self._offset_s

    def now(self) -> datetime:
        if time.monotonic() - self._checked >= self.refresh_s:
            self._refresh_soon()
        return self.wall.now() + self._offset

    def observe(self, offset_s: int) -> None:
        """Take an offset this process has just read or written (ignored if it is smaller)."""
        with self._lock:
            if offset_s > self._offset_s:
                self._offset_s = offset_s
                self._offset = timedelta(seconds=offset_s)

    def refresh(self) -> None:
        """Read the offset now, on the calling thread; a failed read keeps the last one."""
        try:
            offset_s = self._read()
        except Exception as exc:
            if not self._failing:
                log.warning(
                    "sandbox clock: the offset could not be read, keeping %ss: %s",
                    self._offset_s,
                    exc,
                )
            self._failing = True
        else:
            self._failing = False
            self.observe(offset_s)
        finally:
            self._checked = time.monotonic()

    def _refresh_soon(self) -> None:
        with self._lock:
            if self._refreshing:
                return
            self._refreshing = True
            # Set now, so that callers in the meantime start no other read.
            self._checked = time.monotonic()
        try:
            threading.Thread(target=self._refresh_apart, name="sandbox-clock", daemon=True).start()
        except RuntimeError:  # no new threads while the interpreter shuts down: keep the offset
            with self._lock:
                self._refreshing = False

    def _refresh_apart(self) -> None:
        try:
            self.refresh()
        finally:
            with self._lock:
                self._refreshing = False


def wall_now(clock: Clock) -> datetime:
    """The wall time behind `clock`: for what another machine checks against its own clock
    (a webhook's signature timestamp), which the sandbox clock must not move."""
    return clock.wall.now() if isinstance(clock, SandboxClock) else clock.now()


UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?")
_EXAMPLES = "90s, 45m, 3d or 1h30m (units w, d, h, m, s, largest first)"


def parse_duration(text: str) -> int:
    """Whole seconds in a duration written like `90s`, `45m`, `3d` or `1h30m`; ValueError else."""
    raw = "".join(text.split()).lower()
    if raw.startswith("-"):
        raise ValueError(f"time only moves forward; write a duration like {_EXAMPLES}")
    match = _DURATION.fullmatch(raw) if len(raw) <= 40 else None
    if match is None or not any(match.groups()):
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise ValueError(f"{shown!r} is not a duration; write it like {_EXAMPLES}")
    seconds = sum(int(n) * UNITS[u] for n, u in zip(match.groups(), UNITS, strict=True) if n)
    if seconds == 0:
        raise ValueError(f"a duration of zero moves nothing; write one like {_EXAMPLES}")
    return seconds


def format_duration(seconds: int) -> str:
    """`1d 2h 30m 5s`, leaving out units that are zero (`0s` for none)."""
    parts = []
    left = seconds
    for unit, size in UNITS.items():
        if unit == "w":
            continue  # days read better than weeks: 45d, not 6w 3d
        count, left = divmod(left, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts) or "0s"


def from_wall(clock: Clock, when: datetime) -> datetime:
    """A time another machine stamped by its own clock (a gateway's `received_at`), as
    `clock` reads it: on the sandbox clock it moves forward with the offset, so an SMS a
    gateway stamps now is as recent as one stamped by simhive now."""
    return when + timedelta(seconds=clock.offset_s) if isinstance(clock, SandboxClock) else when
