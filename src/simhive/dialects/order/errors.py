"""Every core error as an order API token (HTTP 200, the token alone as the body).

002's tokens are kept letter for letter; where 002 names none, DESIGN.md's
(`NO_KEY_PROVIDED`, `UNAUTHORIZED`, `BAD_SERVICE`, `BAD_COUNTRY`, `ORDER_NOT_FOUND`) and
others in their style, all listed in docs/order-api.md.
"""

from __future__ import annotations

from collections.abc import Callable

from simhive.core.activations.models import ActivationStatus
from simhive.core.errors import CoreError, ErrorCode, NotReusable

# A parameter's own token when it is missing or not valid.
PARAMETER_TOKENS = {
    "key": "UNAUTHORIZED",
    "serviceId": "BAD_SERVICE",
    "country": "BAD_COUNTRY",
    "orderId": "ORDER_NOT_FOUND",
    "contract_id": "CONTRACT_NOT_FOUND",
    "package": "INVALID_PACKAGE",
    "auto_renew": "BAD_AUTO_RENEW",
}


def _missing(e: CoreError) -> str:
    name = e.fields["name"]
    return "NO_KEY_PROVIDED" if name == "key" else PARAMETER_TOKENS.get(name, "BAD_REQUEST")


def _invalid(e: CoreError) -> str:
    return PARAMETER_TOKENS.get(e.fields["name"], "BAD_REQUEST")


def _closed(e: CoreError) -> str:
    # 002 cancelorder / skipnumber; a canceled order is an expired one (002 getsms).
    if e.fields["status"] == ActivationStatus.COMPLETED:
        return "ORDER_ALREADY_COMPLETED"
    return "ORDER_ALREADY_EXPIRED"


def _not_reusable(e: CoreError) -> str:
    if e.fields["reason"] == NotReusable.NOT_COMPLETED:
        return "ORDER_NOT_COMPLETED"
    return "REUSE_EXPIRED"


TOKENS: dict[ErrorCode, Callable[[CoreError], str]] = {
    ErrorCode.AUTH_FAILED: lambda e: "UNAUTHORIZED",
    ErrorCode.ACCOUNT_DISABLED: lambda e: "ACCOUNT_DISABLED",
    ErrorCode.FORBIDDEN: lambda e: "UNAUTHORIZED",
    ErrorCode.MISSING_PARAMETER: _missing,
    ErrorCode.INVALID_PARAMETER: _invalid,
    ErrorCode.UNKNOWN_COMMAND: lambda e: "BAD_REQUEST",
    ErrorCode.UNKNOWN_SERVICE: lambda e: "BAD_SERVICE",
    ErrorCode.TOO_MANY_SERVICES: lambda e: "BAD_SERVICE",
    ErrorCode.INVALID_MARKUP: lambda e: "BAD_REQUEST",
    ErrorCode.INVALID_AREA_CODE: lambda e: "BAD_REQUEST",
    ErrorCode.INVALID_STATE: lambda e: "BAD_REQUEST",
    ErrorCode.INVALID_MDN: lambda e: "BAD_REQUEST",
    # Reuse: the number is busy, or the account may not have it (002: "is gone").
    ErrorCode.MDN_NOT_AVAILABLE: lambda e: "NUMBER_OFFLINE",
    ErrorCode.NO_NUMBERS: lambda e: "NO_PHONE_AVAILABLE",
    ErrorCode.INSUFFICIENT_FUNDS: lambda e: "NO_BALANCE",
    ErrorCode.UNKNOWN_REQUEST: lambda e: "ORDER_NOT_FOUND",
    ErrorCode.REQUEST_CLOSED: _closed,
    ErrorCode.NO_MESSAGES: lambda e: "WAITING",
    ErrorCode.CONFLICT: lambda e: "CONFLICT",
    ErrorCode.NOT_FOUND: lambda e: "NOT_FOUND",
    ErrorCode.INVALID_WEBHOOK_URL: lambda e: "BAD_REQUEST",
    ErrorCode.UNKNOWN_RENTAL: lambda e: "CONTRACT_NOT_FOUND",
    ErrorCode.RENTAL_CLOSED: lambda e: "NUMBER_EXPIRED",
    ErrorCode.ALREADY_REPORTED: lambda e: "ALREADY_REPORTED",
    ErrorCode.LOGIN_THROTTLED: lambda e: "TOO_MANY_REQUESTS",
    ErrorCode.MDN_NOT_HELD: lambda e: "NUMBER_NOT_FOUND",
    ErrorCode.NO_RECENT_MESSAGES: lambda e: "NO_RECENT_SMS",
    ErrorCode.MDN_OFFLINE: lambda e: "NUMBER_OFFLINE",
    ErrorCode.INVALID_RECIPIENT: lambda e: "BAD_REQUEST",
    ErrorCode.INVALID_SMS_TEXT: lambda e: "BAD_REQUEST",
    ErrorCode.ORDER_ALREADY_OPEN: lambda e: f"ORDER_ALREADY_OPEN_{e.fields['order_id']}",
    ErrorCode.TOO_MANY_OPEN: lambda e: "TOO_MANY_OPEN_ORDERS",
    ErrorCode.NOT_REUSABLE: _not_reusable,
    # The rules of the other APIs; an order client never meets them, but every code has a token.
    ErrorCode.RENTAL_AWAITING_MDN: lambda e: "NUMBER_NOT_ASSIGNED",
    ErrorCode.NOT_UNLIMITED: lambda e: "BAD_REQUEST",
    ErrorCode.INVALID_NUMBER: lambda e: "BAD_REQUEST",
    ErrorCode.TOKEN_DISABLED: lambda e: "UNAUTHORIZED",
    ErrorCode.RATE_LIMITED: lambda e: "TOO_MANY_REQUESTS",
    ErrorCode.SENDER_NOT_ALLOWED: lambda e: "BAD_REQUEST",
    ErrorCode.COUNTRY_NOT_ALLOWED: lambda e: "BAD_COUNTRY",
    ErrorCode.WRONG_CODE: lambda e: "BAD_REQUEST",
    ErrorCode.CODE_EXPIRED: lambda e: "BAD_REQUEST",
    ErrorCode.TOO_MANY_ATTEMPTS: lambda e: "BAD_REQUEST",
    ErrorCode.ALREADY_VERIFIED: lambda e: "BAD_REQUEST",
    ErrorCode.FRAUD_REFUSED: lambda e: "NUMBER_REFUSED",
}

# The rental API words a few of them its own way (002 rental/new, rental/extend).
RENTAL_TOKENS: dict[ErrorCode, Callable[[CoreError], str]] = {
    ErrorCode.NO_NUMBERS: lambda e: "NO_STOCK",
}


def token_for(error: CoreError, *, rental: bool = False) -> str:
    """The token for a core error, in the order API or its rental API."""
    worded = (RENTAL_TOKENS.get(error.code) if rental else None) or TOKENS[error.code]
    return worded(error)
