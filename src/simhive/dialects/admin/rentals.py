"""Admin API: long-term rentals and reports of rented numbers that receive nothing.

No `from __future__ import annotations` here: FastAPI reads these annotations at run time.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from simhive.core.rentals.models import ReportOutcome, ReportStatus
from simhive.core.rentals.reports import ReportView as Report
from simhive.db.uow import Database
from simhive.dialects.admin.auth import Guard, Operator, Scope
from simhive.dialects.admin.fields import AccountName, Mdn
from simhive.kit.money import format_amount, from_cents
from simhive.operations import rentals as ops


class RentalView(BaseModel):
    id: int
    first_id: int
    account: str
    mdn: str
    service: str
    status: str
    days: int
    price: str
    autorenew: bool
    expires_at: datetime | None
    forward_to: str | None
    api: str
    package: str | None
    renewal_package: str | None


class RentalCreate(BaseModel):
    account: AccountName
    mdn: Mdn
    days: int = Field(30, description="3 or 30.")
    service: str = Field("Unlimited", min_length=1, max_length=64)
    free: bool = Field(False, description="Do not charge the account (charged by default).")
    autorenew: bool = False


class ReportView(BaseModel):
    id: int
    rental_id: int
    mdn: str
    status: ReportStatus
    outcome: ReportOutcome | None
    reason: str
    refund: str
    created_at: datetime
    resolved_at: datetime | None


class Resolution(BaseModel):
    outcome: ReportOutcome
    reason: str = Field("", max_length=500)


def _report(r: Report) -> ReportView:
    return ReportView(
        id=r.id,
        rental_id=r.rental_id,
        mdn=r.mdn,
        status=r.status,
        outcome=r.outcome,
        reason=r.reason,
        refund=format_amount(from_cents(r.refund_cents)),
        created_at=r.created_at,
        resolved_at=r.resolved_at,
    )


def router(db: Database, guard: Guard) -> APIRouter:
    """Routes under /rentals and /reports."""
    routes = APIRouter(tags=["rentals"])
    Rentals = Annotated[Operator, Depends(guard(Scope.RENTALS))]

    @routes.get("/rentals")
    def list_rentals(
        _: Rentals, limit: Annotated[int, Query(ge=1, le=1000)] = 100
    ) -> list[RentalView]:
        """Rentals, newest first."""
        return [
            RentalView(**{**r.__dict__, "price": format_amount(r.price)})
            for r in ops.list_rentals(db, limit=limit)
        ]

    @routes.post("/rentals", status_code=201)
    def create_rental(body: RentalCreate, _: Rentals) -> RentalView:
        """Rent a number to an account; charged at the long-term price unless `free`."""
        r = ops.create_rental(
            db,
            account=body.account,
            mdn=body.mdn,
            days=body.days,
            service=body.service,
            free=body.free,
            autorenew=body.autorenew,
        )
        return RentalView(**{**r.__dict__, "price": format_amount(r.price)})

    @routes.get("/reports")
    def list_reports(
        _: Rentals,
        status: ReportStatus | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[ReportView]:
        """Reports of silent rented numbers, newest first."""
        return [_report(r) for r in ops.list_reports(db, status=status, limit=limit)]

    @routes.post("/reports/{report_id}/resolve")
    def resolve(
        report_id: Annotated[int, Path(ge=1, le=2**63 - 1)], body: Resolution, operator: Rentals
    ) -> ReportView:
        """Replace the number, refund the unused days (the rental ends), or dismiss."""
        done = ops.resolve_report(
            db,
            report_id=report_id,
            outcome=body.outcome,
            reason=body.reason,
            made_by=operator.label,
        )
        return _report(done)

    return routes
