"""The simhive SDK: typed clients for the command API, and webhook helpers."""

from simhive.client.command import AsyncCommandClient, CommandClient
from simhive.client.errors import (
    ApiError,
    AuthError,
    InsufficientFundsError,
    InvalidRequestIdError,
    InvalidServiceError,
    MdnNotAvailableError,
    MdnNotRentedError,
    MdnOfflineError,
    NoNumbersError,
    NoRecentMessagesError,
    RequestEndedError,
    SimhiveError,
    TransportError,
)
from simhive.client.models import (
    Activation,
    ActivationStatus,
    IncomingMessage,
    Message,
    PriorityRequestWon,
    ServiceInfo,
)
from simhive.client.webhooks import WebhookVerificationError, parse_webhook, verify_webhook

__all__ = [
    "Activation",
    "ActivationStatus",
    "ApiError",
    "AsyncCommandClient",
    "AuthError",
    "CommandClient",
    "IncomingMessage",
    "InsufficientFundsError",
    "InvalidRequestIdError",
    "InvalidServiceError",
    "MdnNotAvailableError",
    "MdnNotRentedError",
    "MdnOfflineError",
    "Message",
    "NoNumbersError",
    "NoRecentMessagesError",
    "PriorityRequestWon",
    "RequestEndedError",
    "ServiceInfo",
    "SimhiveError",
    "TransportError",
    "WebhookVerificationError",
    "parse_webhook",
    "verify_webhook",
]
