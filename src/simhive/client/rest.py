"""Clients for the REST API (`/v1`), sync and async, on httpx: typed results, typed errors.

with RestClient("http://127.0.0.1:8080", token="id:secret") as api:
    request_id = api.verify("+447400900123", method="sms")
    api.check(request_id, code)            # Verified, or WrongCodeError, CodeExpiredError...
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, TypeVar

import httpx

from simhive.client import rest_models as m
from simhive.client.errors import TransportError

T = TypeVar("T")


@dataclass(frozen=True)
class _Call(Generic[T]):
    method: str
    path: str
    fields: dict[str, Any]
    parse: Any  # Callable[[dict[str, Any]], T]


def _given(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _verify(number: str, method: str, **options: Any) -> _Call[str]:
    fields = _given(number=number, method=str(method), **options)
    return _Call("POST", "/verify", fields, lambda d: str(d["requestId"]))


def _verify_options(
    sender: str | None,
    language: str | None,
    code_length: int | None,
    code_expiry: int | None,
    attempts: int | None,
    ip: str | None,
    callback_url: str | None,
) -> dict[str, Any]:
    return {
        "from": sender,
        "language": language,
        "codeLength": code_length,
        "codeExpiry": code_expiry,
        "checkAttemptsAllowed": attempts,
        "ip": ip,
        "callbackUrl": callback_url,
    }


class _Base:
    def __init__(self, base_url: str, token: str) -> None:
        token_id, colon, secret = token.partition(":")
        if not colon:
            raise ValueError("the access token is id:secret")
        self.url = base_url.rstrip("/") + "/v1"
        self.auth = (token_id, secret)

    def _kwargs(self, call: _Call[Any]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"auth": self.auth}
        if call.method == "POST":
            kwargs["json"] = call.fields
        return kwargs

    @staticmethod
    def _settle(call: _Call[T], response: httpx.Response) -> T:
        data = m.answer(response.status_code, response.content, response.headers.get("retry-after"))
        return call.parse(data)  # type: ignore[no-any-return]


class RestClient(_Base):
    """The REST API, blocking. `token` is the access token `id:secret`."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(base_url, token)
        self._http = http_client or httpx.Client(timeout=timeout, transport=transport)

    def _run(self, call: _Call[T]) -> T:
        try:
            response = self._http.request(call.method, self.url + call.path, **self._kwargs(call))
        except httpx.HTTPError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        return self._settle(call, response)

    def verify(
        self,
        number: str,
        method: m.Method | str = m.Method.SMS,
        *,
        sender: str | None = None,
        language: str | None = None,
        code_length: int | None = None,
        code_expiry: int | None = None,
        attempts: int | None = None,
        ip: str | None = None,
        callback_url: str | None = None,
    ) -> str:
        """Send a code to `number` by sms, voice or call; returns the requestId."""
        options = _verify_options(
            sender, language, code_length, code_expiry, attempts, ip, callback_url
        )
        return self._run(_verify(number, method, **options))

    def check(self, request_id: str, code: str) -> m.Verified:
        """Check a code: Verified, or WrongCodeError, CodeExpiredError, TooManyAttemptsError,
        UnknownRequestError (also for a verification already verified)."""
        fields = {"requestId": request_id, "code": code}
        return self._run(_Call("POST", "/verify/check", fields, m.verified))

    def info(self, request_id: str) -> m.VerificationInfo:
        fields = {"requestId": request_id}
        return self._run(_Call("POST", "/verify/info", fields, m.verification_info))

    def request(self, request_id: str) -> m.RequestInfo:
        """Any product's request, as 003's request info shows it."""
        return self._run(_Call("GET", f"/requests/{request_id}", {}, m.request_info))

    def set_goal(self, request_id: str, goal: str) -> m.RequestInfo:
        """Record a goal the request reached (NUMBER_VERIFIED, LINK_OPENED, ...)."""
        return self._run(_Call("POST", f"/requests/{request_id}", {"goal": goal}, m.request_info))

    def send_sms(
        self, number: str, text: str, *, sender: str | None = None, callback_url: str | None = None
    ) -> m.SmsSent:
        fields = _given(number=number, text=text, callbackUrl=callback_url, **{"from": sender})
        parse = lambda d: m.SmsSent(d["requestId"], int(d["parts"]), d["encoding"])  # noqa: E731
        return self._run(_Call("POST", "/sms", fields, parse))

    def flash_call(
        self,
        number: str,
        *,
        code: str | None = None,
        caller_id: str | None = None,
        callback_url: str | None = None,
    ) -> m.FlashCall:
        """A flash call; its caller id ends in `code` when given (003 `from`, `code`)."""
        fields = _given(number=number, code=code, callbackUrl=callback_url, **{"from": caller_id})
        parse = lambda d: m.FlashCall(d["requestId"], d["from"])  # noqa: E731
        return self._run(_Call("POST", "/calls/flash", fields, parse))

    def hlr(self, number: str) -> m.HlrResult:
        """An HLR lookup of `number` (charged; kept as an `insight.hlr` request)."""
        return self._run(_Call("POST", "/insight/hlr", {"number": number}, m.hlr))

    def fraud_check(self, number: str, ip: str | None = None) -> m.FraudCheck:
        """A fraud check of `number` (charged; kept as an `insight.fraudcheck` request)."""
        fields = _given(number=number, ip=ip)
        return self._run(_Call("POST", "/insight/fraudcheck", fields, m.fraud_check))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RestClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncRestClient(_Base):
    """The REST API, async; the same methods as RestClient."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(base_url, token)
        self._http = http_client or httpx.AsyncClient(timeout=timeout, transport=transport)

    async def _run(self, call: _Call[T]) -> T:
        try:
            response = await self._http.request(
                call.method, self.url + call.path, **self._kwargs(call)
            )
        except httpx.HTTPError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        return self._settle(call, response)

    async def verify(
        self,
        number: str,
        method: m.Method | str = m.Method.SMS,
        *,
        sender: str | None = None,
        language: str | None = None,
        code_length: int | None = None,
        code_expiry: int | None = None,
        attempts: int | None = None,
        ip: str | None = None,
        callback_url: str | None = None,
    ) -> str:
        options = _verify_options(
            sender, language, code_length, code_expiry, attempts, ip, callback_url
        )
        return await self._run(_verify(number, method, **options))

    async def check(self, request_id: str, code: str) -> m.Verified:
        fields = {"requestId": request_id, "code": code}
        return await self._run(_Call("POST", "/verify/check", fields, m.verified))

    async def info(self, request_id: str) -> m.VerificationInfo:
        fields = {"requestId": request_id}
        return await self._run(_Call("POST", "/verify/info", fields, m.verification_info))

    async def request(self, request_id: str) -> m.RequestInfo:
        return await self._run(_Call("GET", f"/requests/{request_id}", {}, m.request_info))

    async def set_goal(self, request_id: str, goal: str) -> m.RequestInfo:
        call: _Call[m.RequestInfo] = _Call(
            "POST", f"/requests/{request_id}", {"goal": goal}, m.request_info
        )
        return await self._run(call)

    async def send_sms(
        self, number: str, text: str, *, sender: str | None = None, callback_url: str | None = None
    ) -> m.SmsSent:
        fields = _given(number=number, text=text, callbackUrl=callback_url, **{"from": sender})
        parse = lambda d: m.SmsSent(d["requestId"], int(d["parts"]), d["encoding"])  # noqa: E731
        return await self._run(_Call("POST", "/sms", fields, parse))

    async def flash_call(
        self,
        number: str,
        *,
        code: str | None = None,
        caller_id: str | None = None,
        callback_url: str | None = None,
    ) -> m.FlashCall:
        fields = _given(number=number, code=code, callbackUrl=callback_url, **{"from": caller_id})
        parse = lambda d: m.FlashCall(d["requestId"], d["from"])  # noqa: E731
        return await self._run(_Call("POST", "/calls/flash", fields, parse))

    async def hlr(self, number: str) -> m.HlrResult:
        return await self._run(_Call("POST", "/insight/hlr", {"number": number}, m.hlr))

    async def fraud_check(self, number: str, ip: str | None = None) -> m.FraudCheck:
        fields = _given(number=number, ip=ip)
        return await self._run(_Call("POST", "/insight/fraudcheck", fields, m.fraud_check))

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncRestClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
