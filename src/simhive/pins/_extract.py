"""Find the verification code in an SMS by scoring candidates against nearby keywords.

Every pass over the text is a regular-expression scan or a walk over the matches it found;
each candidate looks at a bounded number of keywords and coupon words near it, found by
bisection. The work is therefore linear in the length of the text.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from simhive.pins import _patterns as p
from simhive.pins._candidates import Candidate, Kind, candidates

# Scores. A candidate needs THRESHOLD to be returned; the anchor (keyword) score dominates
# so that a number is only a code when the message says so.
THRESHOLD = 6.0
_TIGHT_BEFORE = {True: 14.0, False: 8.0}  # "code is 123456", keyed by strong keyword
_TIGHT_AFTER = {True: 12.0, False: 7.0}  # "123456 is your code"
_NEAR = {True: 8.0, False: 4.0}  # somewhere within reach, fading with distance
_ALONE = 12.0  # the first line holds nothing but the code
_REACH = 100.0
_SIZE_BONUS = {6: 2.0, 4: 1.0, 5: 1.0, 7: 1.0, 8: 1.0}
_KIND_BONUS: dict[Kind, float] = {
    "prefixed": 2.0,
    "grouped": 1.0,
    "digits": 0.0,
    "alnum": 0.0,
}
_ONLY_CANDIDATE_BONUS = 1.5
_LOOSE_PENALTY = 1.5  # a number beats a word-like code on equal support
_CONTEXT_PENALTY = 12.0
_PROMO_PENALTY = 12.0
_PROMO_REACH = 40
_MAX_GAP = 30
_CONTEXT_LOOKBACK = 25
_LONGEST_KEYWORD = 40
_MAX_UNKNOWN_WORDS = 2  # "code for Yandex ID: 551203", "123456 is your Zomato login OTP"
_KEYWORDS_EACH_SIDE = 8  # keywords a candidate looks at before and after it


@dataclass(frozen=True, slots=True)
class PinCandidate:
    """A span that was considered as the code, with its score and why."""

    text: str
    start: int
    kind: str
    score: float | None  # None: ruled out before scoring
    reason: str


@dataclass(frozen=True, slots=True)
class PinExplanation:
    """The code found in an SMS (or None), the rule that decided it, and what was weighed.

    Rules that give a code: `service-pattern` (the operator's pattern for the service),
    `webotp` (an origin-bound `@site #code` line), `alone` (the first line holds nothing
    but the code), `keyword-before` ("code is 123456"), `keyword-after` ("123456 is your
    code"), `keyword-near` (a code word in reach). Rules that give none: `empty`,
    `no-candidate` (nothing shaped like a code outside URLs, amounts, dates and phone
    numbers), `no-keyword` (no word names a code), `below-threshold` (too little support).
    """

    pin: str | None
    rule: str
    candidates: tuple[PinCandidate, ...] = ()


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
    promo_starts: tuple[int, ...]
    promo_ends: tuple[int, ...]
    fillers: frozenset[str]
    hint_words: frozenset[str]
    initials: frozenset[str]
    sender_digits: str
    verifies: bool  # some keyword speaks of verifying, signing in, a one-time password...


@dataclass(frozen=True, slots=True)
class Scored:
    candidate: Candidate
    score: float | None
    rule: str
    reasons: tuple[str, ...]


PatternLike = re.Pattern[str] | str


def extract_pin(
    text: str,
    *,
    sender: str | None = None,
    service: str | None = None,
    patterns: Sequence[PatternLike] | None = None,
) -> str | None:
    """Return the verification code as written in `text`, or None when there is none."""
    return explain_pin(text, sender=sender, service=service, patterns=patterns).pin


def explain_pin(
    text: str,
    *,
    sender: str | None = None,
    service: str | None = None,
    patterns: Sequence[PatternLike] | None = None,
) -> PinExplanation:
    """Return the code in `text` with the rule that produced it and every candidate weighed.

    `patterns` are the service's own regular expressions (strings are compiled without regard
    to case, as the catalogue compiles them); the first that matches with a group named
    `code` (or a first group) decides before any general rule.
    """
    if not text:
        return PinExplanation(None, "empty")
    for pattern in patterns or ():
        found = _from_pattern(pattern, text)
        if found is not None:
            return PinExplanation(found, "service-pattern")
    webotp = p.WEBOTP.search(text)
    if webotp:
        return PinExplanation(webotp.group(1), "webotp")
    spans = candidates(text)
    if not spans:
        return PinExplanation(None, "no-candidate")
    message = _analyse(text, sender, service)
    alone = _alone(text, spans)
    lone = sum(not c.loose for c in spans) == 1
    scored = [_score(c, message, lone, alone) for c in spans]
    best: Scored | None = None
    best_score = THRESHOLD
    for s in scored:
        if s.score is not None and s.score > best_score:
            best, best_score = s, s.score
    views = tuple(_view(text, s) for s in scored)
    if best is None:
        rule = "no-keyword" if not message.keywords else "below-threshold"
        return PinExplanation(None, rule, views)
    c = best.candidate
    return PinExplanation(text[c.start : c.end], best.rule, views)


def _from_pattern(pattern: PatternLike, text: str) -> str | None:
    compiled = re.compile(pattern, re.IGNORECASE) if isinstance(pattern, str) else pattern
    m = compiled.search(text)
    if m is None:
        return None
    if "code" in compiled.groupindex:
        return m.group("code") or None
    if compiled.groups:
        return m.group(1) or None
    return None


def _view(text: str, s: Scored) -> PinCandidate:
    c = s.candidate
    score = None if s.score is None else round(s.score, 2)
    return PinCandidate(text[c.start : c.end], c.start, c.kind, score, "; ".join(s.reasons))


def _analyse(text: str, sender: str | None, service: str | None) -> Message:
    promos = [m.span() for m in p.PROMO.finditer(text)]
    promo_starts = tuple(s for s, _ in promos)
    promo_ends = tuple(e for _, e in promos)
    keywords: list[Keyword] = []
    for pattern, strong in ((p.STRONG, True), (p.WEAK, False)):
        for m in pattern.finditer(text):
            # "promo code", "código promocional": a coupon, not a verification code.
            if _near_promo(promo_starts, promo_ends, m.start(), m.end(), 12):
                continue
            # "area code", "wrong PIN", "order confirmation": something else than a code.
            if p.NOT_A_CODE_BEFORE.search(text[max(0, m.start() - 24) : m.start()]):
                continue
            if strong and p.NOT_A_CODE_AFTER.match(text[m.end() : m.end() + 16]):
                continue
            # "confirmation number": a receipt, not a code.
            following = p.WORD.findall(text[m.end() : m.end() + 12])
            if not strong and following and following[0].lower() in p.RECEIPT_WORDS:
                continue
            keywords.append(Keyword(m.start(), m.end(), strong, _points_back(text, *m.span())))
    hints = [h for h in (sender, service) if h]
    hint_words = frozenset(w.lower() for h in hints for w in p.WORD.findall(h))
    fillers = p.FILLERS | hint_words
    initials = frozenset(h[0].upper() for h in hints if h[0].isalpha())
    sender_digits = "".join(c for c in sender or "" if c.isdigit())
    keywords.sort(key=lambda k: k.start)
    starts = tuple(k.start for k in keywords)
    return Message(
        text,
        tuple(keywords),
        starts,
        promo_starts,
        promo_ends,
        fillers,
        hint_words,
        initials,
        sender_digits,
        any(text[k.start : k.end].lower() not in p.BARE_KEYWORDS for k in keywords)
        or bool(p.MINUTES.search(text)),
    )


def _near_promo(
    starts: tuple[int, ...], ends: tuple[int, ...], lo: int, hi: int, reach: int
) -> bool:
    """Whether a coupon word lies within `reach` of [lo, hi); promos are sorted and disjoint."""
    i = bisect_left(ends, lo - reach)
    return i < len(starts) and starts[i] - reach <= hi


def _nearby(message: Message, start: int, end: int) -> tuple[Keyword, ...]:
    """Keywords that can reach the span, a bounded number on each side of it."""
    reach = int(2 * _REACH) + _LONGEST_KEYWORD
    starts = message.keyword_starts
    lo = max(bisect_left(starts, start - reach), bisect_left(starts, start) - _KEYWORDS_EACH_SIDE)
    hi = min(bisect_right(starts, end + reach), bisect_left(starts, end) + _KEYWORDS_EACH_SIDE)
    return message.keywords[lo:hi]


def _points_back(text: str, start: int, end: int) -> bool:
    before = p.WORD.findall(text[max(0, start - 12) : start])
    after = p.WORD.findall(text[end : end + 8])
    return bool(
        (before and before[-1].lower() in p.DEMONSTRATIVES)
        or (after and after[0].lower() in p.DEMONSTRATIVES_AFTER)
    )


def _alone(text: str, spans: list[Candidate]) -> Candidate | None:
    """The candidate that fills the message's first line, as in "G-123456" sent alone."""
    start = p.LINE_LEAD.match(text).end()  # type: ignore[union-attr]  # matches everywhere
    first = min(spans, key=lambda c: c.start)
    if first.start != start or first.loose or not p.LINE_TAIL.match(text, first.end):
        return None
    if first.kind in ("digits", "grouped") and not 4 <= first.size <= 8:
        return None
    return first


def _score(candidate: Candidate, message: Message, lone: bool, alone: Candidate | None) -> Scored:
    anchor, anchor_end, rule, named_after = _anchor(candidate, message)
    strong_after = rule == "keyword-after" and anchor == _TIGHT_AFTER[True]
    reasons = [f"{rule} +{anchor:g}" if anchor else "no keyword"]
    if candidate is alone and anchor < _ALONE:
        anchor, rule = _ALONE, "alone"
        reasons = [f"alone on the first line +{_ALONE:g}"]
    if not anchor:
        return Scored(candidate, None, rule, tuple(reasons))
    tight = rule in ("keyword-before", "keyword-after", "alone")
    if candidate.size not in _SIZE_BONUS and not tight:
        return Scored(candidate, None, rule, (*reasons, f"size {candidate.size} needs a keyword"))
    if candidate.kind == "alnum" and anchor_end < 0 and rule != "alone" and not named_after:
        return Scored(candidate, None, rule, (*reasons, "letters need a code word right before"))
    score = anchor + _SIZE_BONUS.get(candidate.size, -2.0) + _KIND_BONUS[candidate.kind]
    if candidate.loose:
        score -= _LOOSE_PENALTY
    text = message.text
    token = text[candidate.start : candidate.end]
    if candidate.kind == "prefixed" and token[0] in message.initials:
        score += 2.0
        reasons.append("prefix is the sender's initial +2")
    if lone:
        # A lone number in a message that talks about a code needs less proof.
        score += _ONLY_CANDIDATE_BONUS
    # After "code is", only words inside that gap can say the number is something else.
    lookback = text[max(0, anchor_end, candidate.start - _CONTEXT_LOOKBACK) : candidate.start]
    if p.CONTEXT.search(lookback):
        # "Your account: 661029 is your login code": the code word after it has the last say.
        penalty = _CONTEXT_PENALTY / 2 if strong_after else _CONTEXT_PENALTY
        score -= penalty
        reasons.append(f"named as something else -{penalty:g}")
    if _near_promo(
        message.promo_starts, message.promo_ends, candidate.start, candidate.end, _PROMO_REACH
    ):
        score -= _PROMO_PENALTY
        reasons.append(f"near a coupon word -{_PROMO_PENALTY:g}")
    before = text[max(0, candidate.start - 24) : candidate.start]
    if p.NEGATED_USE.search(before):
        score -= _CONTEXT_PENALTY
        reasons.append(f"an example not to use -{_CONTEXT_PENALTY:g}")
    if not message.verifies and p.PROMO_LEAD.search(before):
        score -= _PROMO_PENALTY
        reasons.append(f"handed out like a coupon -{_PROMO_PENALTY:g}")
    if message.sender_digits and token == message.sender_digits:
        score -= _CONTEXT_PENALTY
        reasons.append(f"the sender's number -{_CONTEXT_PENALTY:g}")
    if not tight and _looks_like_year(token):
        score -= 2.0
        reasons.append("looks like a year -2")
    return Scored(candidate, score, rule, tuple(reasons))


def _used_as(text: str, candidate: Candidate) -> bool:
    """Whether the text reads "use CODE as ...", naming the code after it."""
    before = text[max(0, candidate.start - 20) : candidate.start]
    return bool(p.USE_BEFORE.search(before) and p.AS_AFTER.match(text, candidate.end))


def _looks_like_year(token: str) -> bool:
    return len(token) == 4 and token.isdigit() and token[:2] in ("19", "20")


def _anchor(candidate: Candidate, message: Message) -> tuple[float, int, str, bool]:
    """Best keyword support: (score, end of a strong keyword right before or -1, rule, whether
    a keyword right after names the candidate)."""
    best, anchor_end, rule, named_after = 0.0, -1, "no-keyword", False
    nearby = _nearby(message, candidate.start, candidate.end)
    for kw in nearby:
        if kw.end <= candidate.start:
            gap = (kw.end, candidate.start)
            if not kw.backward and _is_tight(message, nearby, *gap, loose=candidate.loose):
                if _TIGHT_BEFORE[kw.strong] > best:
                    best, rule = _TIGHT_BEFORE[kw.strong], "keyword-before"
                anchor_end = max(anchor_end, kw.end) if kw.strong else anchor_end
                continue
            factor = 1.0
        elif kw.start >= candidate.end:
            if candidate.kind == "alnum" and not _used_as(message.text, candidate):
                continue
            gap = (candidate.end, kw.start)
            if _is_tight(message, nearby, *gap):
                named_after = True
                if _TIGHT_AFTER[kw.strong] > best:
                    best, rule = _TIGHT_AFTER[kw.strong], "keyword-after"
                continue
            factor = 0.9
        else:
            continue
        # A keyword governs its own sentence: distance inside one sentence counts half.
        distance = gap[1] - gap[0]
        if not p.SENTENCE_END.search(message.text, gap[0], gap[1]):
            distance //= 2
        reach = max(0.0, 1.0 - distance / _REACH)
        near = _NEAR[kw.strong] * reach * factor
        if near > best:
            best, rule = near, "keyword-near"
    return best, anchor_end, rule, named_after


def _is_tight(
    message: Message, nearby: tuple[Keyword, ...], start: int, end: int, *, loose: bool = False
) -> bool:
    """Whether only filler words (and other keywords) separate a keyword from a code."""
    gap = message.text[start:end]
    if len(gap) > _MAX_GAP or p.SENTENCE_END.search(gap) or any(c.isdigit() for c in gap):
        return False
    unknown = 0
    linked = any(c in p.COPULAS for c in gap)
    for m in p.WORD.finditer(gap):
        at = start + m.start()
        if any(k.start <= at < k.end for k in nearby):
            continue
        word = m.group().lower()
        if loose:
            if word not in p.LOOSE_FILLERS and word not in message.hint_words:
                return False
            linked = linked or word in p.COPULAS
        elif word not in message.fillers:
            unknown += 1
    return linked if loose else unknown <= _MAX_UNKNOWN_WORDS
