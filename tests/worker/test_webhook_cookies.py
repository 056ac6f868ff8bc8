"""Webhook endpoints cannot hand each other cookies through the worker's shared client."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from simhive.core.events import service as events
from simhive.kit.clock import FrozenClock
from simhive.worker import delivery


class CookieSetter(ThreadingHTTPServer):
    """Answers 200 with a cookie, as a customer's endpoint may; notes the cookies sent."""

    def __init__(self) -> None:
        self.sent: list[str | None] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("content-length", 0)))
                server.sent.append(self.headers.get("cookie"))
                self.send_response(200)
                self.send_header("set-cookie", f"session=of-{self.path.strip('/')}; Path=/")
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture
def endpoint() -> Iterator[CookieSetter]:
    server = CookieSetter()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_a_cookie_one_endpoint_sets_is_never_sent_to_the_next(endpoint: CookieSetter) -> None:
    # Two customers whose webhooks go to one relay host: each sets a cookie; none may
    # reach the other (nor come back to the one that set it: deliveries carry no state).
    base = f"http://127.0.0.1:{endpoint.server_address[1]}"
    with delivery.webhook_client(attempt_s=5, allow_private=True) as client:
        for n, who in enumerate(["alice", "bob", "alice", "bob"]):
            outcome = delivery.deliver(
                client,
                events.ClaimedEvent(
                    id=n,
                    public_id=f"msg_{n}",
                    kind="webhook",
                    event_type="incoming_message",
                    target=f"{base}/{who}",
                    payload={"event": "incoming_message"},
                    attempt=1,
                    secret=None,
                    token="t",
                ),
                now=FrozenClock().now(),
                allow_private=True,
                attempt_s=5,
            )
            assert outcome.ok, outcome
        assert not client.cookies
    assert endpoint.sent == [None, None, None, None]
