"""Every core error as the command API words it (HTTP 200, status "error")."""

from __future__ import annotations

from collections.abc import Callable

from simhive.core.errors import CoreError, ErrorCode
from simhive.dialects.command.render import status_text
from simhive.kit.money import format_amount

# Strings quoted from the references (000, 001, 004) are kept letter for letter;
# the others follow their style and are listed in docs/command-api.md.
MESSAGES: dict[ErrorCode, Callable[[CoreError], str]] = {
    ErrorCode.AUTH_FAILED: lambda e: "Invalid user name or API key",
    ErrorCode.ACCOUNT_DISABLED: lambda e: "Your account is disabled",
    ErrorCode.FORBIDDEN: lambda e: "Access denied",
    ErrorCode.MISSING_PARAMETER: lambda e: f"Missing required parameter: {e.fields['name']}",
    ErrorCode.INVALID_PARAMETER: lambda e: f"Invalid {e.fields['name']} value {e.fields['value']}",
    ErrorCode.UNKNOWN_COMMAND: lambda e: f"Invalid command {e.fields['command']}",
    ErrorCode.UNKNOWN_SERVICE: lambda e: f"Invalid service name {e.fields['name']}",
    ErrorCode.TOO_MANY_SERVICES: lambda e: (
        f"Too many services: up to {e.fields['limit']} can be requested at once"
    ),
    ErrorCode.INVALID_MARKUP: lambda e: (
        f"Invalid markup {e.fields['value']}: it must be an integer between "
        f"{e.fields['low']} and {e.fields['high']}"
    ),
    ErrorCode.INVALID_AREA_CODE: lambda e: f"Invalid area code {e.fields['value']}",
    ErrorCode.INVALID_STATE: lambda e: f"Invalid state {e.fields['value']}",
    ErrorCode.INVALID_MDN: lambda e: f"Invalid MDN {e.fields['value']}",
    ErrorCode.MDN_NOT_AVAILABLE: lambda e: "The MDN is not available",
    ErrorCode.NO_NUMBERS: lambda e: "No numbers available, retry later",
    ErrorCode.INSUFFICIENT_FUNDS: lambda e: (
        f"Insufficient funds. Your balance is ${format_amount(e.fields['available'])}"
    ),
    ErrorCode.UNKNOWN_REQUEST: lambda e: "Invalid request ID",
    ErrorCode.REQUEST_CLOSED: lambda e: f"The request is already {status_text(e.fields['status'])}",
    ErrorCode.NO_MESSAGES: lambda e: "No messages",
    ErrorCode.CONFLICT: lambda e: e.detail,
    ErrorCode.NOT_FOUND: lambda e: e.detail,
    ErrorCode.INVALID_WEBHOOK_URL: lambda e: (
        f"Invalid {e.fields.get('kind', 'webhook')} URL: {e.fields['reason']}"
    ),
    ErrorCode.UNKNOWN_RENTAL: lambda e: "Invalid long-term rental ID",
    ErrorCode.ALREADY_REPORTED: lambda e: "The MDN has already been reported",
    ErrorCode.RENTAL_CLOSED: lambda e: f"The rental is already {e.fields['status']}",
    # 004 says a reservation gets "the next available MDN" later, and names the state
    # "awaiting mdn" in ltr_status; switching is for "Unlimited" rentals, as `reserve` is.
    ErrorCode.RENTAL_AWAITING_MDN: lambda e: "The rental is still awaiting an MDN",
    ErrorCode.NOT_UNLIMITED: lambda e: 'Only an "Unlimited" rental can switch service',
    ErrorCode.LOGIN_THROTTLED: lambda e: (
        f"Too many failed logins, retry in {e.fields['retry_after']} seconds"
    ),
    ErrorCode.MDN_NOT_HELD: lambda e: "The MDN is not rented by you",
    ErrorCode.NO_RECENT_MESSAGES: lambda e: (
        f"No incoming messages within past {e.fields['minutes']} minutes"
    ),
    ErrorCode.MDN_OFFLINE: lambda e: "MDN is offline",
    ErrorCode.INVALID_RECIPIENT: lambda e: f"Invalid destination number {e.fields['value']}",
    ErrorCode.INVALID_SMS_TEXT: lambda e: (
        "Message text is empty"
        if e.fields["blank"]
        else f"Message text is too long: {e.fields['length']} characters, "
        f"at most {e.fields['limit']}"
    ),
    ErrorCode.INVALID_NUMBER: lambda e: f"Invalid number {e.fields['value']}",
    # The REST API's errors, worded for operators who meet them in the CLI or admin API.
    ErrorCode.TOKEN_DISABLED: lambda e: "The access token is disabled",
    ErrorCode.RATE_LIMITED: lambda e: (
        f"Too many requests, retry in {e.fields['retry_after']} seconds"
    ),
    ErrorCode.SENDER_NOT_ALLOWED: lambda e: f"Sender {e.fields['sender']} is not allowed",
    ErrorCode.COUNTRY_NOT_ALLOWED: lambda e: (
        f"Numbers in {e.fields['country']} are not allowed for this account"
    ),
    ErrorCode.WRONG_CODE: lambda e: "Wrong code",
    ErrorCode.CODE_EXPIRED: lambda e: "The code has expired",
    ErrorCode.TOO_MANY_ATTEMPTS: lambda e: "Too many attempts",
    ErrorCode.ALREADY_VERIFIED: lambda e: "The request is already verified",
    ErrorCode.FRAUD_REFUSED: lambda e: (
        f"Number {e.fields['number']} refused: the fraud check answered "
        f"{str(e.fields['status']).upper()}"
    ),
    # The order API's rules; the command API never meets them, but every code has words.
    ErrorCode.ORDER_ALREADY_OPEN: lambda e: f"Order {e.fields['order_id']} is still open",
    ErrorCode.TOO_MANY_OPEN: lambda e: (
        f"Too many open requests: at most {e.fields['limit']} at once"
    ),
    ErrorCode.NOT_REUSABLE: lambda e: (
        "The request was not completed"
        if e.fields["reason"] == "not_completed"
        else "The request can no longer be reused"
    ),
}


def message_for(error: CoreError) -> str:
    """The wire message for a core error (its own text when it lacks the catalogue's fields)."""
    try:
        return MESSAGES[error.code](error)
    except KeyError:
        return error.detail or error.code.value
