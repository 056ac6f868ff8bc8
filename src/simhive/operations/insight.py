"""Number insight as an operator uses it: HLR lookups, fraud checks, the block list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from simhive.core.accounts import service as accounts
from simhive.core.insight import fraud, hlr
from simhive.core.insight.models import FraudBlock
from simhive.db.uow import Database

__all__ = [
    "BlockInfo",
    "block_prefix",
    "fraud_check",
    "hlr_lookup",
    "list_blocks",
    "unblock_prefix",
]


@dataclass(frozen=True)
class BlockInfo:
    prefix: str  # with the plus: +4477009
    reason: str
    created_by: str
    created_at: datetime


def _info(block: FraudBlock) -> BlockInfo:
    return BlockInfo(
        prefix=f"+{block.prefix}",
        reason=block.reason,
        created_by=block.created_by,
        created_at=block.created_at,
    )


def hlr_lookup(db: Database, number: str) -> hlr.HlrResult:
    """What simhive knows of a number's network, offline."""
    with db.uow(write=False) as uow:
        return hlr.lookup(uow, number)


def fraud_check(
    db: Database, number: str, *, account: str | None = None, ip: str | None = None
) -> fraud.FraudVerdict:
    """The verdict a verification of `number` would get now (for `account`'s counts);
    records nothing."""
    with db.uow(write=False) as uow:
        account_id = accounts.find_account(uow, account).id if account else None
        return fraud.check(uow, number, ip=ip, account_id=account_id, record_attempt=False)


def block_prefix(db: Database, *, prefix: str, reason: str = "", made_by: str) -> BlockInfo:
    """Block a prefix: every number under it is FRAUDULENT; again changes the reason."""
    with db.uow() as uow:
        return _info(fraud.block(uow, prefix=prefix, reason=reason, made_by=made_by))


def unblock_prefix(db: Database, *, prefix: str) -> BlockInfo:
    with db.uow() as uow:
        return _info(fraud.unblock(uow, prefix=prefix))


def list_blocks(db: Database) -> list[BlockInfo]:
    with db.uow(write=False) as uow:
        return [_info(b) for b in fraud.list_blocks(uow)]
