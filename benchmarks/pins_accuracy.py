"""Accuracy and speed of `extract_pin` on the tuning and the unseen parts of the corpus.

    PYTHONPATH=src .venv/bin/python benchmarks/pins_accuracy.py [--failures]

Prints, for each part, the share of messages answered right and the share of messages
without a code that were given one (false answers); per-language accuracy of the tuning
part; the CPU time per message; and the time for long texts (the longest SMS core accepts,
and a 4.8 MB text) with the time per kilobyte, which stays flat when the work is linear.
`--failures` lists the tuning part's misses. The unseen part shows totals only: its lines
are not for adjusting rules (tests/pins/README.md).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from simhive.pins import extract_pin

PINS = Path(__file__).resolve().parent.parent / "tests" / "pins"
PARTS = {"tuning": PINS / "corpus.jsonl", "unseen": PINS / "unseen.jsonl"}
TIMING_ROUNDS = 20
LONGEST_SMS = 255 * 153  # concatenated segments of 7-bit text
LONG_TEXT = 4_800_000


def load(path: Path) -> list[dict[str, Any]]:
    """Read a corpus part, one JSON object per line."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _extract(entry: dict[str, Any]) -> str | None:
    return extract_pin(entry["text"], sender=entry["sender"], service=entry["service"])


def _report_part(name: str, entries: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Any]]:
    misses = []
    right = without_code = false_answers = 0
    for entry in entries:
        got = _extract(entry)
        right += got == entry["expected"]
        if entry["expected"] is None:
            without_code += 1
            false_answers += got is not None
        if got != entry["expected"]:
            misses.append((entry, got))
    print(
        f"{name:7} {len(entries):5} messages  {right:5} right {100 * right / len(entries):5.1f}%"
        f"  {false_answers:3}/{without_code:<3} false answers"
        f" {100 * false_answers / without_code:4.1f}%"
    )
    return misses


def _per_language(entries: list[dict[str, Any]]) -> None:
    per_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for entry in entries:
        per_lang[entry["lang"]][0] += _extract(entry) == entry["expected"]
        per_lang[entry["lang"]][1] += 1
    print(f"tuning part per language ({len(per_lang)}):")
    for lang, (ok_count, count) in sorted(per_lang.items()):
        print(f"  {lang:6} {ok_count:4}/{count:<4} {100 * ok_count / count:5.1f}%")


def _time_per_message(entries: list[dict[str, Any]]) -> float:
    started = time.process_time()
    for _ in range(TIMING_ROUNDS):
        for entry in entries:
            _extract(entry)
    return (time.process_time() - started) / (TIMING_ROUNDS * len(entries)) * 1e6


def _long_text(entries: list[dict[str, Any]], size: int) -> str:
    # Messages with an origin-bound line are left out: that line would end the search at once.
    texts = [e["text"] for e in entries if "@" not in e["text"]]
    joined = "\n".join(texts)
    return (joined * (size // len(joined) + 1))[:size]


def _time_long(text: str) -> float:
    started = time.process_time()
    extract_pin(text)
    return time.process_time() - started


def main() -> None:
    """Print the accuracy and speed report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="list the tuning part's misses")
    args = parser.parse_args()
    parts = {name: load(path) for name, path in PARTS.items()}
    misses = _report_part("tuning", parts["tuning"])
    _report_part("unseen", parts["unseen"])
    everything = parts["tuning"] + parts["unseen"]
    print(f"CPU time per message {_time_per_message(everything):.1f} µs")
    for size in (LONGEST_SMS, LONG_TEXT // 4, LONG_TEXT):
        seconds = _time_long(_long_text(parts["tuning"], size))
        print(
            f"long text {size:>9,} chars  {seconds * 1e3:9.1f} ms"
            f"  {seconds * 1e6 / (size / 1000):7.1f} µs per 1,000 chars"
        )
    _per_language(parts["tuning"])
    if args.failures:
        for entry, got in misses:
            print(f"MISS expected={entry['expected']!r} got={got!r}: {entry['text']!r}")


if __name__ == "__main__":
    main()
