"""`simhive sms`: hand in an inbound SMS as a gateway would; list inbound and outgoing SMS."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from simhive.cli.common import console, database, run
from simhive.operations import messages as ops

app = typer.Typer(help="Inbound and outgoing SMS.", no_args_is_help=True)

# Texts are cut to this many characters in a table row.
TEXT_SHOWN = 40


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
    if info.rental_id is not None:
        console.print(
            f"stored as message {info.message_id}, delivered to rental {info.rental_id} "
            f"({info.service}); PIN {pin}",
            highlight=False,
        )
    elif info.activation_id is None:
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


@app.command("explain")
def sms_explain(
    text: Annotated[str, typer.Argument(help="The SMS text.")],
    sender: Annotated[str | None, typer.Option("--from", help="The sender.")] = None,
    service: Annotated[
        str | None, typer.Option(help="The service, whose own patterns then apply first.")
    ] = None,
) -> None:
    """Show the code simhive reads in an SMS, the rule that decided it and what was weighed."""
    from simhive.pins import explain_pin

    patterns = run(lambda: ops.service_patterns(database(), service)) if service else ()
    found = explain_pin(text, sender=sender, service=service, patterns=patterns)
    console.print(f"PIN   {found.pin or 'none'}", highlight=False, markup=False)
    console.print(f"rule  {found.rule}", highlight=False, markup=False)
    table = Table("candidate", "at", "kind", "score", "why")
    for candidate in found.candidates:
        score = "-" if candidate.score is None else f"{candidate.score:.1f}"
        table.add_row(candidate.text, str(candidate.start), candidate.kind, score, candidate.reason)
    if found.candidates:
        console.print(table)


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= TEXT_SHOWN else flat[: TEXT_SHOWN - 1] + "…"


@app.command("list")
def sms_list(
    outgoing: Annotated[
        bool, typer.Option("--outgoing", help="Outgoing SMS (send_sms, REST) instead of inbound.")
    ] = False,
    to: Annotated[
        str | None,
        typer.Option(help="Only SMS to this number: the receiving MDN, or the destination."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """List SMS, newest first: inbound ones, or outgoing ones with their gateway status."""
    db = database()
    if outgoing:
        table = Table(
            "id",
            "created",
            "account",
            "from",
            "to",
            "status",
            "parts",
            "fee",
            "request",
            "text",
            "error",
        )
        for o in run(lambda: ops.list_outgoing(db, to=to, limit=limit)):
            table.add_row(
                str(o.id),
                f"{o.created_at:%Y-%m-%d %H:%M:%S}",
                o.account,
                o.mdn,
                o.to,
                o.status,
                str(o.parts),
                # A REST request's SMS: the price is the request's, shown beside its id.
                str(o.fee) if o.request is None else "–",
                "" if o.request is None else f"{o.request} {o.request_price}",
                _short(o.text),
                o.error or "",
            )
    else:
        table = Table("id", "received", "from", "to", "status", "account", "service", "pin", "text")
        for i in run(lambda: ops.list_incoming(db, to=to, limit=limit)):
            table.add_row(
                str(i.id),
                f"{i.received_at:%Y-%m-%d %H:%M:%S}",
                i.sender,
                i.to,
                i.status,
                i.account or "",
                i.service or "",
                i.pin or "",
                _short(i.text),
            )
    console.print(table, highlight=False, markup=False)
