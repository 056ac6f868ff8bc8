"""The `simhive` command: run the server and the worker; one sub-command per domain."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer
from rich.panel import Panel
from rich.table import Table

from simhive.cli import (
    accounts,
    activations,
    admin_tokens,
    calls,
    clock,
    events,
    insight,
    numbers,
    rentals,
    rotation,
    senders,
    services,
    sms,
    tokens,
)
from simhive.cli.common import console, database, run, settings
from simhive.operations.demo import seed_demo
from simhive.settings import Settings

app = typer.Typer(help="simhive: a self-hosted phone-verification platform.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Tools for webhook receivers.", no_args_is_help=True)
for sub, name in (
    (db_app, "db"),
    (accounts.app, "account"),
    (services.app, "service"),
    (numbers.app, "numbers"),
    (rotation.app, "rotation"),
    (activations.app, "activations"),
    (sms.app, "sms"),
    (events.app, "events"),
    (rentals.app, "rentals"),
    (rentals.reports_app, "reports"),
    (admin_tokens.app, "admin-token"),
    (tokens.app, "token"),
    (senders.app, "sender"),
    (senders.policy_app, "policy"),
    (calls.app, "calls"),
    (clock.app, "clock"),
    (insight.fraud_app, "fraud"),
    (webhooks_app, "webhooks"),
):
    app.add_typer(sub, name=name)
app.command("hlr")(insight.hlr)


# -- serving -------------------------------------------------------------------


def _serve(config: Settings, host: str, port: int, *, worker: bool, processes: int = 1) -> None:
    import uvicorn

    from simhive.app import clock_from, create_app
    from simhive.db.migrate import upgrade
    from simhive.gateways.registry import build_gateways
    from simhive.observability import configure_logging

    configure_logging(config.log_level)
    upgrade(config.database_url)
    if processes > 1:
        _serve_processes(config, host, port, worker=worker, processes=processes)
        return
    clock = clock_from(config)
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
    info = run(lambda: seed_demo(database(config)))
    host, port = host or config.host, port or config.port
    url = f"http://{host}:{port}"
    api = f"{url}/api_command.php?user={info.username}&api_key={info.api_key}"
    countries = ", ".join(f"{n} {c}" for c, n in info.by_country.items())
    console.print(
        Panel.fit(
            f"simhive is starting on [bold]{url}[/bold] ({config.database_url})\n"
            f"{info.numbers} simulated numbers ({countries}), {info.services} services; "
            f"codes arrive {config.simulator_auto_reply_s:g} s after each reservation.\n\n"
            f"user      [bold]{info.username}[/bold]\n"
            f"password  [bold]{info.password}[/bold]\n"
            f"api_key   [bold]{info.api_key}[/bold]",
            title="simhive demo",
        )
    )
    # Outside the panel, so the lines stay whole for copying.
    orders = f"{url}/api/makeorder?key={info.api_key}&serviceId=1"
    print(
        f'curl "{api}&cmd=balance"\ncurl "{api}&cmd=request&service=Google"\n'
        f'curl "{orders}&country=UK"',
        flush=True,
    )
    _serve(config, host, port, worker=True)


@app.command()
def worker() -> None:
    """Run the worker alone: time-outs, auctions, webhooks, gateways (until SIGTERM)."""
    from simhive.gateways.registry import build_gateways
    from simhive.kit import heap
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
    heap.settle()
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
