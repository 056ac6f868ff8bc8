"""`simhive clock`: the sandbox clock that every process on the database runs on."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from simhive.cli.common import console, database, run
from simhive.kit.clock import format_duration
from simhive.operations import clock as ops
from simhive.operations.clock import ClockInfo

app = typer.Typer(
    help="The sandbox clock: move time forward for every process (needs SIMHIVE_SANDBOX=1).",
    no_args_is_help=True,
)


def _time(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")


def _show(info: ClockInfo) -> None:
    console.print(f"sandbox time  {_time(info.now)}", highlight=False)
    console.print(
        f"offset        {format_duration(info.offset_s)} ({info.offset_s} s)", highlight=False
    )
    console.print(f"wall time     {_time(info.wall)}", highlight=False)


@app.command("show")
def clock_show() -> None:
    """Show the sandbox time, how far ahead of the wall clock it runs, and the wall time."""
    _show(run(lambda: ops.show_clock(database())))


# `-3d` reaches the duration parser, which says why it is refused, instead of reading as an option.
@app.command("advance", context_settings={"ignore_unknown_options": True})
def clock_advance(
    duration: Annotated[
        str, typer.Argument(metavar="DURATION", help="How far: 90s, 45m, 3d, 1h30m (up to 366d).")
    ],
) -> None:
    """Move the sandbox clock forward; running servers and workers follow within a second."""
    info = run(lambda: ops.advance_clock(database(), by=duration))
    _show(info)
