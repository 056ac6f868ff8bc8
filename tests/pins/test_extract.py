"""Tests for simhive.pins.extract_pin: the corpus, each category of message, and properties."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simhive.pins import extract_pin

CORPUS_PATH = Path(__file__).with_name("corpus.jsonl")


def _load_corpus() -> list[Any]:
    with CORPUS_PATH.open(encoding="utf-8") as f:
        entries = [json.loads(line) for line in f if line.strip()]
    params = []
    for index, entry in enumerate(entries, start=1):
        marks = []
        if entry.get("known_failure"):
            marks.append(pytest.mark.xfail(strict=True, reason="known failure, see corpus"))
        params.append(pytest.param(entry, id=f"{index:03d}-{entry['lang']}", marks=marks))
    return params


CORPUS = _load_corpus()


class TestCorpus:
    def test_corpus_is_large_and_varied(self) -> None:
        entries = [p.values[0] for p in CORPUS]
        negatives = [e for e in entries if e["expected"] is None]
        assert len(entries) >= 300
        assert len(negatives) >= 60
        assert len({e["lang"] for e in entries}) >= 20

    def test_expected_codes_appear_in_their_text(self) -> None:
        for p in CORPUS:
            entry = p.values[0]
            assert entry["expected"] is None or entry["expected"] in entry["text"]

    @pytest.mark.parametrize("entry", CORPUS)
    def test_extracts_expected_pin(self, entry: dict[str, Any]) -> None:
        got = extract_pin(entry["text"], sender=entry["sender"], service=entry["service"])
        assert got == entry["expected"]


class TestExtractPin:
    def test_google_prefixed_code(self) -> None:
        assert extract_pin("G-804036 is your Google verification code.") == "G-804036"

    def test_prefix_is_kept_with_service_hint(self) -> None:
        text = "FB-12345 is your Facebook confirmation code"
        assert extract_pin(text, sender="32665", service="Facebook") == "FB-12345"

    def test_plain_code_after_keyword(self) -> None:
        assert extract_pin("Your Tinder code is 417097") == "417097"

    def test_leading_zeros_are_kept(self) -> None:
        assert extract_pin("Your code is 0183") == "0183"

    def test_empty_text(self) -> None:
        assert extract_pin("") is None

    def test_hints_are_optional(self) -> None:
        text = "Your Lyft code is 772104"
        assert extract_pin(text) == extract_pin(text, sender="Lyft", service="Lyft") == "772104"

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Your WhatsApp code: 123-456", "123-456"),
            ("391 842 is your Instagram code. Don't share it.", "391 842"),
            ("Ваш код подтверждения: 55 12 03", "55 12 03"),
            ("Your confirmation code is: 8832-1190", "8832-1190"),
        ],
    )
    def test_grouped_codes_are_returned_as_written(self, text: str, expected: str) -> None:
        assert extract_pin(text) == expected

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("验证码：１２３４５６，5分钟内有效", "１２３４５６"),
            ("رمز التحقق الخاص بك هو ٤٨٢٩١٣", "٤٨٢٩١٣"),
            ("आपका OTP १२३४५६ है", "१२३४५६"),
            ("کد تایید شما: ۵۵۱۲۰۳", "۵۵۱۲۰۳"),
        ],
    )
    def test_non_ascii_digits_are_returned_as_written(self, text: str, expected: str) -> None:
        assert extract_pin(text) == expected

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Your code is K7F9QX", "K7F9QX"),
            ("Your verification code is A1B2C3. It expires in 10 minutes.", "A1B2C3"),
            ("Your Steam Guard code is: F4K7M", "F4K7M"),
            ("Your temporary password is 62xR9q", "62xR9q"),
        ],
    )
    def test_alphanumeric_codes(self, text: str, expected: str) -> None:
        assert extract_pin(text) == expected

    @pytest.mark.parametrize(
        "text",
        [
            "Your ICICI Bank card is ready. Visit ICICI to activate.",
            "Your code review for PR 4412 was approved.",
            "Use code SAVE20 for 20% off your next order!",
        ],
    )
    def test_words_and_coupons_are_not_codes(self, text: str) -> None:
        assert extract_pin(text) is None

    def test_webotp_line(self) -> None:
        assert extract_pin("@example.com #123456") == "123456"
        text = "Your Apple ID code is: 550123.\n\n@apple.com #550123 %apple.com"
        assert extract_pin(text) == "550123"

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Your code is 803311. Your purchase of $12.50 is pending.", "803311"),
            ("1,000 RUB. Код подтверждения: 771290", "771290"),
            ("Confirm the €5 transfer with code 402218", "402218"),
            ("Your code is 553019. Valid until 05/01/2024.", "553019"),
            ("Code 771028. Order ships 2024-05-01.", "771028"),
            ("Use code 904122 to sign in. Expires at 10:45 PM.", "904122"),
            ("Your code is 802317. Questions? Call +1 555 123 4567.", "802317"),
            ("Your code is 391204. For help call 800-555-1234.", "391204"),
            ("Your code is 508213. It is valid for 10 minutes.", "508213"),
            ("Code 5521 expires in 5 min.", "5521"),
            ("Card ending 4242: your code is 803311.", "803311"),
            ("Your code is 114930. Order #558201 has been placed.", "114930"),
            ("Your code is 4417. Reply STOP to 55512 to opt out.", "4417"),
            ("Your code is 5510. Visit https://example.com/help/1234 for help.", "5510"),
        ],
    )
    def test_distractors_are_ignored(self, text: str, expected: str) -> None:
        assert extract_pin(text) == expected

    @pytest.mark.parametrize(
        "text",
        [
            "Tap to sign in: https://slack.com/z/abc123XYZ",
            "Flash sale! 50% off everything until 10pm. Shop now at https://shop.example.com",
            "Your order #558201 has shipped! Track it at https://track.example.com/558201",
            "Chase: Your balance is $1,234.56 as of 05/01/2024.",
            "Reminder: your appointment is on 05/12/2024 at 10:30 AM. Call 800-555-1234.",
            "Your package 1Z999AA10123456784 will arrive today by 8 PM.",
            "Thanks for your payment of $85.00. Your confirmation number is 4418290.",
            "Area code 415 covers San Francisco.",
        ],
    )
    def test_messages_without_a_code(self, text: str) -> None:
        assert extract_pin(text) is None

    def test_prefers_number_nearest_keyword(self) -> None:
        text = "Order 4410927 confirmed. Your verification code is 602913."
        assert extract_pin(text) == "602913"

    def test_sender_short_code_is_not_the_code(self) -> None:
        text = "Your code: 00712. Sent from 22395."
        assert extract_pin(text, sender="22395") == "00712"

    @settings(max_examples=300, deadline=None)
    @given(
        st.text(max_size=300), st.none() | st.text(max_size=20), st.none() | st.text(max_size=20)
    )
    def test_never_raises_and_returns_a_substring(
        self, text: str, sender: str | None, service: str | None
    ) -> None:
        got = extract_pin(text, sender=sender, service=service)
        assert got is None or (got and got in text)

    @settings(max_examples=200, deadline=None)
    @given(st.from_regex(r"[0-9]{4,8}", fullmatch=True), st.sampled_from(["", " ", "\n"]))
    def test_finds_any_code_in_a_standard_template(self, code: str, pad: str) -> None:
        assert extract_pin(f"{pad}Your verification code is {code}.{pad}") == code
        assert extract_pin(f"{code} is your verification code{pad}") == code

    @settings(max_examples=100, deadline=None)
    @given(st.text(alphabet="abcdefghij .,!", max_size=200))
    def test_text_without_digits_has_no_code(self, text: str) -> None:
        assert extract_pin(text) is None
