"""What the REST API (`/v1`) answers, as typed values and typed errors; no I/O here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from simhive.client.errors import SimhiveError, TransportError


class Method(StrEnum):
    SMS = "sms"
    VOICE = "voice"
    CALL = "call"


class VerificationStatus(StrEnum):
    PROCESSING = "processing"
    VERIFIED = "verified"


@dataclass(frozen=True, slots=True)
class Verified:
    """`/v1/verify/check` accepted the code."""

    request_id: str
    number: str
    method: Method
    verified_at: datetime


@dataclass(frozen=True, slots=True)
class VerificationInfo:
    request_id: str
    status: VerificationStatus
    number: str
    method: Method
    verified_at: datetime | None
    requested_at: datetime
    check_attempts: int


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """003 "Getting request info", for any product."""

    id: str
    product: str
    number: str
    mccmnc: str | None
    network: str | None
    country: str | None
    status: str
    created_at: datetime
    payload: dict[str, Any]
    goal: str | None
    goal_at: datetime | None


@dataclass(frozen=True, slots=True)
class SmsSent:
    request_id: str
    parts: int
    encoding: str


@dataclass(frozen=True, slots=True)
class FlashCall:
    request_id: str
    caller_id: str  # 003's `from`: a flash call's code is its last digits


class HlrStatus(StrEnum):
    DELIVERED = "DELIVERED"
    UNDELIVERED = "UNDELIVERED"


@dataclass(frozen=True, slots=True)
class HlrResult:
    """003 "HLR lookup": the network of a number; `id` is its request (`request(id)`)."""

    id: str
    number: str
    mccmnc: str | None
    network: str | None
    country: str | None
    status: HlrStatus
    created_at: datetime


class FraudStatus(StrEnum):
    PASSED = "PASSED"
    NOT_MOBILE_PREFIX = "NOT_MOBILE_PREFIX"
    SUSPICIOUS = "SUSPICIOUS"
    FRAUDULENT = "FRAUDULENT"


@dataclass(frozen=True, slots=True)
class FraudCheck:
    """003 "Fraud Check"; `request_id` is its request, whose payload keeps the reasons."""

    status: FraudStatus
    mobile_prefix: bool
    request_id: str | None

    @property
    def passed(self) -> bool:
        return self.status is FraudStatus.PASSED


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    """A callback: SENT, DELIVERED, UNDELIVERED or REJECTED."""

    request_id: str
    product: str
    number: str
    mccmnc: str | None
    status: str
    timestamp: datetime


@dataclass(frozen=True, slots=True)
class CallStatus:
    """A call's status callback (003: sipStatus, the call's timestamps, billable, duration)."""

    request_id: str
    product: str
    number: str
    caller_id: str | None
    status: str
    sip_status: int | None
    timestamp: datetime
    created_at: datetime | None
    ring_started_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    billable: bool
    duration: int


# -- errors -----------------------------------------------------------------------


class RestError(SimhiveError):
    """The REST API answered an error: 003's `errorCode` and `errorReason`, word for word."""

    code = 0

    def __init__(
        self,
        message: str,
        *,
        error_code: int,
        status: int,
        detail: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.status = status
        self.detail = detail
        self.retry_after = retry_after


class AuthenticationError(RestError):
    code = 1


class InactiveAccountError(RestError):
    code = 2


class TooManyRequestsError(RestError):
    """Error 4: `retry_after` says how many seconds to wait."""

    code = 4


class InactiveTokenError(RestError):
    code = 5


class FundsError(RestError):
    code = 6


class InvalidRequestError(RestError):
    code = 10


class InvalidNumberError(RestError):
    code = 11


class SenderNotAllowedError(RestError):
    code = 16


class NumberRefusedError(RestError):
    """Error 17 (simhive): `/v1/verify` refused the number; the fraud check did not pass it."""

    code = 17


class UnknownRequestError(RestError):
    """Error 20: no such request of yours (or a verification already verified)."""

    code = 20


class WrongCodeError(RestError):
    code = 21


class CodeExpiredError(RestError):
    code = 22


class TooManyAttemptsError(RestError):
    code = 23


_BY_CODE = {
    kind.code: kind
    for kind in (
        AuthenticationError, InactiveAccountError, TooManyRequestsError, InactiveTokenError,
        FundsError, InvalidRequestError, InvalidNumberError, SenderNotAllowedError,
        NumberRefusedError,
        UnknownRequestError, WrongCodeError, CodeExpiredError, TooManyAttemptsError,
    )
}  # fmt: skip


def answer(status: int, body: bytes, retry_after: str | None = None) -> dict[str, Any]:
    """The JSON object of a 2xx answer; the typed error of an error answer."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise TransportError(f"HTTP {status}, not JSON: {body[:200]!r}") from exc
    if not isinstance(data, dict):
        raise TransportError(f"HTTP {status}, not a JSON object: {body[:200]!r}")
    if 200 <= status < 300:
        return data
    code = data.get("errorCode")
    if not isinstance(code, int):
        raise TransportError(f"HTTP {status} without an errorCode: {body[:200]!r}")
    kind = _BY_CODE.get(code, RestError)
    raise kind(
        str(data.get("errorReason", "")),
        error_code=code,
        status=status,
        detail=data.get("errorDetail"),
        retry_after=int(retry_after) if retry_after and retry_after.isdigit() else None,
    )


def _seconds(value: Any) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(int(value), UTC)


def _millis(value: Any) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(int(value) / 1000, UTC)


def verified(data: dict[str, Any]) -> Verified:
    when = _seconds(data["verifiedAt"])
    assert when is not None
    return Verified(data["requestId"], data["number"], Method(data["method"]), when)


def verification_info(data: dict[str, Any]) -> VerificationInfo:
    requested = _seconds(data["verificationRequestedAt"])
    assert requested is not None
    return VerificationInfo(
        request_id=data["requestId"],
        status=VerificationStatus(data["status"]),
        number=data["number"],
        method=Method(data["method"]),
        verified_at=_seconds(data.get("verifiedAt")),
        requested_at=requested,
        check_attempts=int(data["checkAttempts"]),
    )


def request_info(data: dict[str, Any]) -> RequestInfo:
    created = _millis(data["createdAt"])
    assert created is not None
    return RequestInfo(
        id=data["id"],
        product=data["product"],
        number=data["number"],
        mccmnc=data.get("mccmnc"),
        network=data.get("network"),
        country=data.get("country"),
        status=data["status"],
        created_at=created,
        payload=dict(data.get("payload") or {}),
        goal=data.get("goal"),
        goal_at=_millis(data.get("goalAt")),
    )


def hlr(data: dict[str, Any]) -> HlrResult:
    created = _millis(data["createdAt"])
    assert created is not None
    return HlrResult(
        id=data["id"],
        number=data["number"],
        mccmnc=data.get("mccmnc"),
        network=data.get("network"),
        country=data.get("country"),
        status=HlrStatus(data["status"]),
        created_at=created,
    )


def fraud_check(data: dict[str, Any]) -> FraudCheck:
    return FraudCheck(
        status=FraudStatus(data["status"]),
        mobile_prefix=bool(data["mobilePrefix"]),
        request_id=data.get("requestId"),
    )


def parse_callback(body: bytes | str | dict[str, Any]) -> DeliveryReceipt | CallStatus:
    """A REST callback's JSON body as a typed value (a call's status when it has sipStatus)."""
    data = body if isinstance(body, dict) else json.loads(body)
    stamp = _seconds(data["timestamp"])
    assert stamp is not None
    if "sipStatus" in data:
        return CallStatus(
            request_id=data["requestId"],
            product=data["product"],
            number=data["number"],
            caller_id=data.get("from"),
            status=data["status"],
            sip_status=data.get("sipStatus"),
            timestamp=stamp,
            created_at=_seconds(data.get("callCreatedAt")),
            ring_started_at=_seconds(data.get("callRingStartedAt")),
            answered_at=_seconds(data.get("callAnsweredAt")),
            ended_at=_seconds(data.get("callEndedAt")),
            billable=bool(data.get("billable")),
            duration=int(data.get("duration") or 0),
        )
    return DeliveryReceipt(
        request_id=data["requestId"],
        product=data["product"],
        number=data["number"],
        mccmnc=data.get("mccmnc"),
        status=data["status"],
        timestamp=stamp,
    )
