"""The operator's side of the order API in the CLI: numbers of three countries, prices by
country, orders among the requests, contracts among the rentals."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from simhive.app import database_from
from simhive.cli.common import console
from simhive.core.accounts.models import Account
from simhive.core.activations import orders
from simhive.core.activations import service as activations
from simhive.core.inventory.models import Number
from simhive.core.rentals import contracts
from simhive.db.migrate import upgrade
from simhive.db.uow import Database
from simhive.settings import Settings
from tests.cli.test_cli import simhive
from tests.fixtures import world


@pytest.fixture
def wide(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database file the CLI works on, and a wide terminal so that no table cell is folded
    (the console reads COLUMNS on import)."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SIMHIVE_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(console, "width", 250)
    upgrade(url)
    return tmp_path


def database() -> Database:
    return database_from(Settings())


def numbers(db: Database) -> list[tuple[str, str, str]]:
    with db.uow(write=False) as uow:
        rows = uow.session.execute(select(Number.mdn, Number.country, Number.state)).all()
    return [(m, c, s) for m, c, s in rows]


class TestNumbers:
    def test_simulated_numbers_of_each_country(self, wide: Path) -> None:
        code, out = simhive("numbers", "add", "--count", "3", "--country", "NL")
        assert code == 0 and "added 3 numbers" in out
        assert simhive("numbers", "add", "--count", "2", "--country", "uk")[0] == 0
        assert simhive("numbers", "add", "--count", "1")[0] == 0
        found = numbers(database())
        assert sorted(c for _, c, _ in found) == ["GB", "GB", "NL", "NL", "NL", "US"]
        assert all(m.startswith(("316", "447")) for m, c, _ in found if c != "US")
        code, out = simhive("numbers", "list")
        assert code == 0 and "country" in out and "NL" in out and "GB" in out

    def test_bad_countries_are_one_line_and_add_nothing(self, wide: Path) -> None:
        for args in (("--country", "FR"), ("--country", "NL", "--state", "TX")):
            code, out = simhive("numbers", "add", "--count", "2", *args)
            assert code == 1 and "error" in out
        assert numbers(database()) == []

    def test_import_with_a_country_column(self, wide: Path) -> None:
        csv = wide / "numbers.csv"
        csv.write_text(
            "mdn,carrier,state,area_code,gateway,online,country\n"
            "0612345678,KPN,,,sim,1,NL\n"
            "+44 7400 123456,O2,,,sim,1,uk\n"
            "2125550123,ATT,NY,212,sim,1,\n"
            "0612345679,KPN,,,sim,1,FR\n"
            "0612345670,KPN,NY,,sim,1,NL\n"
            "0612345671,KPN,,,sim,1,GB\n"
        )
        code, out = simhive("numbers", "import", str(csv))
        assert code == 1
        assert "added 3, already present 0, refused 3" in out
        assert "line 5" in out and "line 6" in out and "line 7" in out
        assert sorted(numbers(database())) == [
            ("12125550123", "US", "NY"),
            ("31612345678", "NL", ""),
            ("447400123456", "GB", ""),
        ]


class TestServices:
    def test_a_price_by_country(self, wide: Path) -> None:
        assert simhive("service", "set", "Google", "--price", "1.00", "--order-id", "5")[0] == 0
        code, out = simhive("service", "set", "Google", "--price", "1.50", "--country", "NL")
        assert code == 0 and "Google: 1.00" in out and "NL 1.50" in out
        simhive("service", "set", "Google", "--price", "2.25", "--country", "uk")
        simhive("service", "set", "Google", "--price", "1.10", "--country", "US")
        code, out = simhive("service", "list")
        assert code == 0
        assert "1.10" in out and "GB 2.25, NL 1.50" in out and "5" in out
        for args in (("--price", "1", "--country", "FR"), ("--country", "NL")):
            code, out = simhive("service", "set", "Google", *args)
            assert code == 1 and "error" in out
        code, out = simhive("service", "list")
        assert "GB 2.25, NL 1.50" in out


class TestOrdersAndContracts:
    @pytest.fixture
    def made(self, wide: Path) -> Database:
        db = database()
        world.order_service(db, "Google", "1.00", 5)
        world.numbers(db, 1)
        world.foreign_numbers(db, "NL", 2)
        who = world.customer(db, "olga", credit="50.00")
        with db.uow() as uow:
            account = uow.session.get(Account, who.id)
            assert account is not None
            activations.request_number(
                uow, account=account, request=activations.NumberRequest(services=("Google",))
            )
            orders.make_order(uow, account=account, service_id="5", country="NL")
            contracts.new_contract(uow, account=account, country="NL", package="3m")
        return db

    def test_orders_among_the_requests(self, made: Database) -> None:
        code, out = simhive("activations", "list")
        assert code == 0
        rows = [line for line in out.splitlines() if "olga" in line]
        assert len(rows) == 2
        assert "order" in rows[0] and "NL" in rows[0] and "316100" in rows[0]
        assert "command" in rows[1] and "US" in rows[1]
        code, out = simhive("activations", "list", "--api", "order")
        assert code == 0 and "order" in out and "command" not in out
        code, out = simhive("activations", "list", "--api", "rest")
        assert code == 1 and "command or order" in out

    def test_contracts_among_the_rentals(self, made: Database) -> None:
        code, out = simhive("rentals", "list")
        assert code == 0
        (row,) = [line for line in out.splitlines() if "olga" in line]
        assert "order" in row and "(3m)" in row and "Unlimited" in row and "30.00" in row
        assert "yes (3m)" in row
