"""`simhive calls`: calls placed for REST requests, as the simulated handsets saw them."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from simhive.cli.common import console, database, run
from simhive.operations import calls as ops

app = typer.Typer(help="Calls placed for REST requests (flash and voice).", no_args_is_help=True)


@app.command("list")
def calls_list(
    to: Annotated[str | None, typer.Option(help="Only calls to this number.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """List calls newest first: caller id (a flash call's code is its last digits), status."""
    table = Table("id", "created", "account", "kind", "caller id", "to", "status", "sip",
                  "billable", "duration", "script")  # fmt: skip
    for c in run(lambda: ops.list_calls(database(), to=to, limit=limit)):
        table.add_row(
            str(c.id),
            f"{c.created_at:%Y-%m-%d %H:%M:%S}",
            c.account,
            c.kind,
            c.caller_id,
            c.to,
            c.status,
            "" if c.sip_status is None else str(c.sip_status),
            "yes" if c.billable else "no",
            f"{c.duration_s} s",
            c.script or "",
        )
    console.print(table, highlight=False, markup=False)
