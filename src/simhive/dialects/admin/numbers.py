"""Admin API: phone numbers.

No `from __future__ import annotations` here: FastAPI reads these annotations at run time.
"""

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from simhive.db.uow import Database, to_thread
from simhive.operations import numbers as ops


class NumbersAdd(BaseModel):
    count: int = Field(ge=1, le=ops.MAX_SIMULATED)
    state: str | None = None
    areacode: str | None = None


class NumberView(BaseModel):
    mdn: str
    state: str
    area_code: str
    carrier: str
    gateway: str
    online: bool
    leased: bool


class NumberUpdate(BaseModel):
    online: bool


class ImportView(BaseModel):
    added: int
    duplicates: int
    errors: list[str]


CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": (
                    "mdn,carrier,state,area_code,gateway,online\n"
                    "12125550123,ATT,NY,212,simulator,1\n"
                ),
            }
        },
    }
}


def router(db: Database) -> APIRouter:
    """Routes under /numbers."""
    routes = APIRouter(prefix="/numbers", tags=["numbers"])

    @routes.post("", status_code=201)
    def add_numbers(body: NumbersAdd) -> list[NumberView]:
        """Add simulated numbers."""
        added = ops.add_simulated_numbers(
            db, count=body.count, state=body.state, area_code=body.areacode
        )
        return [NumberView(**n.__dict__) for n in added]

    @routes.post("/import", openapi_extra=CSV_BODY)
    async def import_numbers(request: Request) -> ImportView:
        """Import numbers from a CSV body (mdn, carrier, state, area_code, gateway, online)."""
        text = (await request.body()).decode("utf-8", errors="replace")
        result = await to_thread(ops.import_numbers, db, text)
        return ImportView(added=result.added, duplicates=result.duplicates, errors=result.errors)

    @routes.patch("/{mdn}")
    def update_number(mdn: str, body: NumberUpdate) -> NumberView:
        return NumberView(**ops.set_number_online(db, mdn=mdn, online=body.online).__dict__)

    return routes
