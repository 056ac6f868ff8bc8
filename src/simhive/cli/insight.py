"""`simhive hlr` and `simhive fraud`: what a number is, and whether to trust it."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from simhive.cli.common import console, database, operator, run
from simhive.operations import insight as ops

fraud_app = typer.Typer(
    help="The fraud check: blocked prefixes and verdicts.", no_args_is_help=True
)


def _known(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def hlr(number: Annotated[str, typer.Argument(help="E.164, with or without +.")]) -> None:
    """Look a number up: country, network, MCC/MNC, type; ported and roaming when known."""
    r = run(lambda: ops.hlr_lookup(database(), number))
    table = Table(show_header=False, box=None)
    for key, value in (
        ("number", r.number),
        ("status", r.status.value),
        ("country", r.country or "-"),
        ("network", r.network or "-"),
        ("mccmnc", r.mccmnc or "-"),
        ("type", r.number_type.value),
        ("ported", _known(r.ported)),
        ("roaming", _known(r.roaming)),
        ("reachable", _known(r.reachable)),
        ("in inventory", "yes" if r.in_inventory else "no"),
    ):
        table.add_row(key, value)
    console.print(table)


@fraud_app.command("block")
def fraud_block(
    prefix: Annotated[str, typer.Argument(help="Digits of E.164 numbers, like +4477009.")],
    reason: Annotated[str, typer.Option(help="Why; shown in every verdict it causes.")] = "",
) -> None:
    """Block a number prefix: numbers under it are FRAUDULENT (verify refuses them)."""
    b = run(lambda: ops.block_prefix(database(), prefix=prefix, reason=reason, made_by=operator()))
    console.print(f"blocked {b.prefix}" + (f" ({b.reason})" if b.reason else ""))


@fraud_app.command("unblock")
def fraud_unblock(prefix: str) -> None:
    """Lift a block."""
    b = run(lambda: ops.unblock_prefix(database(), prefix=prefix))
    console.print(f"unblocked {b.prefix}")


@fraud_app.command("list")
def fraud_list() -> None:
    """Every blocked prefix."""
    table = Table("prefix", "reason", "by", "since (UTC)")
    for b in run(lambda: ops.list_blocks(database())):
        table.add_row(b.prefix, b.reason, b.created_by, b.created_at.strftime("%Y-%m-%d %H:%M:%S"))
    console.print(table)


@fraud_app.command("check")
def fraud_check(
    number: str,
    account: Annotated[
        str | None, typer.Option(help="Judge with this account's recent attempts.")
    ] = None,
    ip: Annotated[str | None, typer.Option(help="The end user's address.")] = None,
) -> None:
    """The verdict a verification of NUMBER would get now; records nothing."""
    v = run(lambda: ops.fraud_check(database(), number, account=account, ip=ip))
    console.print(f"{v.number}: {v.status.value.upper()}, mobile prefix: {_known(v.mobile_prefix)}")
    for reason in v.reasons:
        console.print(f"  {reason}", highlight=False)
