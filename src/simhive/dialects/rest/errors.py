"""Every core error as the REST API answers it: an HTTP status and `{errorCode, errorReason}`.

003 gives codes 1, 2, 4, 5, 6, 10, 11 and 16 with their HTTP statuses and reasons;
DESIGN.md adds 20 to 23 for `/v1/verify/check`, and simhive 17 for a verification the
fraud check refused (docs/rest-api.md). Every other rule a request can break is
003's 10, "Invalid request". The reason is 003's words, letter for letter; what exactly
was wrong goes in `errorDetail`, which clients that know only 003 ignore.
"""

from __future__ import annotations

from dataclasses import dataclass

from simhive.core.errors import CoreError, ErrorCode


@dataclass(frozen=True, slots=True)
class RestError:
    code: int
    status: int
    reason: str


AUTHENTICATION = RestError(1, 401, "Authentication required")
INACTIVE_ACCOUNT = RestError(2, 400, "Inactive account")
TOO_MANY = RestError(4, 429, "Too many requests")
INACTIVE_TOKEN = RestError(5, 401, "Inactive token")
FUNDS = RestError(6, 403, "Insufficient funds")
INVALID = RestError(10, 400, "Invalid request")
NUMBER = RestError(11, 400, "Invalid number")
SENDER = RestError(16, 400, "Sender not allowed")
# Not in 003: `/v1/verify` to a number the fraud check did not pass (docs/rest-api.md).
FRAUD = RestError(17, 403, "Number refused")
UNKNOWN = RestError(20, 404, "Unknown request")
WRONG_CODE = RestError(21, 400, "Wrong code")
EXPIRED = RestError(22, 400, "Code expired")
ATTEMPTS = RestError(23, 400, "Too many attempts")
# Not in 003: the server failed; the detail names the request id found in the logs.
SERVER = RestError(500, 500, "Internal server error")

ERRORS: dict[ErrorCode, RestError] = {
    ErrorCode.AUTH_FAILED: AUTHENTICATION,
    ErrorCode.ACCOUNT_DISABLED: INACTIVE_ACCOUNT,
    ErrorCode.FORBIDDEN: AUTHENTICATION,
    ErrorCode.TOKEN_DISABLED: INACTIVE_TOKEN,
    ErrorCode.RATE_LIMITED: TOO_MANY,
    ErrorCode.LOGIN_THROTTLED: TOO_MANY,
    ErrorCode.INSUFFICIENT_FUNDS: FUNDS,
    ErrorCode.INVALID_RECIPIENT: NUMBER,
    ErrorCode.INVALID_MDN: NUMBER,
    ErrorCode.INVALID_NUMBER: NUMBER,
    ErrorCode.SENDER_NOT_ALLOWED: SENDER,
    ErrorCode.UNKNOWN_REQUEST: UNKNOWN,
    ErrorCode.ALREADY_VERIFIED: UNKNOWN,
    ErrorCode.WRONG_CODE: WRONG_CODE,
    ErrorCode.CODE_EXPIRED: EXPIRED,
    ErrorCode.TOO_MANY_ATTEMPTS: ATTEMPTS,
    ErrorCode.FRAUD_REFUSED: FRAUD,
    ErrorCode.MISSING_PARAMETER: INVALID,
    ErrorCode.INVALID_PARAMETER: INVALID,
    ErrorCode.COUNTRY_NOT_ALLOWED: INVALID,
    ErrorCode.INVALID_WEBHOOK_URL: INVALID,
    ErrorCode.INVALID_SMS_TEXT: INVALID,
    ErrorCode.UNKNOWN_COMMAND: INVALID,
    ErrorCode.NOT_FOUND: INVALID,
    ErrorCode.CONFLICT: INVALID,
    # The command API's own rules: no REST request reaches them; mapped all the same.
    ErrorCode.UNKNOWN_SERVICE: INVALID,
    ErrorCode.TOO_MANY_SERVICES: INVALID,
    ErrorCode.INVALID_MARKUP: INVALID,
    ErrorCode.INVALID_AREA_CODE: INVALID,
    ErrorCode.INVALID_STATE: INVALID,
    ErrorCode.MDN_NOT_AVAILABLE: INVALID,
    ErrorCode.NO_NUMBERS: INVALID,
    ErrorCode.REQUEST_CLOSED: INVALID,
    ErrorCode.NO_MESSAGES: INVALID,
    ErrorCode.UNKNOWN_RENTAL: INVALID,
    ErrorCode.RENTAL_CLOSED: INVALID,
    ErrorCode.ALREADY_REPORTED: INVALID,
    ErrorCode.MDN_NOT_HELD: INVALID,
    ErrorCode.NO_RECENT_MESSAGES: INVALID,
    ErrorCode.MDN_OFFLINE: INVALID,
    ErrorCode.RENTAL_AWAITING_MDN: INVALID,
    ErrorCode.NOT_UNLIMITED: INVALID,
    ErrorCode.ORDER_ALREADY_OPEN: INVALID,
    ErrorCode.TOO_MANY_OPEN: TOO_MANY,
    ErrorCode.NOT_REUSABLE: INVALID,
}


def body(error: RestError, detail: str = "") -> dict[str, object]:
    """003's error body; `errorDetail` only when there is more to say than the reason."""
    answer: dict[str, object] = {"errorCode": error.code, "errorReason": error.reason}
    if detail and detail != error.reason:
        answer["errorDetail"] = detail
    return answer


def for_core(exc: CoreError) -> tuple[RestError, str]:
    """The REST error for a core error, and the detail that says what was wrong."""
    return ERRORS.get(exc.code, INVALID), exc.detail or str(exc)
