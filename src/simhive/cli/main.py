"""The `simhive` command: run the server and the worker, manage accounts, services, numbers."""

from __future__ import annotations

import signal
import threading
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from simhive import ops
from simhive.core.accounts.models import StatusShape
from simhive.core.errors import CoreError
from simhive.core.events.models import EventStatus
from simhive.db.uow import Database
from simhive.dialects.admin.errors import detail_for
from simhive.kit.clock import SystemClock
from simhive.kit.money import format_amount, parse_amount
from simhive.settings import Settings

app = typer.Typer(help="simhive: a self-hosted phone-verification platform.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
account_app = typer.Typer(help="Customer and admin accounts.", no_args_is_help=True)
service_app = typer.Typer(help="Services and their prices.", no_args_is_help=True)
numbers_app = typer.Typer(help="Phone numbers.", no_args_is_help=True)
sms_app = typer.Typer(help="Inbound SMS.", no_args_is_help=True)
events_app = typer.Typer(help="Webhook deliveries (the outbox).", no_args_is_help=True)
webhooks_app = typer.Typer(help="Tools for webhook receivers.", no_args_is_help=True)
for sub, name in (
    (db_app, "db"),
    (account_app, "account"),
    (service_app, "service"),
    (numbers_app, "numbers"),
    (sms_app, "sms"),
    (events_app, "events"),
    (webhooks_app, "webhooks"),
):
    app.add_typer(sub, name=name)

console = Console()
errors = Console(stderr=True)


def fail(message: str) -> NoReturn:
    errors.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(1)


def settings(**overrides: Any) -> Settings:
    return Settings(**overrides)


def database(config: Settings | None = None) -> Database:
    from simhive.app import database_from

    return database_from(config or settings(), SystemClock())


def amount(raw: str) -> Decimal:
    try:
        return parse_amount(raw)
    except ValueError as exc:
        fail(f"{exc}; write amounts like 10 or 10.50")


def run(action: Any) -> Any:
    """Run an operation, turning user errors into one red line and exit code 1."""
    try:
        return action()
    except CoreError as exc:
        fail(detail_for(exc))


# -- serving -------------------------------------------------------------------


def _serve(config: Settings, host: str, port: int, *, worker: bool, processes: int = 1) -> None:
    import uvicorn

    from simhive.app import create_app
    from simhive.db.migrate import upgrade
    from simhive.gateways.registry import build_gateways
    from simhive.observability import configure_logging

    configure_logging(config.log_level)
    upgrade(config.database_url)
    if processes > 1:
        _serve_processes(config, host, port, worker=worker, processes=processes)
        return
    clock = SystemClock()
    gateways = build_gateways(config, clock) if worker else {}
    application = create_app(config, clock=clock, gateways=gateways, run_worker=worker)
    uvicorn.run(
        application,
        host=host,
        port=port,
        log_level=config.log_level,
        access_log=False,
        loop="auto",
        http="auto",
        log_config=None,
    )


def _serve_processes(
    config: Settings, host: str, port: int, *, worker: bool, processes: int
) -> None:
    """Several server processes on one port; each builds its app from the environment."""
    import os

    import uvicorn

    # The children read their settings from the environment (simhive.app.from_env);
    # this process only starts them, so the one setting the flag changes goes there.
    os.environ["SIMHIVE_SERVE_WORKER"] = "1" if worker else "0"
    uvicorn.run(
        "simhive.app:from_env",
        factory=True,
        workers=processes,
        host=host,
        port=port,
        log_level=config.log_level,
        access_log=False,
        log_config=None,
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Serve the APIs only; run `simhive worker` apart.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes. Above 1, use PostgreSQL, and --no-worker with "
            "`simhive worker` processes beside them.",
        ),
    ] = 1,
) -> None:
    """Serve every API (and, unless --no-worker, the worker and the gateways)."""
    config = settings()
    worker = config.serve_worker and not no_worker
    _serve(config, host or config.host, port or config.port, worker=worker, processes=workers)


