"""`simhive rentals` and `simhive reports`: long-term rentals and reports of silent numbers."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from simhive.cli.common import console, database, fail, operator, run
from simhive.core.rentals.models import ReportOutcome, ReportStatus
from simhive.kit.money import format_amount, from_cents
from simhive.operations import rentals as ops

app = typer.Typer(help="Long-term rentals.", no_args_is_help=True)
reports_app = typer.Typer(
    help="Reports of rented numbers that receive nothing.", no_args_is_help=True
)


@app.command("list")
def rentals_list(limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100) -> None:
    """List rentals, newest first."""
    table = Table(
        "id",
        "first",
        "api",
        "account",
        "mdn",
        "service",
        "status",
        "days",
        "price",
        "renew",
        "expires",
    )
    for r in ops.list_rentals(database(), limit=limit):
        # An order API contract shows its package where a command API rental has none.
        table.add_row(
            str(r.id),
            str(r.first_id),
            r.api,
            r.account,
            r.mdn or "-",
            r.service,
            r.status,
            f"{r.days} ({r.package})" if r.package else str(r.days),
            format_amount(r.price),
            ("yes" + (f" ({r.renewal_package})" if r.renewal_package else ""))
            if r.autorenew
            else "",
            r.expires_at.isoformat(timespec="seconds") if r.expires_at else "-",
        )
    console.print(table)


@app.command("create")
def rentals_create(
    account: str,
    mdn: Annotated[str, typer.Option(help="The number to rent, like 12125550100.")],
    days: Annotated[int, typer.Option(help="3 or 30, as the long-term prices go.")] = 30,
    service: Annotated[str, typer.Option(help="The service, or Unlimited for any.")] = "Unlimited",
    free: Annotated[
        bool, typer.Option("--free", help="Do not charge the account (it is charged by default).")
    ] = False,
    autorenew: Annotated[bool, typer.Option("--autorenew", help="Renew at expiry (charged).")] = (
        False
    ),
) -> None:
    """Rent a number to an account; the account pays the long-term price unless --free."""
    r = run(
        lambda: ops.create_rental(
            database(),
            account=account,
            mdn=mdn,
            days=days,
            service=service,
            free=free,
            autorenew=autorenew,
        )
    )
    expires = r.expires_at.isoformat(timespec="seconds") if r.expires_at else "-"
    console.print(
        f"rental {r.id}: {r.mdn} to {r.account} for {r.service}, {r.days} days, "
        f"{format_amount(r.price)} charged, expires {expires}"
    )


@reports_app.command("list")
def reports_list(
    status: Annotated[ReportStatus | None, typer.Option(help="Only reports in this state.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
) -> None:
    """List reports, newest first."""
    table = Table("id", "rental", "mdn", "status", "outcome", "refund", "reason")
    for r in ops.list_reports(database(), status=status, limit=limit):
        table.add_row(
            str(r.id),
            str(r.rental_id),
            r.mdn,
            r.status.value,
            r.outcome.value if r.outcome else "",
            format_amount(from_cents(r.refund_cents)),
            r.reason,
        )
    console.print(table)


@reports_app.command("resolve")
def reports_resolve(
    report_id: int,
    replace: Annotated[
        bool, typer.Option("--replace", help="Give the rental another number.")
    ] = False,
    refund: Annotated[
        bool, typer.Option("--refund", help="Refund the unused days; end it.")
    ] = False,
    dismiss: Annotated[bool, typer.Option("--dismiss", help="Dismiss (needs --reason).")] = False,
    reason: Annotated[str, typer.Option(help="What the customer is told.")] = "",
) -> None:
    """Resolve a report: --replace, --refund or --dismiss, with a --reason."""
    chosen = [
        outcome
        for outcome, flag in (
            (ReportOutcome.REPLACED, replace),
            (ReportOutcome.REFUNDED, refund),
            (ReportOutcome.DISMISSED, dismiss),
        )
        if flag
    ]
    if len(chosen) != 1:
        fail("choose one of --replace, --refund, --dismiss")
    done = run(
        lambda: ops.resolve_report(
            database(), report_id=report_id, outcome=chosen[0], reason=reason, made_by=operator()
        )
    )
    refund_text = (
        f", refunded {format_amount(from_cents(done.refund_cents))}" if done.refund_cents else ""
    )
    console.print(f"report {done.id}: {done.outcome.value if done.outcome else ''}{refund_text}")
