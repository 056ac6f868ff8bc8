"""`simhive rotation`: SIM banks' modem slots, and numbers taking turns in them."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from simhive.cli.common import console, database, operator, run
from simhive.kit.clock import format_duration
from simhive.operations import rotation as ops
from simhive.operations.rotation import SlotsView

app = typer.Typer(
    help="SIM rotation: a gateway with fewer modem slots than SIMs puts its numbers online "
    "in turns.",
    no_args_is_help=True,
)


def _show(view: SlotsView) -> None:
    window = format_duration(view.window_s) + ("" if view.own_window else " (default)")
    console.print(
        f"{view.gateway}: {view.slots} slots, {window} windows; {view.online} online, "
        f"{view.waiting} waiting, {view.held} held, {view.requests} requests",
        highlight=False,
    )


@app.command("set")
def rotation_set(
    gateway: Annotated[str, typer.Argument(help="The gateway whose numbers share the slots.")],
    slots: Annotated[int, typer.Option(help="How many of its numbers are online at once.")],
    window: Annotated[
        str | None,
        typer.Option(
            help="How long each stays online: 30m, 1h, 2h30m; `default` for "
            "SIMHIVE_ROTATION_WINDOW_S. Omitted: the gateway keeps its window."
        ),
    ] = None,
) -> None:
    """Set a gateway's slots; numbers move into and out of them at once."""
    made_by = operator()
    view = run(
        lambda: ops.set_slots(
            database(), gateway=gateway, slots=slots, window=window, made_by=made_by
        )
    )
    _show(view)


@app.command("off")
def rotation_off(gateway: str) -> None:
    """Forget a gateway's slots: every number of it not held offline comes online."""
    count = run(lambda: ops.remove_slots(database(), gateway=gateway))
    console.print(f"{gateway}: no slots; numbers that came online: {count}", highlight=False)


@app.command("list")
def rotation_list() -> None:
    """Gateways with slots, and how their numbers stand."""
    table = Table("gateway", "slots", "window", "online", "waiting", "held", "requests", "set by")
    for v in ops.list_slots(database()):
        table.add_row(
            v.gateway,
            str(v.slots),
            format_duration(v.window_s) + ("" if v.own_window else " (default)"),
            str(v.online),
            str(v.waiting),
            str(v.held),
            str(v.requests),
            v.set_by,
        )
    console.print(table)
