"""Admin API: HLR lookups, fraud checks and the fraud block list.

No `from __future__ import annotations` here: FastAPI reads these annotations at run time.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from simhive.db.uow import Database
from simhive.dialects.admin.auth import Guard, Operator, Scope
from simhive.operations import insight as ops

NumberQuery = Annotated[str, Query(min_length=1, max_length=32, description="E.164, + optional.")]


class HlrView(BaseModel):
    number: str
    status: str = Field(description="delivered (an allotted range) or undelivered.")
    valid: bool
    country: str | None
    network: str | None
    mccmnc: str | None
    number_type: str
    mobile: bool
    ported: bool | None = Field(description="Known for numbers in the inventory; else null.")
    roaming: bool | None = Field(description="Known for numbers in the inventory; else null.")
    reachable: bool | None
    in_inventory: bool


class VerdictView(BaseModel):
    number: str
    status: str = Field(description="passed, not_mobile_prefix, suspicious or fraudulent.")
    mobile_prefix: bool
    reasons: list[str]


class BlockCreate(BaseModel):
    prefix: str = Field(min_length=1, max_length=20, description="Like +4477009.")
    reason: str = Field("", max_length=500)


class BlockView(BaseModel):
    prefix: str
    reason: str
    created_by: str
    created_at: datetime


def router(db: Database, guard: Guard) -> APIRouter:
    """Routes under /insight and /fraud."""
    routes = APIRouter(tags=["insight"])
    Insight = Annotated[Operator, Depends(guard(Scope.INSIGHT))]

    @routes.get("/insight/hlr")
    def hlr(number: NumberQuery, _: Insight) -> HlrView:
        """What simhive knows of a number's network, without asking one."""
        r = ops.hlr_lookup(db, number)
        return HlrView(
            number=r.number,
            status=r.status.value,
            valid=r.valid,
            country=r.country,
            network=r.network,
            mccmnc=r.mccmnc,
            number_type=r.number_type.value,
            mobile=r.mobile,
            ported=r.ported,
            roaming=r.roaming,
            reachable=r.reachable,
            in_inventory=r.in_inventory,
        )

    @routes.get("/fraud/check")
    def check(
        number: NumberQuery,
        _: Insight,
        account: Annotated[str | None, Query(max_length=254)] = None,
        ip: Annotated[str | None, Query(max_length=64)] = None,
    ) -> VerdictView:
        """The verdict a verification would get now (with an account's counts); records nothing."""
        v = ops.fraud_check(db, number, account=account, ip=ip)
        return VerdictView(
            number=v.number,
            status=v.status.value,
            mobile_prefix=v.mobile_prefix,
            reasons=list(v.reasons),
        )

    @routes.get("/fraud/blocks")
    def list_blocks(_: Insight) -> list[BlockView]:
        """Every blocked prefix."""
        return [BlockView(**b.__dict__) for b in ops.list_blocks(db)]

    @routes.post("/fraud/blocks", status_code=201)
    def block(body: BlockCreate, operator: Insight) -> BlockView:
        """Block a prefix (numbers under it are FRAUDULENT); again changes the reason."""
        b = ops.block_prefix(db, prefix=body.prefix, reason=body.reason, made_by=operator.label)
        return BlockView(**b.__dict__)

    @routes.delete("/fraud/blocks/{prefix}")
    def unblock(
        prefix: Annotated[str, Path(max_length=20, description="Digits, + optional.")],
        _: Insight,
    ) -> BlockView:
        """Lift a block."""
        return BlockView(**ops.unblock_prefix(db, prefix=prefix).__dict__)

    return routes
