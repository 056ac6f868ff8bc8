"""Clients for the command API (`/api_command.php`), sync and async, on httpx."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from decimal import Decimal
from types import TracebackType
from typing import Any, Literal, TypeVar, overload

import httpx

from simhive.client import calls
from simhive.client.errors import RequestEndedError, TransportError
from simhive.client.models import (
    Activation,
    ActivationStatus,
    Message,
    Rental,
    RentalReport,
    RentalState,
    ServiceInfo,
)

T = TypeVar("T")
ENDED = (ActivationStatus.REJECTED, ActivationStatus.TIMED_OUT)


class _Base:
    def __init__(
        self,
        base_url: str,
        user: str,
        api_key: str | None = None,
        *,
        password: str | None = None,
        method: str = "GET",
    ) -> None:
        if not (api_key or password):
            raise ValueError("give an api_key or a password")
        self.url = base_url.rstrip("/") + "/api_command.php"
        self.method = method.upper()
        self.auth = {
            "user": user,
            **({"api_key": api_key} if api_key else {"pass": password or ""}),
        }

    def _request_kwargs(self, call: calls.Call[Any]) -> dict[str, Any]:
        params = {**self.auth, **call.params}
        return {"params": params} if self.method == "GET" else {"data": params}


class CommandClient(_Base):
    """The command API, blocking."""

    def __init__(
        self,
        base_url: str,
        user: str,
        api_key: str | None = None,
        *,
        password: str | None = None,
        method: str = "GET",
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(base_url, user, api_key, password=password, method=method)
        self._http = http_client or httpx.Client(timeout=timeout, transport=transport)

    def _run(self, call: calls.Call[T]) -> T:
        try:
            response = self._http.request(self.method, self.url, **self._request_kwargs(call))
        except httpx.HTTPError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        return calls.settle(call, response.status_code, response.content)

    def request(
        self,
        service: str | Sequence[str],
        *,
        mdn: str | None = None,
        areacode: str | None = None,
        state: str | None = None,
        markup: int | None = None,
    ) -> list[Activation]:
        """Ask for a number for one service or several (up to 5)."""
        return self._run(
            calls.request(service, mdn=mdn, areacode=areacode, state=state, markup=markup)
        )

    def request_status(self, activation_id: str | int) -> Activation:
        return self._run(calls.request_status(activation_id))

    def reject(self, activation_id: str | int) -> str:
        return self._run(calls.reject(activation_id))

    def read_sms(
        self,
        *,
        id: str | int | None = None,  # noqa: A002 - the command API's own name
        ltr_id: str | int | None = None,
        mdn: str | None = None,
        service: str | None = None,
    ) -> list[Message]:
        """The latest messages (of a request, a rental and its renewals, or a number)."""
        return self._run(calls.read_sms(activation_id=id, ltr_id=ltr_id, mdn=mdn, service=service))

    def list_services(self, services: str | Sequence[str] | None = None) -> list[ServiceInfo]:
        return self._run(calls.list_services(services))

    def balance(self) -> Decimal:
        return self._run(calls.balance())

    def send_sms(self, mdn: str, to: str, text: str) -> str:
        """Answer `to`, who sent an SMS to `mdn` within 30 minutes; returns the server's words.

        The fee is charged once the gateway accepts the SMS. Raises MdnNotRentedError,
        NoRecentMessagesError, MdnOfflineError or InsufficientFundsError.
        """
        return self._run(calls.send_sms(mdn, to, text))

    def ltr_rent(
        self,
        service: str,
        *,
        duration: Literal[3, 30] = 30,
        mdn: str | None = None,
        areacode: str | None = None,
        state: str | None = None,
        reserve: bool = False,
        autorenew: bool = False,
    ) -> Rental:
        """Rent a number for 30 days (or 3); `mdn` of a rental of yours renews it.

        The price is debited at once. `reserve` (Unlimited only) books the next free number.
        """
        return self._run(
            calls.ltr_rent(
                service,
                duration=duration,
                mdn=mdn,
                areacode=areacode,
                state=state,
                reserve=reserve,
                autorenew=autorenew,
            )
        )

    @overload
    def ltr_autorenew(
        self,
        ltr_id: str | int | None = None,
        *,
        service: str | None = None,
        mdn: str | None = None,
        autorenew: None = None,
    ) -> bool: ...

    @overload
    def ltr_autorenew(
        self,
        ltr_id: str | int | None = None,
        *,
        service: str | None = None,
        mdn: str | None = None,
        autorenew: bool,
    ) -> None: ...

    def ltr_autorenew(
        self,
        ltr_id: str | int | None = None,
        *,
        service: str | None = None,
        mdn: str | None = None,
        autorenew: bool | None = None,
    ) -> bool | None:
        """Without `autorenew` the current setting; with it, set it (`ltr_id`, or service + mdn)."""
        if autorenew is None:
            return self._run(calls.ltr_autorenew_get(ltr_id, service=service, mdn=mdn))
        self._run(calls.ltr_autorenew_set(ltr_id, service=service, mdn=mdn, autorenew=autorenew))
        return None

    def ltr_status(self, ltr_id: str | int | None = None, *, mdn: str | None = None) -> RentalState:
        return self._run(calls.ltr_status(ltr_id, mdn=mdn))

    def ltr_activate(
        self, ltr_id: str | int | None = None, *, mdn: str | None = None
    ) -> RentalState:
        """Ask the number's gateway to bring it online; the state as it is now."""
        return self._run(calls.ltr_activate(ltr_id, mdn=mdn))

    def ltr_release(self, ltr_id: str | int | None = None, *, mdn: str | None = None) -> str:
        """End the rental now (no refund); returns the server's words."""
        return self._run(calls.ltr_release(ltr_id, mdn=mdn))

    def ltr_switch_service(self, ltr_id: str | int, service: str) -> Rental:
        """Make an Unlimited rental one service's."""
        return self._run(calls.ltr_switch_service(ltr_id, service))

    def ltr_forward(
        self, ltr_id: str | int | None = None, *, mdn: str | None = None, destination: str
    ) -> str:
        """Forward the number's calls; returns the destination as the server wrote it."""
        return self._run(calls.ltr_forward(ltr_id, mdn=mdn, destination=destination))

    def ltr_report(
        self, ltr_id: str | int | None = None, *, mdn: str | None = None, reason: str | None = None
    ) -> str:
        """Report a number that receives nothing; raises AlreadyReportedError while one is open."""
        return self._run(calls.ltr_report(ltr_id, mdn=mdn, reason=reason))

    def ltr_reported_status(
        self, ltr_id: str | int | None = None, *, mdn: str | None = None
    ) -> RentalReport:
        """The latest report; raises NotReportedError when there is none."""
        return self._run(calls.ltr_reported_status(ltr_id, mdn=mdn))

    def wait_for_sms(
        self, activation_id: str | int, *, timeout: float = 900, interval: float = 15
    ) -> Message:
        """Poll until the request is Completed and return its message."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.request_status(activation_id)
            if state.status == ActivationStatus.COMPLETED:
                return self.read_sms(id=activation_id)[0]
            if state.status in ENDED:
                raise RequestEndedError(f"request {activation_id} is {state.status}", state.status)
            if time.monotonic() + interval > deadline:
                raise RequestEndedError(f"no SMS for request {activation_id} in time", "waiting")
            time.sleep(interval)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CommandClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


class AsyncCommandClient(_Base):
    """The command API, for asyncio."""

    def __init__(
        self,
        base_url: str,
        user: str,
        api_key: str | None = None,
        *,
        password: str | None = None,
        method: str = "GET",
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(base_url, user, api_key, password=password, method=method)
        self._http = http_client or httpx.AsyncClient(timeout=timeout, transport=transport)

    async def _run(self, call: calls.Call[T]) -> T:
        try:
            response = await self._http.request(self.method, self.url, **self._request_kwargs(call))
        except httpx.HTTPError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        return calls.settle(call, response.status_code, response.content)

    async def request(
        self,
        service: str | Sequence[str],
        *,
        mdn: str | None = None,
        areacode: str | None = None,
        state: str | None = None,
        markup: int | None = None,
    ) -> list[Activation]:
        return await self._run(
            calls.request(service, mdn=mdn, areacode=areacode, state=state, markup=markup)
        )

    async def request_status(self, activation_id: str | int) -> Activation:
        return await self._run(calls.request_status(activation_id))

    async def reject(self, activation_id: str | int) -> str:
        return await self._run(calls.reject(activation_id))

    async def read_sms(
        self,
        *,
        id: str | int | None = None,  # noqa: A002
        ltr_id: str | int | None = None,
        mdn: str | None = None,
        service: str | None = None,
    ) -> list[Message]:
        return await self._run(
            calls.read_sms(activation_id=id, ltr_id=ltr_id, mdn=mdn, service=service)
        )

    async def list_services(self, services: str | Sequence[str] | None = None) -> list[ServiceInfo]:
        return await self._run(calls.list_services(services))

    async def balance(self) -> Decimal:
        return await self._run(calls.balance())

    async def send_sms(self, mdn: str, to: str, text: str) -> str:
        """Answer `to`, who sent an SMS to `mdn` within 30 minutes (see CommandClient)."""
        return await self._run(calls.send_sms(mdn, to, text))

    async def ltr_rent(
        self,
        service: str,
        *,
        duration: Literal[3, 30] = 30,
        mdn: str | None = None,
        areacode: str | None = None,
        state: str | None = None,
        reserve: bool = False,
        autorenew: bool = False,
    ) -> Rental:
        """Rent a number for 30 days (or 3); `mdn` of a rental of yours renews it.

        The price is debited at once. `reserve` (Unlimited only) books the next free number.
        """
        return await self._run(
            calls.ltr_rent(
                service,
                duration=duration,
                mdn=mdn,
                areacode=areacode,
                state=state,
                reserve=reserve,
                autorenew=autorenew,
            )
        )

    @overload
    async def ltr_autorenew(
        self,
        ltr_id: str | int | None = None,
        *,
        service: str | None = None,
        mdn: str | None = None,
        autorenew: None = None,
    ) -> bool: ...

    @overload
    async def ltr_autorenew(
        self,
        ltr_id: str | int | None = None,
        *,
        service: str | None = None,
        mdn: str | None = None,
        autorenew: bool,
    ) -> None: ...

    async def ltr_autorenew(
        self,
        ltr_id: str | int | None = None,
        *,
        service: str | None = None,
        mdn: str | None = None,
        autorenew: bool | None = None,
    ) -> bool | None:
        """Without `autorenew` the current setting; with it, set it (`ltr_id`, or service + mdn)."""
        if autorenew is None:
            return await self._run(calls.ltr_autorenew_get(ltr_id, service=service, mdn=mdn))
        await self._run(
            calls.ltr_autorenew_set(ltr_id, service=service, mdn=mdn, autorenew=autorenew)
        )
        return None

    async def ltr_status(
        self, ltr_id: str | int | None = None, *, mdn: str | None = None
    ) -> RentalState:
        return await self._run(calls.ltr_status(ltr_id, mdn=mdn))

    async def ltr_activate(
        self, ltr_id: str | int | None = None, *, mdn: str | None = None
    ) -> RentalState:
        """Ask the number's gateway to bring it online; the state as it is now."""
        return await self._run(calls.ltr_activate(ltr_id, mdn=mdn))

    async def ltr_release(self, ltr_id: str | int | None = None, *, mdn: str | None = None) -> str:
        """End the rental now (no refund); returns the server's words."""
        return await self._run(calls.ltr_release(ltr_id, mdn=mdn))

    async def ltr_switch_service(self, ltr_id: str | int, service: str) -> Rental:
        """Make an Unlimited rental one service's."""
        return await self._run(calls.ltr_switch_service(ltr_id, service))

    async def ltr_forward(
        self, ltr_id: str | int | None = None, *, mdn: str | None = None, destination: str
    ) -> str:
        """Forward the number's calls; returns the destination as the server wrote it."""
        return await self._run(calls.ltr_forward(ltr_id, mdn=mdn, destination=destination))

    async def ltr_report(
        self, ltr_id: str | int | None = None, *, mdn: str | None = None, reason: str | None = None
    ) -> str:
        """Report a number that receives nothing; raises AlreadyReportedError while one is open."""
        return await self._run(calls.ltr_report(ltr_id, mdn=mdn, reason=reason))

    async def ltr_reported_status(
        self, ltr_id: str | int | None = None, *, mdn: str | None = None
    ) -> RentalReport:
        """The latest report; raises NotReportedError when there is none."""
        return await self._run(calls.ltr_reported_status(ltr_id, mdn=mdn))

    async def wait_for_sms(
        self, activation_id: str | int, *, timeout: float = 900, interval: float = 15
    ) -> Message:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            state = await self.request_status(activation_id)
            if state.status == ActivationStatus.COMPLETED:
                return (await self.read_sms(id=activation_id))[0]
            if state.status in ENDED:
                raise RequestEndedError(f"request {activation_id} is {state.status}", state.status)
            if loop.time() + interval > deadline:
                raise RequestEndedError(f"no SMS for request {activation_id} in time", "waiting")
            await asyncio.sleep(interval)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncCommandClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.aclose()
