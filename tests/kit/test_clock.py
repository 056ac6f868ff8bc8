"""The sandbox clock's cache and the durations operators write."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import pytest

from simhive.kit.clock import (
    FrozenClock,
    SandboxClock,
    format_duration,
    parse_duration,
    wall_now,
)


class TestParseDuration:
    @pytest.mark.parametrize(
        ("raw", "seconds"),
        [
            ("90s", 90),
            ("45m", 2700),
            ("3d", 259200),
            ("2h", 7200),
            ("1w", 604800),
            ("1h30m", 5400),
            ("1d12h", 129600),
            ("1h 30m", 5400),
            (" 3D ", 259200),
            ("901s", 901),
            ("0h1s", 1),
        ],
    )
    def test_units_alone_and_together(self, raw: str, seconds: int) -> None:
        assert parse_duration(raw) == seconds

    @pytest.mark.parametrize(
        ("raw", "words"),
        [
            ("0s", "zero"),
            ("0d0h", "zero"),
            ("-5m", "only moves forward"),
            ("-3d", "only moves forward"),
            ("", "not a duration"),
            ("90", "not a duration"),
            ("1.5h", "not a duration"),
            ("m", "not a duration"),
            ("30m1h", "not a duration"),
            ("1h1h", "not a duration"),
            ("3 days", "not a duration"),
            ("abc", "not a duration"),
            ("\u0663d", "not a duration"),  # an Arabic-Indic three
            ("9" * 5000 + "s", "not a duration"),
        ],
    )
    def test_refusals_say_how_to_write_one(self, raw: str, words: str) -> None:
        with pytest.raises(ValueError, match=words) as refused:
            parse_duration(raw)
        assert "90s, 45m, 3d or 1h30m" in str(refused.value)
        assert len(str(refused.value)) < 200


class TestFormatDuration:
    @pytest.mark.parametrize(
        ("seconds", "text"),
        [(0, "0s"), (90, "1m 30s"), (901, "15m 1s"), (259200, "3d"), (31708800, "367d")],
    )
    def test_zero_units_are_left_out(self, seconds: int, text: str) -> None:
        assert format_duration(seconds) == text


class Source:
    """An offset kept elsewhere: counts its reads, can block them or fail them."""

    def __init__(self, offset_s: int = 0) -> None:
        self.offset_s = offset_s
        self.reads = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self.gate = threading.Event()
        self.gate.set()
        self.error: Exception | None = None
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            self.reads += 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            self.gate.wait(10)
            if self.error is not None:
                raise self.error
            return self.offset_s
        finally:
            with self._lock:
                self.in_flight -= 1


def wait_until(predicate: object, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


class TestSandboxClock:
    def test_now_is_the_wall_clock_plus_the_offset_read_at_start(self) -> None:
        wall = FrozenClock()
        clock = SandboxClock(Source(3600), refresh_s=3600, wall=wall)
        assert clock.now() == wall.now() + timedelta(hours=1)
        wall.advance(5)
        assert clock.now() == wall.now() + timedelta(hours=1)

    def test_the_offset_is_kept_between_refreshes(self) -> None:
        source = Source(60)
        clock = SandboxClock(source, refresh_s=3600, wall=FrozenClock())
        first = clock.now()
        source.offset_s = 120
        for _ in range(1000):
            assert clock.now() == first
        assert source.reads == 1

    def test_a_newer_offset_is_read_once_the_refresh_interval_passed(self) -> None:
        source = Source(60)
        wall = FrozenClock()
        clock = SandboxClock(source, refresh_s=0.01, wall=wall)
        source.offset_s = 3600
        wait_until(lambda: clock.now() == wall.now() + timedelta(hours=1))

    def test_now_never_waits_for_a_read_and_one_read_runs_at_a_time(self) -> None:
        source = Source(60)
        wall = FrozenClock()
        clock = SandboxClock(source, refresh_s=0.001, wall=wall)
        source.gate.clear()  # every read from now on hangs until the gate opens
        source.offset_s = 120
        answers = []
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            answers.append(clock.now())
        assert answers and set(answers) == {wall.now() + timedelta(seconds=60)}
        assert source.in_flight == 1 and source.most_in_flight == 1
        source.gate.set()
        wait_until(lambda: clock.now() == wall.now() + timedelta(seconds=120))

    def test_the_clock_never_moves_backwards(self) -> None:
        source = Source(600)
        wall = FrozenClock()
        clock = SandboxClock(source, refresh_s=3600, wall=wall)
        source.offset_s = 60  # a smaller offset (a database restored from a backup, say)
        clock.refresh()
        assert clock.offset_s == 600
        clock.observe(30)
        assert clock.now() == wall.now() + timedelta(seconds=600)
        clock.observe(900)
        assert clock.now() == wall.now() + timedelta(seconds=900)

    def test_a_failed_read_keeps_the_offset_and_is_logged_once(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        source = Source(600)
        clock = SandboxClock(source, refresh_s=3600, wall=FrozenClock())
        source.error = RuntimeError("database unreachable")
        with caplog.at_level(logging.WARNING, logger="simhive.kit.clock"):
            clock.refresh()
            clock.refresh()
        assert clock.offset_s == 600
        assert [r.getMessage() for r in caplog.records if "unreachable" in r.getMessage()] == [
            "sandbox clock: the offset could not be read, keeping 600s: database unreachable"
        ]
        source.error = None
        source.offset_s = 700
        clock.refresh()
        assert clock.offset_s == 700

    def test_an_unreadable_offset_at_start_is_zero(self) -> None:
        source = Source()
        source.error = RuntimeError("no such table: sandbox_clock")
        wall = FrozenClock()
        assert SandboxClock(source, refresh_s=3600, wall=wall).now() == wall.now()


class TestWallNow:
    def test_the_wall_time_behind_a_sandbox_clock(self) -> None:
        wall = FrozenClock()
        assert wall_now(SandboxClock(Source(86400), refresh_s=3600, wall=wall)) == wall.now()
        assert wall_now(wall) == wall.now()
