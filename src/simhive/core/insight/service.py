"""HLR lookups and fraud checks sold as products: each one a request of the account, with
its price charged through the ledger (003 "HLR lookup", "Fraud Check").

A lookup or a check is answered at once, so its request is opened with the price held
and the hold is captured in the same transaction: the account pays for every answer,
and with too little money (InsufficientFunds) nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from simhive.core.accounts.models import Account
from simhive.core.insight import fraud, hlr
from simhive.core.products import service as products
from simhive.core.products.models import Product, ProductRequest, Transport
from simhive.db.uow import UnitOfWork
from simhive.kit.phone import NumberFacts, number_facts

__all__ = ["FraudCheckDone", "HlrDone", "fraud_check", "hlr_lookup"]


@dataclass(frozen=True, slots=True)
class HlrDone:
    request: ProductRequest
    result: hlr.HlrResult


@dataclass(frozen=True, slots=True)
class FraudCheckDone:
    request: ProductRequest
    verdict: fraud.FraudVerdict


def _charged(
    uow: UnitOfWork,
    *,
    account: Account,
    product: Product,
    facts: NumberFacts,
    payload: dict[str, Any],
    price: Decimal,
    status: Transport,
) -> ProductRequest:
    request = products.open_request(
        uow,
        account=account,
        product=product,
        facts=facts,
        payload=payload,
        price=price,
        status=status,
    )
    products.settle(uow, request.id, capture=True)
    return request


def hlr_lookup(
    uow: UnitOfWork, *, account: Account, number: str, payload: dict[str, Any]
) -> HlrDone:
    """Look a number up for an account: its request shows the network the lookup found,
    DELIVERED for an allotted number and UNDELIVERED for one no network holds."""
    result = hlr.lookup(uow, number)
    facts = NumberFacts(
        e164=result.number,
        country=result.country,
        network=(result.network or "")[:64] or None,
        mccmnc=result.mccmnc,
    )
    delivered = result.status is hlr.HlrStatus.DELIVERED
    request = _charged(
        uow,
        account=account,
        product=Product.INSIGHT_HLR,
        facts=facts,
        payload=payload,
        price=uow.settings.hlr_price,
        status=Transport.DELIVERED if delivered else Transport.UNDELIVERED,
    )
    return HlrDone(request, result)


def fraud_check(
    uow: UnitOfWork, *, account: Account, number: str, ip: str | None, payload: dict[str, Any]
) -> FraudCheckDone:
    """Check a number for an account without counting it as a verification attempt.

    The request is DELIVERED (answered); its payload keeps the verdict and its reasons
    under `verdict`, beside the parameters the client sent.
    """
    verdict = fraud.check(uow, number, ip=ip, account_id=account.id, record_attempt=False)
    recorded = {
        **payload,
        "verdict": {
            "status": verdict.status.value,
            "mobile_prefix": verdict.mobile_prefix,
            "reasons": list(verdict.reasons),
        },
    }
    request = _charged(
        uow,
        account=account,
        product=Product.INSIGHT_FRAUDCHECK,
        facts=number_facts(verdict.number),
        payload=recorded,
        price=uow.settings.fraudcheck_price,
        status=Transport.DELIVERED,
    )
    return FraudCheckDone(request, verdict)
