"""Accuracy and speed of `extract_pin` on the test corpus.

    .venv/bin/python benchmarks/pins_accuracy.py [--failures]

Prints totals, accuracy overall and per language, false positives (a code returned for a
message without one, or the wrong code), false negatives (None for a message with a code),
and the mean time per message.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from simhive.pins import extract_pin

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "pins" / "corpus.jsonl"
TIMING_ROUNDS = 20


def load(path: Path = CORPUS) -> list[dict[str, Any]]:
    """Read the corpus, one JSON object per line."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main() -> None:
    """Print the accuracy report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="list every miss")
    args = parser.parse_args()
    corpus = load()
    per_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    false_pos = false_neg = correct = 0
    misses = []
    for entry in corpus:
        got = extract_pin(entry["text"], sender=entry["sender"], service=entry["service"])
        ok = got == entry["expected"]
        per_lang[entry["lang"]][0] += ok
        per_lang[entry["lang"]][1] += 1
        correct += ok
        if not ok:
            false_neg += got is None
            false_pos += got is not None
            misses.append((entry, got))
    started = time.perf_counter()
    for _ in range(TIMING_ROUNDS):
        for entry in corpus:
            extract_pin(entry["text"], sender=entry["sender"], service=entry["service"])
    mean_us = (time.perf_counter() - started) / (TIMING_ROUNDS * len(corpus)) * 1e6

    total = len(corpus)
    print(f"total {total}  correct {correct}  accuracy {100 * correct / total:.1f}%")
    print(f"false positives {false_pos}  false negatives {false_neg}")
    print(f"mean time per message {mean_us:.1f} µs")
    print("per language:")
    for lang, (ok_count, count) in sorted(per_lang.items()):
        print(f"  {lang:6} {ok_count:4}/{count:<4} {100 * ok_count / count:5.1f}%")
    if args.failures:
        for entry, got in misses:
            print(f"MISS expected={entry['expected']!r} got={got!r}: {entry['text']!r}")


if __name__ == "__main__":
    main()
