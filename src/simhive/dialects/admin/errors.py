"""Core errors as RFC 9457 problem details for the admin API."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from simhive.core.errors import CoreError, ErrorCode
from simhive.dialects.command.errors import message_for

STATUS: dict[ErrorCode, int] = {
    ErrorCode.AUTH_FAILED: 401,
    ErrorCode.ACCOUNT_DISABLED: 403,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.MISSING_PARAMETER: 422,
    ErrorCode.INVALID_PARAMETER: 422,
    ErrorCode.UNKNOWN_COMMAND: 404,
    ErrorCode.UNKNOWN_SERVICE: 404,
    ErrorCode.TOO_MANY_SERVICES: 422,
    ErrorCode.INVALID_MARKUP: 422,
    ErrorCode.INVALID_AREA_CODE: 422,
    ErrorCode.INVALID_STATE: 422,
    ErrorCode.INVALID_MDN: 422,
    ErrorCode.MDN_NOT_AVAILABLE: 409,
    ErrorCode.NO_NUMBERS: 409,
    ErrorCode.INSUFFICIENT_FUNDS: 409,
    ErrorCode.UNKNOWN_REQUEST: 404,
    ErrorCode.REQUEST_CLOSED: 409,
    ErrorCode.NO_MESSAGES: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.INVALID_WEBHOOK_URL: 422,
    ErrorCode.UNKNOWN_RENTAL: 404,
    ErrorCode.RENTAL_CLOSED: 409,
    ErrorCode.ALREADY_REPORTED: 409,
    ErrorCode.RENTAL_AWAITING_MDN: 409,
    ErrorCode.NOT_UNLIMITED: 409,
    ErrorCode.LOGIN_THROTTLED: 429,
    ErrorCode.MDN_NOT_HELD: 404,
    ErrorCode.NO_RECENT_MESSAGES: 409,
    ErrorCode.MDN_OFFLINE: 409,
    ErrorCode.INVALID_RECIPIENT: 422,
    ErrorCode.INVALID_SMS_TEXT: 422,
    ErrorCode.INVALID_NUMBER: 422,
    ErrorCode.TOKEN_DISABLED: 401,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.SENDER_NOT_ALLOWED: 422,
    ErrorCode.COUNTRY_NOT_ALLOWED: 422,
    ErrorCode.WRONG_CODE: 422,
    ErrorCode.CODE_EXPIRED: 409,
    ErrorCode.TOO_MANY_ATTEMPTS: 409,
    ErrorCode.ALREADY_VERIFIED: 409,
    ErrorCode.FRAUD_REFUSED: 403,
    ErrorCode.ORDER_ALREADY_OPEN: 409,
    ErrorCode.TOO_MANY_OPEN: 429,
    ErrorCode.NOT_REUSABLE: 409,
}


def problem(
    status: int, title: str, detail: str, code: str = "about:blank", **extensions: object
) -> JSONResponse:
    """An `application/problem+json` answer (RFC 9457), with any extension members."""
    return JSONResponse(
        {"type": code, "title": title, "status": status, "detail": detail, **extensions},
        status_code=status,
        media_type="application/problem+json",
    )


def detail_for(error: CoreError) -> str:
    """Words for an operator (admin API and CLI): the command API's, or the rule's own."""
    if error.code is ErrorCode.INVALID_PARAMETER:
        return str(error)  # the rule's own words say what a valid value is
    if error.code in (ErrorCode.AUTH_FAILED, ErrorCode.FORBIDDEN) and error.detail:
        return error.detail  # which credential or scope is missing
    return message_for(error)


def from_core(error: CoreError) -> JSONResponse:
    """A core error as problem JSON; 401 answers say how to authenticate."""
    status = STATUS[error.code]
    answer = problem(
        status, error.code.value.replace("_", " "), detail_for(error), error.code.value
    )
    if status == 401:
        answer.headers["www-authenticate"] = "Bearer"
    return answer
