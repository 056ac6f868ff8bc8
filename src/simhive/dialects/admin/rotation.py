"""Admin API: SIM rotation, a gateway's modem slots and how its numbers take turns.

No `from __future__ import annotations` here: FastAPI reads these annotations at run time.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from simhive.core.rotation.service import MAX_SLOTS, MAX_WINDOW_S, MIN_WINDOW_S, SlotsView
from simhive.db.uow import Database
from simhive.dialects.admin.auth import Guard, Operator, Scope
from simhive.operations import rotation as ops

GatewayName = Annotated[str, Path(min_length=1, max_length=32)]


class Slots(BaseModel):
    slots: int = Field(ge=1, le=MAX_SLOTS, description="Numbers of the gateway online at once.")
    window_s: int | None = Field(
        None,
        ge=MIN_WINDOW_S,
        le=MAX_WINDOW_S,
        description="Seconds each stays online; null: SIMHIVE_ROTATION_WINDOW_S.",
    )


class RotationView(BaseModel):
    gateway: str
    slots: int
    window_s: int
    own_window: bool = Field(description="False: the window is SIMHIVE_ROTATION_WINDOW_S.")
    set_by: str
    updated_at: datetime
    online: int
    waiting: int = Field(description="Offline numbers in line for a slot.")
    held: int = Field(description="Offline numbers out of rotation until brought online.")
    requests: int = Field(description="Customers' `ltr_activate` requests not honoured yet.")


class Removed(BaseModel):
    online: int = Field(description="Numbers that came online.")


def _view(v: SlotsView) -> RotationView:
    return RotationView(**{k: getattr(v, k) for k in RotationView.model_fields})


def router(db: Database, guard: Guard) -> APIRouter:
    """Routes under /rotation."""
    routes = APIRouter(prefix="/rotation", tags=["numbers"])
    Numbers = Annotated[Operator, Depends(guard(Scope.NUMBERS))]

    @routes.get("")
    def list_rotation(_: Numbers) -> list[RotationView]:
        """Gateways with slots, and how their numbers stand."""
        return [_view(v) for v in ops.list_slots(db)]

    @routes.put("/{gateway}")
    def set_rotation(gateway: GatewayName, body: Slots, operator: Numbers) -> RotationView:
        """Set a gateway's slots and window; numbers move into and out of slots at once."""
        window = str(body.window_s) + "s" if body.window_s is not None else ops.DEFAULT_WINDOW
        done = ops.set_slots(
            db, gateway=gateway, slots=body.slots, window=window, made_by=operator.label
        )
        return _view(done)

    @routes.delete("/{gateway}")
    def remove_rotation(gateway: GatewayName, _: Numbers) -> Removed:
        """Forget a gateway's slots: every number of it not held offline comes online."""
        return Removed(online=ops.remove_slots(db, gateway=gateway))

    return routes
