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
    """Describe an activation and its number as they stand at `now`."""
    return make_view(
        id=activation.id,
        account_id=activation.account_id,
        status=activation.status,
        markup=activation.markup,
        price_cents=activation.price_cents,
        want_state=activation.want_state,
        want_area_code=activation.want_area_code,
        expires_at=activation.expires_at,
        created_at=activation.created_at,
        reserved_at=activation.reserved_at,
        service=service.name,
        mdn=number.mdn if number is not None else None,
        carrier=number.carrier if number is not None else None,
        number_state=number.state if number is not None else None,
        now=now,
    )


def make_view(
    *,
    id: int,
    account_id: int,
    status: str,
    markup: int,
    price_cents: int,
    want_state: str,
    want_area_code: str,
    expires_at: datetime,
    created_at: datetime,
    reserved_at: datetime | None,
    service: str,
    mdn: str | None,
    carrier: str | None,
    number_state: str | None,
    now: datetime,
) -> ActivationView:
    """Build the view; `till_expiration` counts down only while the request is open."""
    shown = ActivationStatus(status)
    remaining = 0
    if shown in OPEN_STATUSES:
        remaining = max(int((expires_at - now).total_seconds()), 0)
        if expires_at <= now:
            # Past its deadline: Timed Out, whether or not the sweep has written it yet.
            shown = ActivationStatus.TIMED_OUT
    # 000: "state" is set "for geo-targeted requests" only.
    state = number_state if want_area_code and number_state is not None else want_state
    return ActivationView(
        id=id,
        account_id=account_id,
        mdn=mdn or "",
        service=service,
        status=shown,
        state=state,
        markup=markup,
        price=from_cents(price_cents),
        carrier=carrier or "",
        till_expiration=remaining,
        created_at=created_at,
        reserved_at=reserved_at,
    )
