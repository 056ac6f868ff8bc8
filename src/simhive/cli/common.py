"""What every command shares: the consoles, the database, one-line errors."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console

from simhive.core.errors import CoreError
from simhive.db.uow import Database
from simhive.dialects.admin.errors import detail_for
from simhive.kit.money import parse_amount
from simhive.settings import Settings

T = TypeVar("T")

console = Console()
errors = Console(stderr=True)


def fail(message: str) -> NoReturn:
    errors.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(1)


def settings(**overrides: Any) -> Settings:
    return Settings(**overrides)


def database(config: Settings | None = None) -> Database:
    from simhive.app import database_from

    return database_from(config or settings())


def amount(raw: str) -> Decimal:
    try:
        return parse_amount(raw)
    except ValueError as exc:
        fail(f"{exc}; write amounts like 10 or 10.50")


def os_user() -> str:
    """Who runs this command, as the operating system knows them."""
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def operator() -> str:
    """How the ledger names a change made from this CLI: `cli` and the OS user."""
    return f"cli ({os_user()})"


def run(action: Callable[[], T]) -> T:
    """Run an operation, turning user errors into one red line and exit code 1."""
    try:
        return action()
    except CoreError as exc:
        fail(detail_for(exc))
