"""Spans of an SMS that could hold a code, once URLs, money, dates and phones are set aside."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from simhive.pins import _patterns as p

Kind = Literal["prefixed", "grouped", "digits", "alnum"]


@dataclass(frozen=True, slots=True)
class Candidate:
    start: int
    end: int
    kind: Kind
    size: int
    # Letters only ("KPLMNB"), lower-case letters with few digits ("qzr5tw") or a word with
    # a number ("TREAT40"): such a token is a code only right after "code is" or "code:".
    loose: bool = False


def blocked(text: str) -> bytearray:
    """One flag per character: set where a distractor (URL, money, date, phone...) sits."""
    flags = bytearray(len(text))
    for guards, pattern in (*p.DISTRACTORS, ((), p.ENUMERATION)):
        if guards and not any(g in text for g in guards):
            continue
        for m in pattern.finditer(text):
            flags[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    for m in p.PHONE_GROUPS.finditer(text):
        if sum(c.isdigit() for c in m.group()) >= p.PHONE_MIN_DIGITS:
            flags[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    return flags


def candidates(text: str) -> list[Candidate]:
    """Every span shaped like a code, in order of preference where shapes overlap."""
    taken = blocked(text)
    found: list[Candidate] = []
    shapes = ((p.PREFIXED, _prefixed), (p.GROUPED, _grouped), (p.DIGITS, _digits))
    for pattern, classify in (*shapes, (p.HYPHENATED, _hyphenated), (p.ALNUM, _alnum)):
        for m in pattern.finditer(text):
            # Each flag slice is as long as the match, and matches are short: linear overall.
            if any(taken[m.start() : m.end()]):
                continue
            candidate = classify(m.start(), m.group())
            if candidate is not None:
                found.append(candidate)
                taken[candidate.start : candidate.end] = b"\x01" * len(m.group())
    return found


def _prefixed(start: int, token: str) -> Candidate | None:
    return Candidate(start, start + len(token), "prefixed", len(token.split("-", 1)[1]))


def _grouped(start: int, token: str) -> Candidate | None:
    groups = token.replace("\u00a0", " ").replace("–", "-").replace("-", " ").split(" ")
    size = sum(len(g) for g in groups)
    # Codes are split evenly ("123 456", "12-34-56"); uneven pairs are two numbers.
    if len({len(g) for g in groups}) != 1 or not 6 <= size <= 8:
        return None
    return Candidate(start, start + len(token), "grouped", size)


def _digits(start: int, token: str) -> Candidate | None:
    return Candidate(start, start + len(token), "digits", len(token))


def _hyphenated(start: int, token: str) -> Candidate | None:
    return Candidate(start, start + len(token), "alnum", len(token) - 1)


def _alnum(start: int, token: str) -> Candidate | None:
    end = start + len(token)
    digits = sum(c.isdigit() for c in token)
    letters = len(token) - digits
    if not letters or not token.isascii():
        return None
    if not digits:
        # "ICICI", "LINE", "STOP": capitals are a code only where the text names one.
        if not token.isupper() or token in p.CAPITAL_WORDS:
            return None
        return Candidate(start, end, "alnum", len(token), loose=True)
    # "10mins", "3rd", "iPhone15" are words.
    if p.WORDLIKE.fullmatch(token):
        return None
    if p.VANITY.fullmatch(token):
        return Candidate(start, end, "alnum", len(token), loose=True)
    if token.isupper() or (digits >= 2 and letters >= 2):
        return Candidate(start, end, "alnum", len(token))
    return Candidate(start, end, "alnum", len(token), loose=True)
