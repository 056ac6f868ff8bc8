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


class AccountDisabledError(AuthError):
    """The key is right but the operator disabled the account."""


class LoginThrottledError(AuthError):
    """Too many failed logins from here: `retry_after` seconds until the next try counts."""

    @property
    def retry_after(self) -> int:
        return int(self.message.removeprefix(_THROTTLED).split()[0])


class InvalidServiceError(ApiError):
    pass


class NoNumbersError(ApiError):
    pass


class InsufficientFundsError(ApiError):
    pass


class InvalidRequestIdError(ApiError):
    pass


class RequestClosedError(ApiError):
    """The request is already Completed, Rejected or Timed Out: `status` says which."""

    @property
    def status(self) -> str:
        return self.message.removeprefix(_REQUEST_CLOSED)


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


class RentalAwaitingMdnError(ApiError):
    """The rental was reserved and waits for a number: nothing to switch or send yet."""


class NotUnlimitedError(ApiError):
    """`ltr_switch` of a rental that is not for the "Unlimited" service."""


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
_REQUEST_CLOSED = "The request is already "
_THROTTLED = "Too many failed logins, retry in "

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
    "Your account is disabled": AccountDisabledError,
    "The rental is still awaiting an MDN": RentalAwaitingMdnError,
    'Only an "Unlimited" rental can switch service': NotUnlimitedError,
}
_PREFIX: tuple[tuple[str, type[ApiError]], ...] = (
    ("Invalid service name", InvalidServiceError),
    ("Insufficient funds", InsufficientFundsError),
    ("No incoming messages within past", NoRecentMessagesError),
    (_RENTAL_CLOSED, RentalClosedError),
    (_REQUEST_CLOSED, RequestClosedError),
    (_THROTTLED, LoginThrottledError),
)


def error_for(message: str) -> ApiError:
    """The typed error for a server message."""
    if message in _EXACT:
        return _EXACT[message](message)
    for prefix, kind in _PREFIX:
        if message.startswith(prefix):
            return kind(message)
    return ApiError(message)


# -- the order API (002): errors are tokens ---------------------------------------------


class OrderApiError(ApiError):
    """The order API answered a token that is no success; `message` is the token."""


class OrderAlreadyOpenError(OrderApiError):
    """`ORDER_ALREADY_OPEN_{id}`: finish or cancel that order first."""

    @property
    def order_id(self) -> int:
        return int(self.message.rsplit("_", 1)[-1])


class OrderNotFoundError(OrderApiError):
    """An order id that is unknown, another account's, or a command API request."""


class OrderExpiredError(OrderApiError):
    """`ORDER_EXPIRED` (getsms): the order was canceled or expired before an SMS came."""


class OrderAlreadyExpiredError(OrderApiError):
    """`ORDER_ALREADY_EXPIRED`: the order was canceled or expired already."""


class OrderAlreadyCompletedError(OrderApiError):
    """`ORDER_ALREADY_COMPLETED`: its SMS came already."""


class NumberOfflineError(OrderApiError):
    """`NUMBER_OFFLINE` (reuse): the number is gone, or not to be had now."""


class ReuseExpiredError(OrderApiError):
    """`REUSE_EXPIRED`: the order completed longer ago than the reuse window."""


class OrderNotCompletedError(OrderApiError):
    """`ORDER_NOT_COMPLETED`: only a completed order's number can be reused."""


class BadCountryError(OrderApiError):
    """`BAD_COUNTRY`: USA, NL or UK for orders; NL or UK for rentals."""


class InvalidPackageError(OrderApiError):
    """`INVALID_PACKAGE`: packages are 1m, 3m, 6m and 1y."""


class NumberExpiredError(OrderApiError):
    """`NUMBER_EXPIRED`: the contract has ended."""


class ContractNotFoundError(OrderApiError):
    """`CONTRACT_NOT_FOUND`: a contract id that is unknown, or another account's."""


class OrderAuthError(OrderApiError, AuthError):
    """`NO_KEY_PROVIDED`, `UNAUTHORIZED` or `ACCOUNT_DISABLED`."""


class OrderInvalidServiceError(OrderApiError, InvalidServiceError):
    """`BAD_SERVICE`: no service has that id."""


class NoPhoneAvailableError(OrderApiError, NoNumbersError):
    """`NO_PHONE_AVAILABLE` (orders) or `NO_STOCK` (rentals)."""


class NoBalanceError(OrderApiError, InsufficientFundsError):
    """`NO_BALANCE`."""


_TOKENS: dict[str, type[OrderApiError]] = {
    "NO_KEY_PROVIDED": OrderAuthError,
    "UNAUTHORIZED": OrderAuthError,
    "ACCOUNT_DISABLED": OrderAuthError,
    "BAD_SERVICE": OrderInvalidServiceError,
    "BAD_COUNTRY": BadCountryError,
    "NO_PHONE_AVAILABLE": NoPhoneAvailableError,
    "NO_STOCK": NoPhoneAvailableError,
    "NO_BALANCE": NoBalanceError,
    "ORDER_NOT_FOUND": OrderNotFoundError,
    "ORDER_EXPIRED": OrderExpiredError,
    "ORDER_ALREADY_EXPIRED": OrderAlreadyExpiredError,
    "ORDER_ALREADY_COMPLETED": OrderAlreadyCompletedError,
    "NUMBER_OFFLINE": NumberOfflineError,
    "REUSE_EXPIRED": ReuseExpiredError,
    "ORDER_NOT_COMPLETED": OrderNotCompletedError,
    "INVALID_PACKAGE": InvalidPackageError,
    "NUMBER_EXPIRED": NumberExpiredError,
    "CONTRACT_NOT_FOUND": ContractNotFoundError,
}


def order_error_for(token: str) -> OrderApiError:
    """The typed error for an order API token."""
    if token.startswith("ORDER_ALREADY_OPEN_"):
        return OrderAlreadyOpenError(token)
    return _TOKENS.get(token, OrderApiError)(token)
