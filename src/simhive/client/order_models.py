"""What the order API (002) answers, as typed values (times as aware UTC datetimes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Order:
    """`ORDER_ID_{id}_NUMBER_{phone}`: `phone` in national form for NL and UK, 1XXXXXXXXXX
    for the USA."""

    id: int
    phone: str


@dataclass(frozen=True, slots=True)
class Contract:
    """`rental/new`: a new rental contract."""

    contract_id: int
    package: str
    auto_renew: bool
    expire_on: datetime
    phone_number: str
    country: str  # NL or UK


@dataclass(frozen=True, slots=True)
class ContractExtension:
    """`rental/extend`: the package added, and the contract's new expiry."""

    package: str
    new_expire: datetime


@dataclass(frozen=True, slots=True)
class ContractSms:
    """One of `rental/view`'s `received_sms`, numbered from 1, oldest first."""

    id: int
    sender: str
    body: str
    receive_date: datetime


@dataclass(frozen=True, slots=True)
class ContractDetails:
    """`rental/view`: the contract and every SMS its number received."""

    contract_id: int
    phone_number: str
    country: str
    package: str
    renewal_package: str
    auto_renew: bool
    expire_on: datetime
    received_sms: tuple[ContractSms, ...]
