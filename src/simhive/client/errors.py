"""Typed errors carrying the server's message word for word."""

from __future__ import annotations


class SimhiveError(Exception):
    """Base: `message` is exactly what the server said."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransportError(SimhiveError):
    """No usable answer: network failure, HTTP error, or a body that is not the envelope."""


class ApiError(SimhiveError):
    """The server answered `"status": "error"`."""


class AuthError(ApiError):
    pass


class InvalidServiceError(ApiError):
    pass


class NoNumbersError(ApiError):
    pass


class InsufficientFundsError(ApiError):
    pass


class InvalidRequestIdError(ApiError):
    pass


class MdnNotAvailableError(ApiError):
    pass


class MdnNotRentedError(ApiError):
    """`send_sms` from a number the account does not hold."""


class NoRecentMessagesError(ApiError):
    """`send_sms` to a number that sent nothing to the MDN within the past 30 minutes."""


class MdnOfflineError(ApiError):
    """`send_sms` from a number that is offline."""


class UnknownRentalError(ApiError):
    """A long-term rental ID that is unknown, or another account's."""


class RentalClosedError(ApiError):
    """The rental is already released, expired or renewed: `status` says which."""

    @property
    def status(self) -> str:
        return self.message.removeprefix(_RENTAL_CLOSED)


class AlreadyReportedError(ApiError):
    """`ltr_report` of a rental that has an open report."""


class NotReportedError(ApiError):
    """`ltr_reported_status` of a rental never reported."""


class RequestEndedError(SimhiveError):
    """`wait_for_sms`: the request was rejected or timed out before an SMS came."""

    def __init__(self, message: str, status: str) -> None:
        super().__init__(message)
        self.status = status


_RENTAL_CLOSED = "The rental is already "

_EXACT: dict[str, type[ApiError]] = {
    "Invalid user name or API key": AuthError,
    "No numbers available, retry later": NoNumbersError,
    "Invalid request ID": InvalidRequestIdError,
    "The MDN is not available": MdnNotAvailableError,
    "The MDN is not rented by you": MdnNotRentedError,
    "MDN is offline": MdnOfflineError,
    "Invalid long-term rental ID": UnknownRentalError,
    "The MDN has already been reported": AlreadyReportedError,
    "The MDN has not been reported": NotReportedError,
}
_PREFIX: tuple[tuple[str, type[ApiError]], ...] = (
    ("Invalid service name", InvalidServiceError),
    ("Insufficient funds", InsufficientFundsError),
    ("No incoming messages within past", NoRecentMessagesError),
    (_RENTAL_CLOSED, RentalClosedError),
)


def error_for(message: str) -> ApiError:
    """The typed error for a server message."""
    if message in _EXACT:
        return _EXACT[message](message)
    for prefix, kind in _PREFIX:
        if message.startswith(prefix):
            return kind(message)
    return ApiError(message)
