"""`simhive sms`: hand in an inbound SMS as a gateway would."""

from __future__ import annotations

from typing import Annotated

import typer

from simhive.cli.common import console, database, run
from simhive.operations import messages as ops

app = typer.Typer(help="Inbound SMS.", no_args_is_help=True)


@app.command("inject")
def sms_inject(
    to: Annotated[str, typer.Option(help="The receiving MDN.")],
    sender: Annotated[str, typer.Option("--from", help="The sending number or name.")],
    text: Annotated[str, typer.Option(help="The message.")],
) -> None:
    """Deliver an inbound SMS as a gateway would: stored, routed, its PIN extracted."""
    info = run(lambda: ops.inject_sms(database(), to=to, sender=sender, text=text))
    if info is None:
        console.print("stored before: nothing new")
        return
    pin = info.pin or "none found"
    if info.activation_id is None:
        console.print(
            f"stored as message {info.message_id} ({info.status}): "
            f"no open request on that number; PIN {pin}",
            highlight=False,
        )
    else:
        console.print(
            f"stored as message {info.message_id}, completed request "
            f"{info.activation_id} ({info.service}); PIN {pin}",
            highlight=False,
        )
