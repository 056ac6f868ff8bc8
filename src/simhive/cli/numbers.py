"""`simhive numbers`: simulated numbers, CSV imports, online and offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Column, Table

from simhive.cli.common import console, database, errors, fail, run
from simhive.operations import numbers as ops

app = typer.Typer(help="Phone numbers.", no_args_is_help=True)


@app.command("add")
def numbers_add(
    count: Annotated[int, typer.Option(help="How many simulated numbers.")],
    country: Annotated[str, typer.Option(help="US, NL or UK.")] = "US",
    state: Annotated[str | None, typer.Option(help="Two-letter US state.")] = None,
    areacode: Annotated[str | None, typer.Option(help="Three-digit area code.")] = None,
    no_short: Annotated[
        bool, typer.Option("--no-short", help="Numbers that cannot do 3-day rentals.")
    ] = False,
) -> None:
    """Add simulated numbers: US ones with realistic area codes, states and carriers; NL and
    UK ones in those countries' mobile ranges."""
    added = run(
        lambda: ops.add_simulated_numbers(
            database(),
            count=count,
            state=state,
            area_code=areacode,
            short_rentals=not no_short,
            country=country,
        )
    )
    console.print(f"added {len(added)} numbers")
    for n in added[:20]:
        console.print(f"  {n.mdn}  {n.country}  {n.state or '-'}  {n.carrier}", highlight=False)


@app.command("import")
def numbers_import(path: Path) -> None:
    """Import numbers from CSV: mdn, carrier, state, area_code, gateway, online, country.

    A row without a gateway takes SIMHIVE_DEFAULT_GATEWAY, or is refused; a row without a
    country is a US number.
    """
    if not path.is_file():
        fail(f"no such file: {path}")
    result = run(lambda: ops.import_numbers(database(), path))
    console.print(
        f"added {result.added}, already present {result.duplicates}, refused {len(result.errors)}"
    )
    for line in result.errors:
        errors.print(f"  {line}", highlight=False)
    if result.errors:
        raise typer.Exit(1)


@app.command("online")
def numbers_online(mdn: str) -> None:
    """Bring a number online (waiting bids get it first); on a gateway with slots it queues
    for one."""
    info = run(lambda: ops.set_number_online(database(), mdn=mdn, online=True))
    if info.online:
        console.print(f"{info.mdn} online")
    else:
        console.print(f"{info.mdn} waits for a slot of gateway {info.gateway}", highlight=False)


@app.command("offline")
def numbers_offline(mdn: str) -> None:
    """Hold a number offline (not offered, and out of SIM rotation, until it is back)."""
    info = run(lambda: ops.set_number_online(database(), mdn=mdn, online=False))
    console.print(f"{info.mdn} offline")


@app.command("list")
def numbers_list(limit: Annotated[int, typer.Option(min=1)] = 100) -> None:
    """List numbers."""
    # The number is what an operator looks for: it is never folded or cut.
    table = Table(
        Column("mdn", no_wrap=True, min_width=11),
        "country",
        "state",
        "area",
        "carrier",
        Column("gateway", no_wrap=True),
        "online",
        "until",
        "in use",
    )
    for n in ops.list_numbers(database(), limit=limit):
        table.add_row(
            n.mdn,
            n.country,
            n.state,
            n.area_code,
            n.carrier,
            n.gateway,
            "yes" if n.online else ("held" if n.held else "no"),
            n.online_until.strftime("%Y-%m-%d %H:%M:%S") if n.online_until else "",
            "yes" if n.leased else "",
        )
    console.print(table)
