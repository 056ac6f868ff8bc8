"""`simhive admin-token`: bearer tokens for the admin API, each with its scopes."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from simhive.cli.common import console, database, os_user, run
from simhive.operations import operators as ops
from simhive.operations.operators import Scope

app = typer.Typer(help="Bearer tokens for the admin API.", no_args_is_help=True)

SCOPES = ", ".join(s.value for s in Scope)


@app.command("create")
def token_create(
    scope: Annotated[
        list[str] | None,
        typer.Option(help=f"A domain the token opens (repeat, or comma-separate): {SCOPES}."),
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Who or what uses it; the ledger records it.")
    ] = None,
) -> None:
    """Issue an admin token (every scope unless --scope); printed alone on the last line."""
    label = name or os_user()
    info, secret = run(
        lambda: ops.create_admin_token(database(), name=label, scopes=scope or ["all"])
    )
    console.print(f"admin token {info.id} ({info.name}): {', '.join(info.scopes)}")
    print(secret)


@app.command("list")
def token_list() -> None:
    """List admin tokens (never their secrets)."""
    table = Table("id", "name", "scopes", "starts with", "created (UTC)", "revoked (UTC)")
    for t in ops.list_admin_tokens(database()):
        table.add_row(
            str(t.id),
            t.name,
            ", ".join(t.scopes),
            t.prefix,
            t.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            t.revoked_at.strftime("%Y-%m-%d %H:%M:%S") if t.revoked_at else "",
        )
    console.print(table)


@app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Revoke an admin token: it stops working at once."""
    info = run(lambda: ops.revoke_admin_token(database(), token_id=token_id))
    console.print(f"revoked admin token {info.id} ({info.name})")
