"""`simhive token`: the REST API's access tokens (`id:secret`, HTTP Basic)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from simhive.cli.common import console, database, run
from simhive.operations import tokens as ops

app = typer.Typer(help="REST API access tokens (id:secret).", no_args_is_help=True)


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""  # type: ignore[attr-defined]


@app.command("create")
def token_create(account: Annotated[str, typer.Argument(metavar="ACCOUNT")]) -> None:
    """Issue an access token for an account; `id:secret` is printed alone on the last line."""
    info, credential = run(lambda: ops.create_token(database(), account=account))
    console.print(f"access token {info.id} for {info.account} (the secret is shown this once)")
    print(credential)


@app.command("list")
def token_list(account: Annotated[str, typer.Argument(metavar="ACCOUNT")]) -> None:
    """List an account's access tokens (never their secrets)."""
    table = Table("id", "account", "created (UTC)", "status", "disabled (UTC)")
    for t in run(lambda: ops.list_tokens(database(), account=account)):
        status = "active" if t.active else "disabled"
        table.add_row(t.id, t.account, _when(t.created_at), status, _when(t.disabled_at))
    console.print(table, highlight=False)


@app.command("disable")
def token_disable(token_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Disable an access token: requests with it answer "Inactive token" from now on."""
    info = run(lambda: ops.disable_token(database(), token_id=token_id))
    console.print(f"disabled access token {info.id} of {info.account}", highlight=False)
