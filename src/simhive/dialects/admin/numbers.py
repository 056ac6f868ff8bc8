"""Admin API: phone numbers.

No `from __future__ import annotations` here: FastAPI reads these annotations at run time.
"""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from simhive.db.uow import Database, to_thread
from simhive.dialects.admin.auth import Guard, Scope
from simhive.dialects.admin.fields import Short
from simhive.operations import numbers as ops


class NumbersAdd(BaseModel):
    count: int = Field(ge=1, le=ops.MAX_SIMULATED)
    country: Short = Field("US", description="US, NL or UK.")
    state: Short | None = None
    areacode: Short | None = None


class NumberView(BaseModel):
    mdn: str
    country: str
    state: str
    area_code: str
    carrier: str
    gateway: str
    online: bool
    leased: bool
    held: bool = Field(description="Offline and out of SIM rotation until brought online.")
    online_until: datetime | None = Field(
        description="When its window in a modem slot ends (gateways with slots)."
    )


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
                    "mdn,carrier,state,area_code,gateway,online,country\n"
                    "12125550123,ATT,NY,212,simulator,1,US\n"
                    "0612345678,KPN,,,simulator,1,NL\n"
                ),
            }
        },
    }
}


# A CSV line is under 100 bytes: this is hundreds of thousands of numbers.
MAX_CSV_BYTES = 32 * 1024 * 1024


async def csv_body(request: Request) -> bytes:
    """The request body, refused with 413 once it passes MAX_CSV_BYTES."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_CSV_BYTES:
            raise HTTPException(413, f"a CSV body is at most {MAX_CSV_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def router(db: Database, guard: Guard) -> APIRouter:
    """Routes under /numbers."""
    routes = APIRouter(
        prefix="/numbers", tags=["numbers"], dependencies=[Depends(guard(Scope.NUMBERS))]
    )

    @routes.post("", status_code=201)
    def add_numbers(body: NumbersAdd) -> list[NumberView]:
        """Add simulated numbers."""
        added = ops.add_simulated_numbers(
            db, count=body.count, state=body.state, area_code=body.areacode, country=body.country
        )
        return [NumberView(**n.__dict__) for n in added]

    @routes.post("/import", openapi_extra=CSV_BODY, max_body_size=MAX_CSV_BYTES)
    async def import_numbers(request: Request) -> ImportView:
        """Import numbers from a CSV body (mdn, carrier, state, area_code, gateway, online,
        country).

        A row without a gateway takes SIMHIVE_DEFAULT_GATEWAY, or is refused; a row without
        a country is a US number.
        """
        result = await to_thread(ops.import_numbers, db, await csv_body(request))
        return ImportView(added=result.added, duplicates=result.duplicates, errors=result.errors)

    @routes.patch("/{mdn}")
    def update_number(mdn: str, body: NumberUpdate) -> NumberView:
        """Bring a number online (on a gateway with slots: into the line for one) or hold it
        offline (out of rotation)."""
        return NumberView(**ops.set_number_online(db, mdn=mdn, online=body.online).__dict__)

    return routes
