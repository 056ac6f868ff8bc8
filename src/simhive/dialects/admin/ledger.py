"""Admin API: the ledger as a whole.

No `from __future__ import annotations` here: FastAPI reads these annotations at run time.
"""

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from simhive.db.uow import Database
from simhive.dialects.admin.auth import Guard, Scope
from simhive.kit.money import format_amount
from simhive.operations import accounts as ops


class Unbalanced(BaseModel):
    account: str
    balance: str = Field(description="The balance kept for the account.")
    entries_sum: str = Field(description="The sum of the account's ledger entries.")


class LedgerCheck(BaseModel):
    unbalanced: list[Unbalanced] = Field(
        description="Accounts whose balance is not the sum of their entries: never any."
    )


def router(db: Database, guard: Guard) -> APIRouter:
    """Routes under /ledger."""
    routes = APIRouter(prefix="/ledger", tags=["accounts"])

    @routes.get("/check", dependencies=[Depends(guard(Scope.MONEY))])
    def check() -> LedgerCheck:
        """Compare every account's balance with the sum of its entries, in one snapshot."""
        return LedgerCheck(
            unbalanced=[
                Unbalanced(
                    account=u.username,
                    balance=format_amount(u.kept),
                    entries_sum=format_amount(u.summed),
                )
                for u in ops.check_ledger(db)
            ]
        )

    return routes
