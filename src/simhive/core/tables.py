"""Every table of core, so metadata (and Alembic) sees the whole schema."""

from simhive.core.accounts.models import Account, ApiKey
from simhive.core.activations.models import Activation
from simhive.core.catalog.models import Service, ServicePrice
from simhive.core.events.models import Event, EventAttempt
from simhive.core.insight.models import FraudBlock, FraudCounter
from simhive.core.inventory.models import Number, NumberSkip, NumberUsage, Rejection
from simhive.core.ledger.models import Hold, LedgerBalance, LedgerEntry
from simhive.core.messages.models import Message
from simhive.core.operators.models import AdminToken
from simhive.core.outbound.models import OutgoingCall, OutgoingMessage
from simhive.core.policies.models import AccountPolicy
from simhive.core.products.models import ProductRequest
from simhive.core.ratelimits.models import RateCounter
from simhive.core.rentals.models import Rental, RentalReport
from simhive.core.rotation.models import GatewaySlots, OnlineRequest
from simhive.core.sandbox.models import ClockOffset
from simhive.core.senders.models import SenderId
from simhive.core.tokens.models import AccessToken
from simhive.core.verify.models import Verification
from simhive.db.base import Base

__all__ = [
    "AccessToken",
    "Account",
    "AccountPolicy",
    "Activation",
    "AdminToken",
    "ApiKey",
    "Base",
    "ClockOffset",
    "Event",
    "EventAttempt",
    "FraudBlock",
    "FraudCounter",
    "GatewaySlots",
    "Hold",
    "LedgerBalance",
    "LedgerEntry",
    "Message",
    "Number",
    "NumberSkip",
    "NumberUsage",
    "OnlineRequest",
    "OutgoingCall",
    "OutgoingMessage",
    "ProductRequest",
    "RateCounter",
    "Rejection",
    "Rental",
    "RentalReport",
    "SenderId",
    "Service",
    "ServicePrice",
    "Verification",
]
