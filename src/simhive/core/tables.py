"""Every table of core, so metadata (and Alembic) sees the whole schema."""

from simhive.core.accounts.models import Account, ApiKey
from simhive.core.activations.models import Activation
from simhive.core.catalog.models import Service, ServicePrice
from simhive.core.events.models import Event, EventAttempt
from simhive.core.inventory.models import Number, NumberSkip, NumberUsage, Rejection
from simhive.core.ledger.models import Hold, LedgerEntry
from simhive.core.messages.models import Message
from simhive.core.operators.models import AdminToken
from simhive.core.outbound.models import OutgoingMessage
from simhive.core.rentals.models import Rental, RentalReport
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
    "Hold",
    "LedgerEntry",
    "Message",
    "Number",
    "NumberSkip",
    "NumberUsage",
    "OutgoingMessage",
    "Rejection",
    "Rental",
    "RentalReport",
    "Service",
    "ServicePrice",
]
