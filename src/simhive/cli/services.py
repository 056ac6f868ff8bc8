"""`simhive service`: services and their prices."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer
from rich.table import Table

from simhive.cli.common import amount, console, database, run
from simhive.kit.money import format_amount
from simhive.operations import services as ops

app = typer.Typer(help="Services and their prices.", no_args_is_help=True)


@app.command("set")
def service_set(
    name: str,
    price: Annotated[str | None, typer.Option(help="One-time price.")] = None,
    ltr_price: Annotated[str | None, typer.Option(help="30-day rental price.")] = None,
    ltr_short_price: Annotated[str | None, typer.Option(help="3-day rental price.")] = None,
    order_id: Annotated[int | None, typer.Option(help="Numeric id for the order API.")] = None,
    country: Annotated[
        str | None,
        typer.Option(help="NL or UK: --price is the price on that country's numbers."),
    ] = None,
    sender_pattern: Annotated[
        list[str] | None,
        typer.Option(help="Regular expression for the senders of its SMS (repeatable)."),
    ] = None,
    text_pattern: Annotated[
        list[str] | None,
        typer.Option(help="Regular expression for the text of its SMS (repeatable)."),
    ] = None,
    built_in_patterns: Annotated[
        bool,
        typer.Option("--built-in-patterns", help="Drop its own patterns for the built-in ones."),
    ] = False,
) -> None:
    """Create a service or change its prices and the patterns that recognise its SMS."""
    cleared: list[str] | None = [] if built_in_patterns else None
    info = run(
        lambda: ops.set_service(
            database(),
            name=name,
            price=amount(price) if price else None,
            ltr_price=amount(ltr_price) if ltr_price else None,
            ltr_short_price=amount(ltr_short_price) if ltr_short_price else None,
            order_id=order_id,
            sender_patterns=sender_pattern or cleared,
            text_patterns=text_pattern or cleared,
            country=country,
        )
    )
    console.print(
        f"{info.name}: {format_amount(info.price)} "
        f"(30 days {format_amount(info.ltr_price)}, 3 days {format_amount(info.ltr_short_price)})"
        f"{_abroad(info.country_prices)}"
        f"{f', order id {info.order_id}' if info.order_id else ''}",
        highlight=False,
    )
    origin = "built-in" if info.built_in_patterns else "own"
    console.print(
        f"  senders ({origin}): {' | '.join(info.sender_patterns) or '-'}\n"
        f"  texts ({origin}): {' | '.join(info.text_patterns) or '-'}",
        highlight=False,
        markup=False,
    )


def _abroad(prices: dict[str, Decimal]) -> str:
    shown = ", ".join(f"{country} {format_amount(price)}" for country, price in prices.items())
    return f"; {shown}" if shown else ""


@app.command("list")
def service_list() -> None:
    """List the services and their prices."""
    table = Table("name", "price", "by country", "30 days", "3 days", "order id")
    for s in ops.list_services(database()):
        table.add_row(
            s.name,
            format_amount(s.price),
            _abroad(s.country_prices).removeprefix("; "),
            format_amount(s.ltr_price),
            format_amount(s.ltr_short_price),
            str(s.order_id or ""),
        )
    console.print(table)
