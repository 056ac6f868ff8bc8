"""Errors a user can cause: a code and typed fields, never wire strings."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    AUTH_FAILED = "auth_failed"
    ACCOUNT_DISABLED = "account_disabled"
    FORBIDDEN = "forbidden"
    MISSING_PARAMETER = "missing_parameter"
    INVALID_PARAMETER = "invalid_parameter"
    UNKNOWN_COMMAND = "unknown_command"
    UNKNOWN_SERVICE = "unknown_service"
    TOO_MANY_SERVICES = "too_many_services"
    INVALID_MARKUP = "invalid_markup"
    INVALID_AREA_CODE = "invalid_area_code"
    INVALID_STATE = "invalid_state"
    INVALID_MDN = "invalid_mdn"
    MDN_NOT_AVAILABLE = "mdn_not_available"
    NO_NUMBERS = "no_numbers"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    UNKNOWN_REQUEST = "unknown_request"
    REQUEST_CLOSED = "request_closed"
    NO_MESSAGES = "no_messages"
    CONFLICT = "conflict"
    NOT_FOUND = "not_found"
    INVALID_WEBHOOK_URL = "invalid_webhook_url"
    UNKNOWN_RENTAL = "unknown_rental"
    RENTAL_CLOSED = "rental_closed"
    ALREADY_REPORTED = "already_reported"
    RENTAL_AWAITING_MDN = "rental_awaiting_mdn"
    NOT_UNLIMITED = "not_unlimited"
    LOGIN_THROTTLED = "login_throttled"
    MDN_NOT_HELD = "mdn_not_held"
    NO_RECENT_MESSAGES = "no_recent_messages"
    MDN_OFFLINE = "mdn_offline"
    INVALID_RECIPIENT = "invalid_recipient"
    INVALID_SMS_TEXT = "invalid_sms_text"
    INVALID_NUMBER = "invalid_number"
    TOKEN_DISABLED = "token_disabled"
    RATE_LIMITED = "rate_limited"
    SENDER_NOT_ALLOWED = "sender_not_allowed"
    COUNTRY_NOT_ALLOWED = "country_not_allowed"
    WRONG_CODE = "wrong_code"
    CODE_EXPIRED = "code_expired"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    ALREADY_VERIFIED = "already_verified"
    FRAUD_REFUSED = "fraud_refused"
    ORDER_ALREADY_OPEN = "order_already_open"
    NOT_REUSABLE = "not_reusable"
    TOO_MANY_OPEN = "too_many_open"


class CoreError(Exception):
    """A rule said no; dialects render `code` and `fields` in their own format."""

    code: ErrorCode = ErrorCode.INVALID_PARAMETER

    def __init__(self, detail: str = "", **fields: Any) -> None:
        super().__init__(detail or self.code.value)
        self.detail = detail
        self.fields = fields


class AuthFailed(CoreError):
    code = ErrorCode.AUTH_FAILED


class AccountDisabled(CoreError):
    code = ErrorCode.ACCOUNT_DISABLED


class Forbidden(CoreError):
    code = ErrorCode.FORBIDDEN


class MissingParameter(CoreError):
    code = ErrorCode.MISSING_PARAMETER

    def __init__(self, name: str) -> None:
        super().__init__(f"missing parameter {name}", name=name)
        self.name = name


class InvalidParameter(CoreError):
    code = ErrorCode.INVALID_PARAMETER

    def __init__(self, name: str, value: str, detail: str = "") -> None:
        super().__init__(detail or f"invalid {name} {value!r}", name=name, value=value)
        self.name = name
        self.value = value


class UnknownCommand(CoreError):
    code = ErrorCode.UNKNOWN_COMMAND

    def __init__(self, command: str) -> None:
        super().__init__(f"unknown command {command!r}", command=command)
        self.command = command


class UnknownService(CoreError):
    code = ErrorCode.UNKNOWN_SERVICE

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown service {name!r}", name=name)
        self.name = name


class TooManyServices(CoreError):
    code = ErrorCode.TOO_MANY_SERVICES

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(f"{count} services, at most {limit}", count=count, limit=limit)
        self.count = count
        self.limit = limit


class InvalidMarkup(CoreError):
    code = ErrorCode.INVALID_MARKUP

    def __init__(self, value: str, low: int, high: int) -> None:
        super().__init__(f"markup {value!r} not in {low}..{high}", value=value, low=low, high=high)
        self.value = value
        self.low = low
        self.high = high


class InvalidAreaCode(CoreError):
    code = ErrorCode.INVALID_AREA_CODE

    def __init__(self, value: str) -> None:
        super().__init__(f"invalid area code {value!r}", value=value)
        self.value = value


class InvalidState(CoreError):
    code = ErrorCode.INVALID_STATE

    def __init__(self, value: str) -> None:
        super().__init__(f"invalid state {value!r}", value=value)
        self.value = value


class InvalidMdn(CoreError):
    code = ErrorCode.INVALID_MDN

    def __init__(self, value: str) -> None:
        super().__init__(f"invalid MDN {value!r}", value=value)
        self.value = value


class MdnNotAvailable(CoreError):
    code = ErrorCode.MDN_NOT_AVAILABLE


class NoNumbers(CoreError):
    code = ErrorCode.NO_NUMBERS


class InsufficientFunds(CoreError):
    code = ErrorCode.INSUFFICIENT_FUNDS

    def __init__(self, available: Decimal, needed: Decimal) -> None:
        super().__init__(f"available {available}, needed {needed}", available=available)
        self.available = available
        self.needed = needed


class UnknownRequest(CoreError):
    code = ErrorCode.UNKNOWN_REQUEST


class RequestClosed(CoreError):
    code = ErrorCode.REQUEST_CLOSED

    def __init__(self, status: str) -> None:
        super().__init__(f"request is {status}", status=status)
        self.status = status


class NoMessages(CoreError):
    code = ErrorCode.NO_MESSAGES


class Conflict(CoreError):
    code = ErrorCode.CONFLICT


class NotFound(CoreError):
    code = ErrorCode.NOT_FOUND


class InvalidWebhookUrl(CoreError):
    code = ErrorCode.INVALID_WEBHOOK_URL

    def __init__(self, url: str, reason: str, *, kind: str = "webhook") -> None:
        super().__init__(f"{kind} URL {url!r} refused: {reason}", url=url, reason=reason, kind=kind)
        self.url = url
        self.reason = reason
        self.kind = kind


class LoginThrottled(CoreError):
    code = ErrorCode.LOGIN_THROTTLED

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed logins, retry in {retry_after} s", retry_after=retry_after
        )
        self.retry_after = retry_after


class UnknownRental(CoreError):
    code = ErrorCode.UNKNOWN_RENTAL


class RentalClosed(CoreError):
    code = ErrorCode.RENTAL_CLOSED

    def __init__(self, status: str) -> None:
        super().__init__(f"rental is {status}", status=status)
        self.status = status


class AlreadyReported(CoreError):
    code = ErrorCode.ALREADY_REPORTED


class RentalAwaitingMdn(CoreError):
    """A reserved rental has no number yet to forward, report or otherwise act on."""

    code = ErrorCode.RENTAL_AWAITING_MDN

    def __init__(self, rental_id: int) -> None:
        super().__init__(f"rental {rental_id} has no number yet", rental_id=rental_id)


class NotUnlimited(CoreError):
    """Only an Unlimited rental switches to one service."""

    code = ErrorCode.NOT_UNLIMITED

    def __init__(self, rental_id: int, service: str) -> None:
        super().__init__(
            f"rental {rental_id} is for {service}, not Unlimited",
            rental_id=rental_id,
            service=service,
        )


class MdnNotHeld(CoreError):
    """The account holds no request or rental on that number (or it is no number of ours)."""

    code = ErrorCode.MDN_NOT_HELD

    def __init__(self, value: str) -> None:
        super().__init__(f"MDN {value!r} is not held by the account", value=value)
        self.value = value


class NoRecentMessages(CoreError):
    """Nothing came to the number from the destination within the reply window."""

    code = ErrorCode.NO_RECENT_MESSAGES

    def __init__(self, window_s: int) -> None:
        super().__init__(
            f"no incoming message from the destination in {window_s} s",
            window_s=window_s,
            minutes=window_s // 60,
        )
        self.window_s = window_s


class MdnOffline(CoreError):
    code = ErrorCode.MDN_OFFLINE


class InvalidRecipient(CoreError):
    code = ErrorCode.INVALID_RECIPIENT

    def __init__(self, value: str) -> None:
        super().__init__(f"invalid destination number {value!r}", value=value)
        self.value = value


class InvalidSmsText(CoreError):
    """An outgoing text that is empty, or longer than an SMS of `limit` characters."""

    code = ErrorCode.INVALID_SMS_TEXT

    def __init__(self, length: int, limit: int, *, blank: bool = False) -> None:
        super().__init__(
            "blank text" if blank else f"text of {length} characters, at most {limit}",
            length=length,
            limit=limit,
            blank=blank,
        )
        self.length = length
        self.limit = limit
        self.blank = blank


class InvalidNumber(CoreError):
    """Not a phone number in international format (E.164, with or without `+`)."""

    code = ErrorCode.INVALID_NUMBER

    def __init__(self, value: str) -> None:
        super().__init__(f"invalid number {value!r}", value=value)
        self.value = value


class TokenDisabled(CoreError):
    """An access token that its owner or the operator disabled."""

    code = ErrorCode.TOKEN_DISABLED


class RateLimited(CoreError):
    """An account past its request rate; `retry_after` seconds until the window resets."""

    code = ErrorCode.RATE_LIMITED

    def __init__(self, retry_after: int, limit: str) -> None:
        super().__init__(
            f"more than {limit} requests, retry in {retry_after} s",
            retry_after=retry_after,
            limit=limit,
        )
        self.retry_after = retry_after
        self.limit = limit


class SenderNotAllowed(CoreError):
    """A sender id or caller id the operator has not approved for the account."""

    code = ErrorCode.SENDER_NOT_ALLOWED

    def __init__(self, sender: str, reason: str = "") -> None:
        super().__init__(reason or f"sender {sender!r} is not approved", sender=sender)
        self.sender = sender


class CountryNotAllowed(CoreError):
    """A number in a country the account's policy does not serve."""

    code = ErrorCode.COUNTRY_NOT_ALLOWED

    def __init__(self, country: str) -> None:
        super().__init__(f"numbers in {country} are not allowed for the account", country=country)
        self.country = country


