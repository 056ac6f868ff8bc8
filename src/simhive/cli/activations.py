"""`simhive activations`: one-time requests of every API (command requests, order API orders)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from simhive.cli.common import console, database, run
from simhive.kit.money import format_amount
from simhive.operations import activations as ops

app = typer.Typer(help="One-time requests of every API.", no_args_is_help=True)


@app.command("list")
def activations_list(
    api: Annotated[
        str | None, typer.Option(help="Only those of one API: command or order.")
    ] = None,
    account: Annotated[str | None, typer.Option(help="Only one account's (user name).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
) -> None:
    """List requests, newest first, with the API each came through."""
    table = Table("id", "api", "account", "service", "mdn", "country", "status", "price", "created")
    for a in run(lambda: ops.list_activations(database(), api=api, account=account, limit=limit)):
        table.add_row(
            str(a.id),
            a.api,
            a.account,
            a.service,
            a.mdn or "-",
            a.country or "-",
            a.status,
            format_amount(a.price),
            a.created_at.isoformat(timespec="seconds"),
        )
    console.print(table, highlight=False)
