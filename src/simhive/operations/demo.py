"""Demo data: priced services, simulated numbers of the US, the Netherlands and the United
Kingdom, a demo account with $100."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from simhive.core.accounts import service as accounts
from simhive.core.catalog import service as catalog
from simhive.core.errors import CoreError
from simhive.core.inventory import service as inventory
from simhive.core.ledger import service as ledger
from simhive.core.ledger.models import EntryKind
from simhive.db.uow import Database
from simhive.operations.numbers import add_simulated_numbers

DEMO_SERVICES: list[tuple[str, str, str, str]] = [
    # name, price, 30-day rental, 3-day rental
    ("Google", "1.00", "20.00", "5.00"),
    ("Amazon", "0.50", "15.00", "4.00"),
    ("Apple", "0.80", "18.00", "5.00"),
    ("Microsoft", "0.60", "15.00", "4.00"),
    ("Facebook", "0.70", "15.00", "4.00"),
    ("Instagram", "0.70", "15.00", "4.00"),
    ("WhatsApp", "1.20", "25.00", "6.00"),
    ("Telegram", "1.10", "25.00", "6.00"),
    ("Tinder", "0.90", "18.00", "5.00"),
    ("Uber", "0.40", "12.00", "3.00"),
    ("Lyft", "0.40", "12.00", "3.00"),
    ("PayPal", "1.50", "30.00", "8.00"),
    ("Venmo", "1.00", "20.00", "5.00"),
    ("Coinbase", "1.50", "30.00", "8.00"),
    ("Discord", "0.30", "10.00", "3.00"),
    ("Twitter", "0.35", "10.00", "3.00"),
    ("Snapchat", "0.30", "10.00", "3.00"),
    ("Yahoo", "0.35", "10.00", "3.00"),
    ("Netflix", "0.50", "12.00", "3.00"),
    ("TikTok", "0.45", "12.00", "3.00"),
    ("Unknown", "0.20", "10.00", "3.00"),
    ("Unlimited", "0.20", "30.00", "8.00"),
]


# Dutch and British numbers carry their own prices for a few services (the order API's).
DEMO_COUNTRY_PRICES: list[tuple[str, str, str]] = [
    ("Google", "NL", "1.50"),
    ("Google", "GB", "1.40"),
    ("WhatsApp", "NL", "1.60"),
    ("WhatsApp", "GB", "1.60"),
]


@dataclass(frozen=True)
class DemoInfo:
    username: str
    password: str
    api_key: str
    numbers: int
    services: int
    # Simulated numbers by country (US, NL, GB).
    by_country: dict[str, int]


DEMO_USER = "demo"
DEMO_PASSWORD = "demo-password"


def seed_demo(db: Database, *, numbers: int = 50, abroad: int = 10) -> DemoInfo:
    """Idempotent demo data: services, simulated numbers (`numbers` US ones, `abroad` each
    of NL and UK), a demo account with $100."""
    wanted = {"US": numbers, "NL": abroad, "GB": abroad}
    with db.uow() as uow:
        known = {s.name_key for s in catalog.all_services(uow)}
        for order_id, (name, price, ltr, short) in enumerate(DEMO_SERVICES, start=1):
            if catalog.name_key(name) not in known:
                service = catalog.set_service(
                    uow,
                    catalog.ServiceSpec(
                        name=name,
                        price=Decimal(price),
                        ltr_price=Decimal(ltr),
                        ltr_short_price=Decimal(short),
                        order_id=order_id,
                    ),
                )
                for priced, country, own in DEMO_COUNTRY_PRICES:
                    if priced == name:
                        catalog.set_country_price(
                            uow, service=service, country=country, price=Decimal(own)
                        )
        have = {
            country: inventory.count_numbers(uow, gateway="simulator", country=country)
            for country in wanted
        }
    for country, count in wanted.items():
        if have[country] < count:
            add_simulated_numbers(
                db, count=count - have[country], seed=db.settings.simulator_seed, country=country
            )
    with db.uow() as uow:
        try:
            account = accounts.find_account(uow, DEMO_USER)
        except CoreError:
            account = accounts.create_account(
                uow, username=DEMO_USER, email="demo@example.com", password=DEMO_PASSWORD
            ).account
            ledger.post_entry(
                uow,
                account_id=account.id,
                amount=Decimal("100.00"),
                kind=EntryKind.CREDIT,
                made_by="demo",
            )
        # Keys are stored hashed, so the demo issues a fresh one to print each start.
        key = accounts.issue_api_key(uow, account=account)
        by_country = {
            country: inventory.count_numbers(uow, gateway="simulator", country=country)
            for country in wanted
        }
        services = len(catalog.all_services(uow))
    return DemoInfo(DEMO_USER, DEMO_PASSWORD, key, sum(by_country.values()), services, by_country)
