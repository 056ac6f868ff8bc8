"""Every table of core, so metadata (and Alembic) sees the whole schema."""

from simhive.core.accounts.models import Account, ApiKey
from simhive.core.activations.models import Activation
from simhive.core.catalog.models import Service
from simhive.core.events.models import Event, EventAttempt
from simhive.core.inventory.models import Number, NumberUsage, Rejection
from simhive.core.ledger.models import Hold, LedgerEntry
from simhive.core.messages.models import Message
from simhive.core.operators.models import AdminToken
from simhive.core.outbound.models import OutgoingMessage
from simhive.core.rentals.models import Rental, RentalReport
from simhive.core.rotation.models import GatewaySlots, OnlineRequest
from simhive.core.sandbox.models import ClockOffset
from simhive.db.base import Base

__all__ = [
    "Account",
    "AdminToken",
    "Activation",
    "ApiKey",
    "Base",
    "ClockOffset",
    "Event",
    "EventAttempt",
    "GatewaySlots",
    "Hold",
    "LedgerEntry",
    "Message",
    "Number",
    "NumberUsage",
    "OnlineRequest",
    "OutgoingMessage",
    "Rejection",
    "Rental",
    "RentalReport",
    "Service",
]
