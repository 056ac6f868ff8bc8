"""Every core error has an order API token; the tokens are what clients split and compare."""

from __future__ import annotations

import re

from simhive.core.errors import (
    ErrorCode,
    InvalidParameter,
    MissingParameter,
    NoNumbers,
    NotReusable,
    OrderAlreadyOpen,
    RentalClosed,
    RequestClosed,
)
from simhive.dialects.order.errors import TOKENS, token_for


class TestTokenCatalogue:
    def test_every_code_has_a_token(self) -> None:
        assert set(TOKENS) == set(ErrorCode)

    def test_tokens_by_parameter_and_by_api(self) -> None:
        assert token_for(MissingParameter("key")) == "NO_KEY_PROVIDED"
        assert token_for(InvalidParameter("key", "***")) == "UNAUTHORIZED"
        assert token_for(MissingParameter("serviceId")) == "BAD_SERVICE"
        assert token_for(InvalidParameter("country", "FR")) == "BAD_COUNTRY"
        assert token_for(InvalidParameter("package", "2m"), rental=True) == "INVALID_PACKAGE"
        assert token_for(MissingParameter("contract_id"), rental=True) == "CONTRACT_NOT_FOUND"
        assert token_for(InvalidParameter("shoe", "x")) == "BAD_REQUEST"
        assert token_for(NoNumbers()) == "NO_PHONE_AVAILABLE"
        assert token_for(NoNumbers(), rental=True) == "NO_STOCK"
        assert token_for(RequestClosed("completed")) == "ORDER_ALREADY_COMPLETED"
        assert token_for(RequestClosed("timed_out")) == "ORDER_ALREADY_EXPIRED"
        assert token_for(RequestClosed("rejected")) == "ORDER_ALREADY_EXPIRED"
        assert token_for(RentalClosed("expired"), rental=True) == "NUMBER_EXPIRED"
        assert token_for(OrderAlreadyOpen(12345)) == "ORDER_ALREADY_OPEN_12345"
        assert token_for(NotReusable(NotReusable.NOT_COMPLETED)) == "ORDER_NOT_COMPLETED"
        assert token_for(NotReusable(NotReusable.WINDOW_PASSED)) == "REUSE_EXPIRED"

    def test_tokens_are_capitals_digits_and_underscores(self) -> None:
        samples = [
            token_for(error)
            for error in (
                MissingParameter("orderId"),
                InvalidParameter("auto_renew", "x"),
                OrderAlreadyOpen(7),
                RequestClosed("completed"),
            )
        ]
        assert all(re.fullmatch(r"[A-Z0-9_]+", t) for t in samples)
