"""What the dialects render of an activation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from simhive.core.activations.models import OPEN_STATUSES, Activation, ActivationStatus
from simhive.core.catalog.models import Service
from simhive.core.inventory.models import Number
from simhive.kit.money import from_cents


@dataclass(frozen=True, slots=True)
class ActivationView:
    id: int
    account_id: int
    mdn: str
    service: str
    status: ActivationStatus
    state: str
    markup: int
    price: Decimal
    carrier: str
    till_expiration: int
    created_at: datetime
    reserved_at: datetime | None


def view(
    activation: Activation, service: Service, number: Number | None, now: datetime
) -> ActivationView:
    """Build the view; `till_expiration` counts down only while the request is open."""
    status = ActivationStatus(activation.status)
    remaining = 0
    if status in OPEN_STATUSES:
        remaining = max(int((activation.expires_at - now).total_seconds()), 0)
        if activation.expires_at <= now:
            # Past its deadline: Timed Out, whether or not the sweep has written it yet.
            status = ActivationStatus.TIMED_OUT
    # 000: "state" is set "for geo-targeted requests" only.
    state = activation.want_state
    if activation.want_area_code and number is not None:
        state = number.state
    return ActivationView(
        id=activation.id,
        account_id=activation.account_id,
        mdn=number.mdn if number is not None else "",
        service=service.name,
        status=status,
        state=state,
        markup=activation.markup,
        price=from_cents(activation.price_cents),
        carrier=number.carrier if number is not None else "",
        till_expiration=remaining,
        created_at=activation.created_at,
        reserved_at=activation.reserved_at,
    )
