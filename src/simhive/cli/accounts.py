"""`simhive account`: customer and admin accounts, their keys and money."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from simhive.cli.common import amount, console, database, fail, operator, run
from simhive.core.accounts.models import StatusShape
from simhive.kit.money import format_amount
from simhive.operations import accounts as ops
from simhive.operations.accounts import AccountInfo

app = typer.Typer(help="Customer and admin accounts.", no_args_is_help=True)


def _account_table(info: AccountInfo) -> Table:
    table = Table(show_header=False, box=None)
    for key, value in (
        ("user", info.username),
        ("email", info.email),
        ("role", info.role),
        ("active", "yes" if info.active else "no"),
        ("balance", format_amount(info.balance)),
        ("available", format_amount(info.available)),
        ("webhook", info.webhook_url or "-"),
        ("webhook secret", info.webhook_secret),
        ("inbound SMS URL", info.inbound_url or "-"),
        ("request_status shape", info.status_shape),
    ):
        table.add_row(key, value)
    return table


@app.command("create")
def account_create(
    name: str,
    email: Annotated[str, typer.Option(help="Email address (also accepted as `user`).")],
    password: Annotated[str, typer.Option(help="Password, 8 characters or more.")],
    admin: Annotated[bool, typer.Option("--admin", help="Give admin rights.")] = False,
) -> None:
    """Create an account; its API key is printed alone on the last line."""
    info, key = run(
        lambda: ops.create_account(
            database(), username=name, email=email, password=password, admin=admin
        )
    )
    console.print(_account_table(info))
    print(key)


@app.command("show")
def account_show(name: str) -> None:
    """Show an account, its balance and its webhook settings."""
    console.print(_account_table(run(lambda: ops.account_info(database(), name))))


@app.command("credit")
def account_credit(
    name: str,
    value: Annotated[str, typer.Argument(metavar="AMOUNT", help="Like 25 or 25.50.")],
) -> None:
    """Add funds to an account (a negative amount takes them away)."""
    money = amount(value)
    if money == 0:
        fail("the amount must not be zero")
    info = run(lambda: ops.credit(database(), name=name, amount=money, made_by=operator()))
    console.print(
        f"{info.username}: balance {format_amount(info.balance)}, "
        f"available {format_amount(info.available)}"
    )


@app.command("ledger")
def account_ledger(name: str, limit: Annotated[int, typer.Option(min=1)] = 100) -> None:
    """List an account's ledger entries, newest first, with who made each credit."""
    table = Table("id", "when (UTC)", "kind", "amount", "reference", "memo", "made by")
    for e in run(lambda: ops.ledger_entries(database(), name=name, limit=limit)):
        table.add_row(
            str(e.id),
            e.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            e.kind,
            format_amount(e.amount),
            e.reference or "",
            e.memo or "",
            e.made_by or "",
        )
    console.print(table)


@app.command("check-ledger")
def account_check_ledger() -> None:
    """Check that every account's balance is the sum of its ledger entries."""
    found = run(lambda: ops.check_ledger(database()))
    for u in found:
        console.print(
            f"{u.username}: balance {format_amount(u.kept)}, "
            f"entries sum to {format_amount(u.summed)}"
        )
    if found:
        fail(f"{len(found)} account(s) whose balance is not the sum of their entries")
    console.print("every balance is the sum of its entries")


@app.command("set")
def account_set(
    name: str,
    webhook_url: Annotated[str | None, typer.Option(help="Where webhooks go.")] = None,
    no_webhook: Annotated[bool, typer.Option("--no-webhook", help="Stop webhooks.")] = False,
    inbound_url: Annotated[
        str | None,
        typer.Option(help="Where SMS to rented numbers go as JSON (the REST API's inbound SMS)."),
    ] = None,
    no_inbound_url: Annotated[
        bool, typer.Option("--no-inbound-url", help="Stop inbound SMS posts.")
    ] = False,
    status_shape: Annotated[
        StatusShape | None, typer.Option(help="request_status as an array or a bare object.")
    ] = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive")] = None,
) -> None:
    """Change an account's webhook URL, inbound SMS URL, request_status shape or active flag."""
    info = run(
        lambda: ops.set_account(
            database(),
            name=name,
            webhook_url=webhook_url,
            clear_webhook=no_webhook,
            inbound_url=inbound_url,
            clear_inbound=no_inbound_url,
            status_shape=status_shape,
            active=active,
        )
    )
    console.print(_account_table(info))


@app.command("key")
def account_key(name: str) -> None:
    """Issue another API key; printed alone on the last line."""
    print(run(lambda: ops.issue_key(database(), name=name)))


@app.command("revoke-key")
def account_revoke_key(
    name: str,
    prefix: Annotated[str, typer.Argument(help="The key, or its first 8 characters.")],
) -> None:
    """Revoke an API key: it stops working at once."""
    count = run(lambda: ops.revoke_key(database(), name=name, prefix=prefix))
    console.print(f"revoked {count} key{'s' if count != 1 else ''} of {name}")
