"""`simhive sender` and `simhive policy`: what an account's REST requests may send and cost."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer
from rich.table import Table

from simhive.cli.common import amount, console, database, run
from simhive.core.policies.service import FIELDS, Policy, PolicyChange
from simhive.kit.money import format_amount
from simhive.operations import senders as ops

app = typer.Typer(help="Sender ids approved for accounts' SMS and calls.", no_args_is_help=True)
policy_app = typer.Typer(
    help="Accounts' REST policy: code lifetime, attempts, countries, prices.", no_args_is_help=True
)


def _senders(account: str, senders: list[str]) -> None:
    console.print(f"{account}: {', '.join(senders) or 'no approved sender ids'}", highlight=False)


@app.command("allow")
def sender_allow(
    account: Annotated[str, typer.Argument(metavar="ACCOUNT")],
    sender: Annotated[str, typer.Argument(metavar="SENDER")],
) -> None:
    """Approve a sender id (up to 11 characters, or a number) for an account's SMS and calls."""
    _senders(account, run(lambda: ops.allow_sender(database(), account=account, sender=sender)))


@app.command("revoke")
def sender_revoke(
    account: Annotated[str, typer.Argument(metavar="ACCOUNT")],
    sender: Annotated[str, typer.Argument(metavar="SENDER")],
) -> None:
    """Withdraw a sender id's approval."""
    _senders(account, run(lambda: ops.revoke_sender(database(), account=account, sender=sender)))


@app.command("list")
def sender_list(account: Annotated[str, typer.Argument(metavar="ACCOUNT")]) -> None:
    """The sender ids approved for an account."""
    _senders(account, run(lambda: ops.list_senders(database(), account=account)))


def _show(account: str, policy: Policy) -> None:
    table = Table(show_header=False, box=None)
    countries = ", ".join(sorted(policy.countries)) if policy.countries else "all"
    for key, value in (
        ("account", account),
        ("code expiry", f"{policy.code_expiry_s} s"),
        ("check attempts", str(policy.check_attempts)),
        ("countries", countries),
        ("verify by sms", format_amount(policy.verify_sms)),
        ("verify by voice", format_amount(policy.verify_voice)),
        ("verify by call", format_amount(policy.verify_call)),
        ("sms, per part", format_amount(policy.sms_part)),
        ("flash call", format_amount(policy.flash_call)),
    ):
        table.add_row(key, value)
    console.print(table, highlight=False)


def _price(raw: str | None) -> Decimal | None:
    return None if raw is None else amount(raw)


@policy_app.command("show")
def policy_show(account: Annotated[str, typer.Argument(metavar="ACCOUNT")]) -> None:
    """The policy in force for an account (its own values, else the settings')."""
    _show(account, run(lambda: ops.policy(database(), account=account)))


@policy_app.command("set")
def policy_set(
    account: Annotated[str, typer.Argument(metavar="ACCOUNT")],
    code_expiry: Annotated[int | None, typer.Option(help="Seconds a code lives.")] = None,
    attempts: Annotated[int | None, typer.Option(help="Checks a verification allows.")] = None,
    countries: Annotated[
        str | None, typer.Option(help="Comma-separated ISO country codes served.")
    ] = None,
    verify_sms: Annotated[str | None, typer.Option(help="Price of a verification by SMS.")] = None,
    verify_voice: Annotated[str | None, typer.Option(help="... by voice.")] = None,
    verify_call: Annotated[str | None, typer.Option(help="... by flash call.")] = None,
    sms_part: Annotated[str | None, typer.Option(help="Price of one SMS part.")] = None,
    flash_call: Annotated[str | None, typer.Option(help="Price of a flash call.")] = None,
    reset: Annotated[
        list[str] | None, typer.Option(help=f"Back to the setting's default: {', '.join(FIELDS)}.")
    ] = None,
) -> None:
    """Change an account's policy; fields not given keep their values."""
    change = PolicyChange(
        code_expiry_s=code_expiry,
        check_attempts=attempts,
        countries=tuple(countries.split(",")) if countries is not None else None,
        verify_sms=_price(verify_sms),
        verify_voice=_price(verify_voice),
        verify_call=_price(verify_call),
        sms_part=_price(sms_part),
        flash_call=_price(flash_call),
        reset=tuple(reset or ()),
    )
    _show(account, run(lambda: ops.set_policy(database(), account=account, change=change)))