@app.command()
def demo(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Start with demo data: simulated numbers that answer, a demo account with $100."""
    from simhive.db.migrate import upgrade

    base = settings()
    config = base.model_copy(
        update={
            "webhook_allow_private": True,
            "simulator_enabled": True,
            "simulator_auto_reply_s": base.simulator_auto_reply_s or 5.0,
        }
    )
    upgrade(config.database_url)
    info = run(lambda: ops.seed_demo(database(config)))
    host, port = host or config.host, port or config.port
    url = f"http://{host}:{port}"
    api = f"{url}/api_command.php?user={info.username}&api_key={info.api_key}"
    console.print(
        Panel.fit(
            f"simhive is starting on [bold]{url}[/bold] ({config.database_url})\n"
            f"{info.numbers} simulated numbers, {info.services} services; codes arrive "
            f"{config.simulator_auto_reply_s:g} s after each reservation.\n\n"
            f"user      [bold]{info.username}[/bold]\n"
            f"password  [bold]{info.password}[/bold]\n"
            f"api_key   [bold]{info.api_key}[/bold]",
            title="simhive demo",
        )
    )
    # Outside the panel, so the lines stay whole for copying.
    print(f'curl "{api}&cmd=balance"\ncurl "{api}&cmd=request&service=Google"', flush=True)
    _serve(config, host, port, worker=True)


@app.command()
def worker() -> None:
    """Run the worker alone: time-outs, auctions, webhooks, gateways (until SIGTERM)."""
    from simhive.gateways.registry import build_gateways
    from simhive.observability import configure_logging
    from simhive.worker.runner import Worker

    config = settings()
    configure_logging(config.log_level)
    db = database(config)
    runner = Worker(db, gateways=build_gateways(config, db.clock))
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    runner.start()
    console.print("worker running; stop with Ctrl-C or SIGTERM")
    done.wait()
    runner.stop()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the newest version."""
    from simhive.db.migrate import upgrade

    config = settings()
    upgrade(config.database_url)
    console.print(f"database is up to date ({config.database_url})")


# -- accounts ------------------------------------------------------------------


def _account_table(info: ops.AccountInfo) -> Table:
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
        ("request_status shape", info.status_shape),
    ):
        table.add_row(key, value)
    return table


@account_app.command("create")
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


@account_app.command("show")
def account_show(name: str) -> None:
    """Show an account, its balance and its webhook settings."""
    console.print(_account_table(run(lambda: ops.account_info(database(), name))))


@account_app.command("credit")
def account_credit(
    name: str,
    value: Annotated[str, typer.Argument(metavar="AMOUNT", help="Like 25 or 25.50.")],
) -> None:
    """Add funds to an account (a negative amount takes them away)."""
    money = amount(value)
    if money == 0:
        fail("the amount must not be zero")
    info = run(lambda: ops.credit(database(), name=name, amount=money))
    console.print(
        f"{info.username}: balance {format_amount(info.balance)}, "
        f"available {format_amount(info.available)}"
    )


@account_app.command("set")
def account_set(
    name: str,
    webhook_url: Annotated[str | None, typer.Option(help="Where webhooks go.")] = None,
    no_webhook: Annotated[bool, typer.Option("--no-webhook", help="Stop webhooks.")] = False,
    status_shape: Annotated[
        StatusShape | None, typer.Option(help="request_status as an array or a bare object.")
    ] = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive")] = None,
) -> None:
    """Change an account's webhook URL, request_status shape or active flag."""
    info = run(
        lambda: ops.set_account(
            database(),
            name=name,
            webhook_url=webhook_url,
            clear_webhook=no_webhook,
            status_shape=status_shape,
            active=active,
        )
    )
    console.print(_account_table(info))


@account_app.command("key")
def account_key(name: str) -> None:
    """Issue another API key; printed alone on the last line."""
    print(run(lambda: ops.issue_key(database(), name=name)))


@account_app.command("revoke-key")
def account_revoke_key(
    name: str,
    prefix: Annotated[str, typer.Argument(help="The key, or its first 8 characters.")],
) -> None:
    """Revoke an API key: it stops working at once."""
    count = run(lambda: ops.revoke_key(database(), name=name, prefix=prefix))
    console.print(f"revoked {count} key{'s' if count != 1 else ''} of {name}")


# -- services ------------------------------------------------------------------


@service_app.command("set")
def service_set(
    name: str,
    price: Annotated[str | None, typer.Option(help="One-time price.")] = None,
    ltr_price: Annotated[str | None, typer.Option(help="30-day rental price.")] = None,
    ltr_short_price: Annotated[str | None, typer.Option(help="3-day rental price.")] = None,
    order_id: Annotated[int | None, typer.Option(help="Numeric id for the order API.")] = None,
) -> None:
    """Create a service or change its prices."""
    info = run(
        lambda: ops.set_service(
            database(),
            name=name,
            price=amount(price) if price else None,
            ltr_price=amount(ltr_price) if ltr_price else None,
            ltr_short_price=amount(ltr_short_price) if ltr_short_price else None,
            order_id=order_id,
        )
    )
    console.print(
        f"{info.name}: {format_amount(info.price)} "
        f"(30 days {format_amount(info.ltr_price)}, 3 days {format_amount(info.ltr_short_price)})"
    )


@service_app.command("list")
def service_list() -> None:
    """List the services and their prices."""
    table = Table("name", "price", "30 days", "3 days", "order id")
    for s in ops.list_services(database()):
        table.add_row(
            s.name,
            format_amount(s.price),
            format_amount(s.ltr_price),
            format_amount(s.ltr_short_price),
            str(s.order_id or ""),
        )
    console.print(table)


# -- numbers -------------------------------------------------------------------


