"""`simhive events`: webhook deliveries (the outbox)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from simhive.cli.common import console, database, run
from simhive.core.events.models import EventStatus
from simhive.operations import events as ops

app = typer.Typer(help="Webhook deliveries (the outbox).", no_args_is_help=True)


@app.command("list")
def events_list(
    status: Annotated[EventStatus | None, typer.Option(help="Only events in this state.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
) -> None:
    """List webhook events, newest first."""
    table = Table("id", "event", "status", "attempts", "target", "last error")
    for e in ops.list_events(database(), status=status, limit=limit):
        table.add_row(
            str(e.id), e.event_type, e.status, str(e.attempts), e.target, e.last_error or ""
        )
    console.print(table)


@app.command("retry")
def events_retry(event_id: int) -> None:
    """Send an event again now (a failed one included)."""
    run(lambda: ops.retry_event(database(), event_id))
    console.print(f"event {event_id} queued")