class WrongCode(CoreError):
    code = ErrorCode.WRONG_CODE

    def __init__(self, attempts_left: int) -> None:
        super().__init__(f"wrong code, {attempts_left} attempts left", attempts_left=attempts_left)
        self.attempts_left = attempts_left


class CodeExpired(CoreError):
    code = ErrorCode.CODE_EXPIRED


class TooManyAttempts(CoreError):
    code = ErrorCode.TOO_MANY_ATTEMPTS


class AlreadyVerified(CoreError):
    """A verification that a check has already passed: its code is spent."""

    code = ErrorCode.ALREADY_VERIFIED


class FraudRefused(CoreError):
    """A verification the fraud check refused: `status` is its verdict (suspicious, ...)."""

    code = ErrorCode.FRAUD_REFUSED

    def __init__(self, number: str, status: str) -> None:
        super().__init__(
            f"the fraud check answered {status.upper()} for {number}", number=number, status=status
        )
        self.number = number
        self.status = status


class OrderAlreadyOpen(CoreError):
    """The order API allows one open order per account; this is the open one."""

    code = ErrorCode.ORDER_ALREADY_OPEN

    def __init__(self, order_id: int) -> None:
        super().__init__(f"order {order_id} is open", order_id=order_id)
        self.order_id = order_id


class NotReusable(CoreError):
    """An order's number cannot be ordered again: the order never completed, or the
    reuse window after its completion has passed."""

    code = ErrorCode.NOT_REUSABLE
    NOT_COMPLETED = "not_completed"
    WINDOW_PASSED = "window_passed"

    def __init__(self, reason: str) -> None:
        super().__init__(f"the request cannot be reused: {reason}", reason=reason)
        self.reason = reason


class TooManyOpen(CoreError):
    """An account at its bound of requests open at once (`max_open_requests`)."""

    code = ErrorCode.TOO_MANY_OPEN

    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} requests open at once", limit=limit)
        self.limit = limit
