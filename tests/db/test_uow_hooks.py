"""Hooks that run after a commit: the commit stands whatever they do."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from simhive.core.messages import service as messages
from simhive.core.messages.models import Message
from simhive.db.uow import Database


def test_a_failing_hook_after_a_commit_neither_raises_nor_stops_the_others(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    # inbound.receive stored an SMS a second time when a hook after its commit raised
    # (the worker it hands events to was stopping): the caller took it for a failure.
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("the worker is stopping")

    with caplog.at_level(logging.ERROR, logger="simhive.db.uow"), db.uow() as uow:
        messages.store_sms(
            uow,
            messages.Inbound(
                to="12125550100",
                sender="22000",
                text="hello",
                received_at=uow.clock.now(),
                gateway="test",
                gateway_ref=None,
            ),
        )
        uow.on_commit(broken)
        uow.on_commit(lambda: ran.append("after"))
    assert ran == ["after"]
    assert "the commit stands" in caplog.text
    with db.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count(Message.id))) == 1
