"""Find the verification code in an SMS by scoring candidates against nearby keywords."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Literal

from simhive.pins import _patterns as p

Kind = Literal["prefixed", "grouped", "digits", "alnum"]

# Scores. A candidate needs THRESHOLD to be returned; the anchor (keyword) score dominates
# so that a number is only a code when the message says so.
THRESHOLD = 6.0
_TIGHT_BEFORE = {True: 14.0, False: 8.0}  # "code is 123456", keyed by strong keyword
_TIGHT_AFTER = {True: 12.0, False: 7.0}  # "123456 is your code"
_NEAR = {True: 8.0, False: 4.0}  # somewhere within reach, fading with distance
_REACH = 100.0
_SIZE_BONUS = {6: 2.0, 4: 1.0, 5: 1.0, 7: 1.0, 8: 1.0}
_KIND_BONUS: dict[Kind, float] = {
    "prefixed": 2.0,
    "grouped": 1.0,
    "digits": 0.0,
    "alnum": 0.0,
}
_ONLY_CANDIDATE_BONUS = 1.5
_CONTEXT_PENALTY = 10.0
_PROMO_PENALTY = 12.0
_PROMO_REACH = 40
_MAX_GAP = 30
_CONTEXT_LOOKBACK = 25
_LONGEST_KEYWORD = 40
_MAX_UNKNOWN_WORDS = 2  # "code for Yandex ID: 551203", "123456 is your Zomato login OTP"


@dataclass(frozen=True, slots=True)
class Candidate:
    start: int
    end: int
    kind: Kind
    size: int


@dataclass(frozen=True, slots=True)
class Keyword:
    start: int
    end: int
    strong: bool
    backward: bool  # "share this code": points at a code given earlier


@dataclass(frozen=True, slots=True)
class Message:
    text: str
    keywords: tuple[Keyword, ...]
    keyword_starts: tuple[int, ...]
    promos: tuple[tuple[int, int], ...]
    fillers: frozenset[str]
    initials: frozenset[str]
    sender_digits: str


def extract_pin(text: str, sender: str | None = None, service: str | None = None) -> str | None:
    """Return the verification code as written in `text`, or None when there is none."""
    if not text:
        return None
    webotp = p.WEBOTP.search(text)
    if webotp:
        return webotp.group(1)
    message = _analyse(text, sender, service)
    if not message.keywords:
        return None
    best: Candidate | None = None
    best_score = THRESHOLD
    candidates = _candidates(text)
    # A lone number in a message that talks about a code needs less proof.
    bonus = _ONLY_CANDIDATE_BONUS if len(candidates) == 1 else 0.0
    for candidate in candidates:
        score = _score(candidate, message)
        if score is not None and score + bonus > best_score:
            best, best_score = candidate, score + bonus
    return text[best.start : best.end] if best else None


def _analyse(text: str, sender: str | None, service: str | None) -> Message:
    promos = tuple(m.span() for m in p.PROMO.finditer(text))
    keywords: list[Keyword] = []
    for pattern, strong in ((p.STRONG, True), (p.WEAK, False)):
        for m in pattern.finditer(text):
            # "promo code", "código promocional": a coupon, not a verification code.
            if any(s - 12 <= m.end() and m.start() <= e + 12 for s, e in promos):
                continue
            if strong and (
                p.NOT_A_CODE_BEFORE.search(text[max(0, m.start() - 16) : m.start()])
                or p.NOT_A_CODE_AFTER.match(text[m.end() : m.end() + 16])
            ):
                continue
            # "confirmation number": a receipt, not a code.
            following = p.WORD.findall(text[m.end() : m.end() + 12])
            if not strong and following and following[0].lower() in p.RECEIPT_WORDS:
                continue
            keywords.append(Keyword(m.start(), m.end(), strong, _points_back(text, *m.span())))
    hints = [h for h in (sender, service) if h]
    fillers = p.FILLERS | {w.lower() for h in hints for w in p.WORD.findall(h)}
    initials = frozenset(h[0].upper() for h in hints if h[0].isalpha())
    sender_digits = "".join(c for c in sender or "" if c.isdigit())
    keywords.sort(key=lambda k: k.start)
    starts = tuple(k.start for k in keywords)
    return Message(text, tuple(keywords), starts, promos, fillers, initials, sender_digits)


def _nearby(message: Message, start: int, end: int) -> tuple[Keyword, ...]:
    """Keywords that can reach the span; bounds the work on long texts."""
    reach = int(2 * _REACH) + _LONGEST_KEYWORD
    lo = bisect_left(message.keyword_starts, start - reach)
    hi = bisect_right(message.keyword_starts, end + reach)
    return message.keywords[lo:hi]


def _points_back(text: str, start: int, end: int) -> bool:
    before = p.WORD.findall(text[max(0, start - 12) : start])
    after = p.WORD.findall(text[end : end + 8])
    return bool(
        (before and before[-1].lower() in p.DEMONSTRATIVES)
        or (after and after[0].lower() in p.DEMONSTRATIVES_AFTER)
    )


def _blocked(text: str) -> bytearray:
    """One flag per character: set where a distractor (URL, money, date, phone...) sits."""
    flags = bytearray(len(text))
    for pattern in p.DISTRACTORS:
        for m in pattern.finditer(text):
            flags[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    for m in p.PHONE_GROUPS.finditer(text):
        if sum(c.isdigit() for c in m.group()) >= p.PHONE_MIN_DIGITS:
            flags[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    return flags


def _candidates(text: str) -> list[Candidate]:
    taken = _blocked(text)
    found: list[Candidate] = []
    shapes = ((p.PREFIXED, _prefixed), (p.GROUPED, _grouped), (p.DIGITS, _digits))
    for pattern, classify in (*shapes, (p.ALNUM, _alnum)):
        for m in pattern.finditer(text):
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


def _alnum(start: int, token: str) -> Candidate | None:
    end = start + len(token)
    has_digit = any(c.isdigit() for c in token)
    has_alpha = any(c.isalpha() for c in token)
    # Letters alone are words ("ICICI", "LINE"); "10mins", "3rd", "iPhone15" are words too.
    if not (has_digit and has_alpha) or p.WORDLIKE.fullmatch(token):
        return None
    mixed_ok = sum(c.isdigit() for c in token) >= 2 and sum(c.isalpha() for c in token) >= 2
    if token.isupper() or mixed_ok:
        return Candidate(start, end, "alnum", len(token))
    return None


def _score(candidate: Candidate, message: Message) -> float | None:
    anchor, anchor_end, tight = _anchor(candidate, message)
    tight_before = anchor_end >= 0
    if candidate.size not in _SIZE_BONUS and not tight:
        return None
    if candidate.kind == "alnum" and not tight_before:
        return None
    score = anchor + _SIZE_BONUS.get(candidate.size, -2.0) + _KIND_BONUS[candidate.kind]
    text = message.text
    token = text[candidate.start : candidate.end]
    if candidate.kind == "prefixed" and token[0] in message.initials:
        score += 2.0
    # After "code is", only words inside that gap can say the number is something else.
    lookback = text[max(0, anchor_end, candidate.start - _CONTEXT_LOOKBACK) : candidate.start]
    if p.CONTEXT.search(lookback):
        score -= _CONTEXT_PENALTY
    if any(
        s - _PROMO_REACH <= candidate.end and candidate.start <= e + _PROMO_REACH
        for s, e in message.promos
    ):
        score -= _PROMO_PENALTY
    if message.sender_digits and token == message.sender_digits:
        score -= _CONTEXT_PENALTY
    if not tight and _looks_like_year(token):
        score -= 2.0
    return score


def _looks_like_year(token: str) -> bool:
    return len(token) == 4 and token.isdigit() and token[:2] in ("19", "20")


def _anchor(candidate: Candidate, message: Message) -> tuple[float, int, bool]:
    """Best keyword support: (score, end of a strong keyword right before or -1, tight)."""
    best, anchor_end, tight = 0.0, -1, False
    nearby = _nearby(message, candidate.start, candidate.end)
    for kw in nearby:
        if kw.end <= candidate.start:
            gap = (kw.end, candidate.start)
            if not kw.backward and _is_tight(message, nearby, *gap):
                best = max(best, _TIGHT_BEFORE[kw.strong])
                anchor_end = max(anchor_end, kw.end) if kw.strong else anchor_end
                tight = True
                continue
            factor = 1.0
        elif kw.start >= candidate.end:
            gap = (candidate.end, kw.start)
            if _is_tight(message, nearby, *gap):
                best = max(best, _TIGHT_AFTER[kw.strong])
                tight = True
                continue
            factor = 0.9
        else:
            continue
        # A keyword governs its own sentence: distance inside one sentence counts half.
        distance = gap[1] - gap[0]
        if not p.SENTENCE_END.search(message.text, gap[0], gap[1]):
            distance //= 2
        reach = max(0.0, 1.0 - distance / _REACH)
        best = max(best, _NEAR[kw.strong] * reach * factor)
    return best, anchor_end, tight


def _is_tight(message: Message, nearby: tuple[Keyword, ...], start: int, end: int) -> bool:
    """Whether only filler words (and other keywords) separate a keyword from a code."""
    gap = message.text[start:end]
    if len(gap) > _MAX_GAP or p.SENTENCE_END.search(gap) or any(c.isdigit() for c in gap):
        return False
    unknown = 0
    for m in p.WORD.finditer(gap):
        at = start + m.start()
        if any(k.start <= at < k.end for k in nearby):
            continue
        if m.group().lower() not in message.fillers:
            unknown += 1
    return unknown <= _MAX_UNKNOWN_WORDS
