"""Deliver one webhook: form-encoded POST, signed, only HTTP 200 counts, no redirects.

Two things protect the worker from the endpoints it calls:

- the host is resolved once, every address is vetted (`core.events.targets`),
  and the connection goes to the vetted address, while the `Host` header and
  TLS (SNI and the certificate check) keep the host name; a second lookup by
  the HTTP client would let DNS rebinding reach private addresses;
- an attempt has one deadline for everything (connect, TLS, send, answer),
  not a timeout per read, so an endpoint that trickles bytes cannot hold a
  delivery thread for longer than `webhook_timeout_s`.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any
from urllib.parse import urlencode

import httpcore
import httpx
from standardwebhooks.webhooks import Webhook

from simhive.core.events.service import ClaimedEvent
from simhive.core.events.targets import Resolver, addresses_problem, url_problem

# How much of an answer's body is read; the status line is what counts.
ANSWER_LIMIT = 64 * 1024


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str | None = None
    duration_ms: int = 0


class TargetRefused(httpcore.ConnectError):
    """The host resolved to an address a webhook may not reach."""


def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses from the operating system's resolver, in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# The deadline of the attempt running in this thread (`deliver` sets it): a kept-alive
# connection serves several attempts, each under its own deadline.
_attempt_deadline: ContextVar[float | None] = ContextVar("attempt_deadline", default=None)


def _deadline(fallback: float) -> float:
    current = _attempt_deadline.get()
    return fallback if current is None else current


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose reads and writes all end by the attempt's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: float) -> None:
        self._inner = inner
        self._deadline = deadline

    def _left(self, timeout: float | None, error: type[Exception]) -> float:
        left = _deadline(self._deadline) - time.monotonic()
        if left <= 0:
            raise error("the attempt's deadline passed")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = self._left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, left), self._deadline
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class VettedBackend(httpcore.NetworkBackend):
    """Resolve once, refuse if any address is not allowed, connect to a vetted address."""

    def __init__(
        self,
        *,
        attempt_s: float,
        allow_private: bool,
        resolve: Resolver = system_resolver,
        inner: httpcore.NetworkBackend | None = None,
    ) -> None:
        self._attempt_s = attempt_s
        self._allow_private = allow_private
        self._resolve = resolve
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        deadline = _deadline(time.monotonic() + self._attempt_s)
        try:
            addresses = self._resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"the host {host} does not resolve") from exc
        problem = addresses_problem(host, addresses, allow_private=self._allow_private)
        if problem is not None:
            raise TargetRefused(problem)
        failure: Exception = httpcore.ConnectError(f"the host {host} does not resolve")
        for address in addresses:
            left = deadline - time.monotonic()
            if left <= 0:
                raise httpcore.ConnectTimeout("the attempt's deadline passed")
            try:
                stream = self._inner.connect_tcp(
                    address,
                    port,
                    left if timeout is None else min(timeout, left),
                    local_address,
                    socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return _DeadlineStream(stream, deadline)
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise TargetRefused("a webhook never goes to a unix socket")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


KEEPALIVE_CONNECTIONS = 32
KEEPALIVE_S = 5.0


class _VettedTransport(httpx.HTTPTransport):
    def __init__(self, backend: httpcore.NetworkBackend, verify: ssl.SSLContext | bool) -> None:
        super().__init__(trust_env=False)
        # httpx takes no network backend, so its pool is replaced with one that uses ours.
        # A connection is vetted when it opens and kept alive a few seconds: a connection
        # stays with the address it was opened to, so reuse cannot be rebound, and each
        # attempt on it runs under its own deadline.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=None,  # the delivery threads are the bound
            max_keepalive_connections=KEEPALIVE_CONNECTIONS,
            keepalive_expiry=KEEPALIVE_S,
            network_backend=backend,
        )


def webhook_client(
    *,
    attempt_s: float,
    allow_private: bool,
    resolve: Resolver = system_resolver,
    network: httpcore.NetworkBackend | None = None,
    verify: ssl.SSLContext | bool = True,
) -> httpx.Client:
    """The HTTP client deliveries use: vetted addresses, one deadline per attempt, and
    no cookies kept (every customer's deliveries share it: a cookie one endpoint set
    would go to every endpoint on that host)."""
    backend = VettedBackend(
        attempt_s=attempt_s, allow_private=allow_private, resolve=resolve, inner=network
    )
    return httpx.Client(
        transport=_VettedTransport(backend, verify),
        follow_redirects=False,
        timeout=attempt_s,
        trust_env=False,
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
    )


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Body:
    """What an attempt posts: the event's payload as a form (`content` None), or bytes.

    Answers taken: 200 only for the command API's webhooks, any 2xx for JSON ones
    (003: "you must send a 2xx response").
    """

    content: bytes | None = None
    content_type: str = FORM
    any_2xx: bool = False


def json_body(content: bytes) -> Body:
    """A JSON body; any 2xx answer counts."""
    return Body(content, JSON, any_2xx=True)


FORM_BODY = Body()


def signed_request(
    event: ClaimedEvent, *, now: datetime, body: Body = FORM_BODY
) -> tuple[bytes, dict[str, str]]:
    """The exact body and the Standard Webhooks headers for an event."""
    text = urlencode(event.payload) if body.content is None else body.content.decode()
    headers = {
        "content-type": body.content_type,
        "user-agent": "simhive-webhooks/1",
        "webhook-id": event.public_id,
        "webhook-timestamp": str(int(now.timestamp())),
    }
    if event.secret:
        headers["webhook-signature"] = Webhook(event.secret).sign(event.public_id, now, text)
    return text.encode(), headers


def deliver(
    client: httpx.Client,
    event: ClaimedEvent,
    *,
    now: datetime,
    allow_private: bool,
    attempt_s: float,
    body: Body = FORM_BODY,
) -> Outcome:
    """One attempt; an answer `body` does not take (never a redirect) fails."""
    problem = url_problem(event.target, allow_private=allow_private)
    if problem is not None:
        return Outcome(ok=False, error=f"refused: {problem}")
    content, headers = signed_request(event, now=now, body=body)
    started = time.perf_counter()
    token = _attempt_deadline.set(time.monotonic() + attempt_s)
    try:
        with client.stream("POST", event.target, content=content, headers=headers) as response:
            read = 0
            for chunk in response.iter_raw():
                read += len(chunk)
                if read >= ANSWER_LIMIT:
                    break
            status = response.status_code
    except httpx.HTTPError as exc:
        elapsed = int((time.perf_counter() - started) * 1000)
        return Outcome(ok=False, error=_describe(exc, attempt_s), duration_ms=elapsed)
    finally:
        _attempt_deadline.reset(token)
    elapsed = int((time.perf_counter() - started) * 1000)
    if status == 200 or (body.any_2xx and 200 <= status < 300):
        return Outcome(ok=True, status_code=status, duration_ms=elapsed)
    return Outcome(ok=False, status_code=status, error=f"HTTP {status}", duration_ms=elapsed)


def _describe(exc: httpx.HTTPError, attempt_s: float) -> str:
    if isinstance(exc.__cause__, TargetRefused):
        return f"refused: {exc}"
    if isinstance(exc, httpx.TimeoutException):
        return f"{type(exc).__name__}: no complete answer within {attempt_s:g} s"
    return f"{type(exc).__name__}: {exc}"
