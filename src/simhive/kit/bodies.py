"""Request bodies read under a bound, for every API that takes one.

A body past its bound is refused once the bound is passed: by its declared
`Content-Length` before a byte is read, or while it streams in. The server never
holds more than the bound of one request in memory, and never spends parsing time
on a body it would refuse anyway.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable, Mapping
from typing import Any


class TooLarge(Exception):
    """The body is longer than the bound."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than {limit} bytes")
        self.limit = limit


async def read(headers: Mapping[str, str], chunks: AsyncIterable[bytes], limit: int) -> bytes:
    """The whole body, or `TooLarge` as soon as it is known to pass `limit` bytes."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(limit)
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise TooLarge(limit)
    return bytes(body)


def replay(body: bytes) -> Callable[[], Awaitable[dict[str, Any]]]:
    """An ASGI `receive` that gives `body` again, for a parser that reads the stream."""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
