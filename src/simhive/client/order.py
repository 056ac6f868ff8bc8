"""Clients for the order API (`/api/...`, 002), sync and async, on httpx."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from types import TracebackType
from typing import Any, TypeVar

import httpx

from simhive.client import order_calls as calls
from simhive.client.errors import RequestEndedError, TransportError
from simhive.client.order_models import Contract, ContractDetails, ContractExtension, Order

T = TypeVar("T")


class _Base:
    def __init__(self, base_url: str, key: str, *, method: str = "GET") -> None:
        if not key:
            raise ValueError("give the account's API key")
        self.base = base_url.rstrip("/") + "/api/"
        self.key = key
        self.method = method.upper()

    def _request(self, call: calls.OrderCall[Any]) -> tuple[str, str, dict[str, Any]]:
        params = {"key": self.key, **call.params}
        method = "POST" if call.post else self.method
        kwargs = {"data": params} if method == "POST" else {"params": params}
        return method, self.base + call.path, kwargs


class OrderClient(_Base):
    """The order API, blocking. Errors are typed (see `simhive.client.errors`)."""

    def __init__(
        self,
        base_url: str,
        key: str,
        *,
        method: str = "GET",
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(base_url, key, method=method)
        self._http = http_client or httpx.Client(timeout=timeout, transport=transport)

    def _run(self, call: calls.OrderCall[T]) -> T:
        method, url, kwargs = self._request(call)
        try:
            response = self._http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        return calls.settle(call, response.status_code, response.content)

    def make_order(self, service_id: int | str, country: str = "NL") -> Order:
        """Order a number of `country` (USA, NL or UK) for the service with that id."""
        return self._run(calls.make_order(service_id, country))

    def get_sms(self, order_id: int | str) -> str | None:
        """The SMS text once it came, None while waiting; OrderExpiredError after the end."""
        return self._run(calls.get_sms(order_id))

    def wait_for_sms(
        self, order_id: int | str, *, timeout: float = 900, interval: float = 5
    ) -> str:
        """Poll until the order's SMS comes and return its text."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.get_sms(order_id)
            if text is not None:
                return text
            if time.monotonic() + interval > deadline:
                raise RequestEndedError(f"no SMS for order {order_id} in time", "waiting")
            time.sleep(interval)

    def cancel_order(self, order_id: int | str) -> None:
        """Cancel an open order (nothing is charged)."""
        self._run(calls.cancel_order(order_id))

    def skip_number(self, order_id: int | str) -> None:
        """Cancel an open order and never get its number for that service again."""
        self._run(calls.skip_number(order_id))

    def get_balance(self) -> Decimal:
        return self._run(calls.get_balance())

    def reuse(self, order_id: int | str) -> Order:
        """A new order on a completed order's number, for the same service (charged again)."""
        return self._run(calls.reuse(order_id))

    def rental_new(self, country: str, *, package: str = "1m", auto_renew: bool = True) -> Contract:
        """Rent a number of NL or UK for a package (1m, 3m, 6m, 1y), charged now."""
        return self._run(calls.rental_new(country, package, auto_renew))

    def rental_extend(self, contract_id: int | str, package: str = "1m") -> ContractExtension:
        """Add a package to a running contract; it also becomes the renewal package."""
        return self._run(calls.rental_extend(contract_id, package))

    def rental_edit(self, contract_id: int | str, *, auto_renew: bool) -> bool:
        """Turn renewal at expiry on or off; returns the setting as the server has it."""
        return self._run(calls.rental_edit(contract_id, auto_renew))

    def rental_view(self, contract_id: int | str) -> ContractDetails:
        return self._run(calls.rental_view(contract_id))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OrderClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


class AsyncOrderClient(_Base):
    """The order API, for asyncio."""

    def __init__(
        self,
        base_url: str,
        key: str,
        *,
        method: str = "GET",
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(base_url, key, method=method)
        self._http = http_client or httpx.AsyncClient(timeout=timeout, transport=transport)

    async def _run(self, call: calls.OrderCall[T]) -> T:
        method, url, kwargs = self._request(call)
        try:
            response = await self._http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        return calls.settle(call, response.status_code, response.content)

    async def make_order(self, service_id: int | str, country: str = "NL") -> Order:
        return await self._run(calls.make_order(service_id, country))

    async def get_sms(self, order_id: int | str) -> str | None:
        return await self._run(calls.get_sms(order_id))

    async def wait_for_sms(
        self, order_id: int | str, *, timeout: float = 900, interval: float = 5
    ) -> str:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            text = await self.get_sms(order_id)
            if text is not None:
                return text
            if loop.time() + interval > deadline:
                raise RequestEndedError(f"no SMS for order {order_id} in time", "waiting")
            await asyncio.sleep(interval)

    async def cancel_order(self, order_id: int | str) -> None:
        await self._run(calls.cancel_order(order_id))

    async def skip_number(self, order_id: int | str) -> None:
        await self._run(calls.skip_number(order_id))

    async def get_balance(self) -> Decimal:
        return await self._run(calls.get_balance())

    async def reuse(self, order_id: int | str) -> Order:
        return await self._run(calls.reuse(order_id))

    async def rental_new(
        self, country: str, *, package: str = "1m", auto_renew: bool = True
    ) -> Contract:
        return await self._run(calls.rental_new(country, package, auto_renew))

    async def rental_extend(self, contract_id: int | str, package: str = "1m") -> ContractExtension:
        return await self._run(calls.rental_extend(contract_id, package))

    async def rental_edit(self, contract_id: int | str, *, auto_renew: bool) -> bool:
        return await self._run(calls.rental_edit(contract_id, auto_renew))

    async def rental_view(self, contract_id: int | str) -> ContractDetails:
        return await self._run(calls.rental_view(contract_id))

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncOrderClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.aclose()