@numbers_app.command("add")
def numbers_add(
    count: Annotated[int, typer.Option(help="How many simulated numbers.")],
    state: Annotated[str | None, typer.Option(help="Two-letter US state.")] = None,
    areacode: Annotated[str | None, typer.Option(help="Three-digit area code.")] = None,
) -> None:
    """Add simulated numbers (realistic area codes, states and carriers)."""
    added = run(
        lambda: ops.add_simulated_numbers(database(), count=count, state=state, area_code=areacode)
    )
    console.print(f"added {len(added)} numbers")
    for n in added[:20]:
        console.print(f"  {n.mdn}  {n.state}  {n.carrier}")


@numbers_app.command("import")
def numbers_import(path: Path) -> None:
    """Import numbers from CSV: mdn, carrier, state, area_code, gateway, online."""
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


@numbers_app.command("online")
def numbers_online(mdn: str) -> None:
    """Mark a number online (waiting bids get it first)."""
    info = run(lambda: ops.set_number_online(database(), mdn=mdn, online=True))
    console.print(f"{info.mdn} online")


@numbers_app.command("offline")
def numbers_offline(mdn: str) -> None:
    """Mark a number offline (not offered until it is back)."""
    info = run(lambda: ops.set_number_online(database(), mdn=mdn, online=False))
    console.print(f"{info.mdn} offline")


@numbers_app.command("list")
def numbers_list(limit: Annotated[int, typer.Option(min=1)] = 100) -> None:
    """List numbers."""
    table = Table("mdn", "state", "area", "carrier", "gateway", "online", "in use")
    for n in ops.list_numbers(database(), limit=limit):
        table.add_row(
            n.mdn,
            n.state,
            n.area_code,
            n.carrier,
            n.gateway,
            "yes" if n.online else "no",
            "yes" if n.leased else "",
        )
    console.print(table)


# -- sms, events, config -------------------------------------------------------------


@sms_app.command("inject")
def sms_inject(
    to: Annotated[str, typer.Option(help="The receiving MDN.")],
    sender: Annotated[str, typer.Option("--from", help="The sending number or name.")],
    text: Annotated[str, typer.Option(help="The message.")],
) -> None:
    """Deliver an inbound SMS as a gateway would: stored, routed, its PIN extracted."""
    db = database()
    routed = run(lambda: ops.inject_sms(db, to=to, sender=sender, text=text))
    if routed is None:
        console.print("stored before: nothing new")
        return
    pin = ops.message_pin(db, routed.message_id) or "none found"
    if routed.activation_id is None:
        console.print(
            f"stored as message {routed.message_id} ({routed.status.value}): "
            f"no open request on that number; PIN {pin}",
            highlight=False,
        )
    else:
        console.print(
            f"stored as message {routed.message_id}, completed request "
            f"{routed.activation_id} ({routed.service}); PIN {pin}",
            highlight=False,
        )


@events_app.command("list")
def events_list(
    status: Annotated[EventStatus | None, typer.Option(help="Only events in this state.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
) -> None:
    """List webhook events, newest first."""
    table = Table("id", "event", "status", "attempts", "target", "last error")
    for e in ops.list_events(database(), status=status, limit=limit):
        table.add_row(
            str(e.id), e.event_type, e.status, str(e.attempts), e.target, e.last_error or ""
        )
    console.print(table)


@events_app.command("retry")
def events_retry(event_id: int) -> None:
    """Send an event again now (a failed one included)."""
    run(lambda: ops.retry_event(database(), event_id))
    console.print(f"event {event_id} queued")


@webhooks_app.command("listen")
def webhooks_listen(
    port: Annotated[int, typer.Option(help="Port to listen on (127.0.0.1).")] = 9000,
    secret: Annotated[
        str | None, typer.Option(help="The account's whsec_ secret, to check signatures.")
    ] = None,
) -> None:
    """Receive webhooks and print them (answers 200), checking signatures with --secret."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qsl

    from simhive.client import WebhookVerificationError, verify_webhook

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            verdict = ""
            if secret:
                try:
                    verify_webhook(secret, dict(self.headers.items()), body)
                    verdict = " [green]signature ok[/green]"
                except WebhookVerificationError as exc:
                    verdict = f" [red]signature refused: {exc}[/red]"
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()
            fields = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            console.print(f"{self.headers.get('webhook-id', '-')}{verdict}")
            for key, value in fields.items():
                console.print(f"  {key:10} {value}", highlight=False)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    console.print(f"listening on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


@app.command()
def config(
    markdown: Annotated[bool, typer.Option("--markdown", help="Print a Markdown table.")] = False,
) -> None:
    """Every SIMHIVE_* setting with its default and what it does."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = (
            "(unset)"
            if default is None
            else str(default).lower()
            if isinstance(default, bool)
            else str(default)
        )
        rows.append((f"SIMHIVE_{name.upper()}", shown, field.description or ""))
    if markdown:
        print("| variable | default | meaning |\n|---|---|---|")
        for env, default, description in rows:
            print(f"| `{env}` | `{default}` | {description} |")
        return
    table = Table("variable", "default", "meaning")
    for row in rows:
        table.add_row(*row)
    console.print(table)


if __name__ == "__main__":
    app()
