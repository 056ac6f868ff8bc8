"""Request bodies read under a bound, for every API that takes one.

A body past its bound is refused once the bound is passed: by its declared
`Content-Length` before a byte is read, or while it streams in. The server never
holds more than the bound of one request in memory, and never spends parsing time
on a body it would refuse anyway.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request


class TooLarge(Exception):
    """The body is longer than the bound."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than {limit} bytes")
        self.limit = limit


async def read(request: Request, limit: int) -> bytes:
    """The whole body, or `TooLarge` as soon as it is known to pass `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge(limit)
    return bytes(body)


async def form(request: Request, body: bytes, **limits: int) -> FormData:
    """A body `read` already, parsed as the request's form (no files; `limits` are the
    form parser's: `max_fields`, `max_part_size`)."""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return await Request(request.scope, receive).form(max_files=0, **limits)
