"""Webhook endpoints cannot hand each other cookies through the worker's shared client."""

from __future__ import annotations

from simhive.core.events import service as events
from simhive.kit.clock import FrozenClock
from simhive.worker import delivery
from tests.fixtures.servers import webhook_receiver


def test_a_cookie_one_endpoint_sets_is_never_sent_to_the_next() -> None:
    # Two customers whose webhooks go to one relay host, which sets a cookie on every
    # answer: none may reach the other (nor come back: deliveries carry no state).
    with (
        webhook_receiver() as hook,
        delivery.webhook_client(attempt_s=5, allow_private=True) as client,
    ):
        hook.set_cookie = "session=of-the-relay; Path=/"
        for n, who in enumerate(["alice", "bob", "alice", "bob"]):
            outcome = delivery.deliver(
                client,
                events.ClaimedEvent(
                    id=n,
                    public_id=f"msg_{n}",
                    kind="webhook",
                    event_type="incoming_message",
                    target=f"{hook.url}/{who}",
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
        received = hook.wait_for(4)
    assert [r.path for r in received] == ["/hook/alice", "/hook/bob", "/hook/alice", "/hook/bob"]
    assert [r.headers.get("cookie") for r in received] == [None, None, None, None]
