"""After a bulk import the hand-out query walks its index to the first free number.

With the statistics of the table from before the import, PostgreSQL planned a sort of
every free number for each request (25 ms with 3,000 numbers) until autovacuum came by.
"""

from __future__ import annotations

from sqlalchemy import select

from simhive.core.catalog import service as catalog
from simhive.core.inventory import service as inventory
from simhive.core.inventory.models import Number
from simhive.db.uow import Database
from simhive.operations import numbers as number_ops
from tests.fixtures import world


def _plan(db: Database, wanted: inventory.Wanted) -> str:
    pick = (
        select(Number.id)
        .where(Number.lease_group.is_(None), *inventory.eligible(wanted))  # type: ignore[arg-type]
        .order_by(Number.freed_at, Number.id)
        .limit(1)
    )
    if db.dialect == "postgresql":
        pick = pick.with_for_update(skip_locked=True, key_share=True)
    with db.connect() as conn:
        params = inventory.eligible_params(wanted)
        sql = str(pick.params(params).compile(conn, compile_kwargs={"literal_binds": True}))
        explain = "EXPLAIN " if db.dialect == "postgresql" else "EXPLAIN QUERY PLAN "
        return "\n".join(str(row[-1]) for row in conn.exec_driver_sql(explain + sql))


def test_an_import_leaves_the_hand_out_query_on_its_index(db: Database) -> None:
    world.service(db, "Google", "0.50")
    alice = world.customer(db)
    with db.uow() as uow:
        service_id = catalog.find_services(uow, ["Google"])[0].id
    csv = "mdn,carrier,gateway\n" + "".join(
        f"1212555{i:04d},TMobile,simulator\n" for i in range(3000)
    )

    result = number_ops.import_numbers(db, csv.encode())

    assert result.added == 3000
    plan = _plan(db, inventory.Wanted(account_id=alice.id, service_ids=(service_id,)))
    assert "ix_numbers_free" in plan, plan
    assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan
