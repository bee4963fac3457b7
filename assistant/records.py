"""Frozen records the store hands out; rows never leave assistant.store."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import Enum
from typing import Any, Dict, Optional

_LOGGER = logging.getLogger(__name__)


class BookingStatus(str, Enum):
    """Life of a booking or service request; the value is what the store and the server use."""

    PENDING = "pending"
    """Made on the device, not yet answered by the server (等社区确认)."""
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class OccurrenceStatus(str, Enum):
    """Life of one reminder occurrence."""

    FIRED = "fired"
    """Said, repeated every 5 minutes until acknowledged."""
    ACKNOWLEDGED = "acknowledged"
    MISSED = "missed"


class AnnouncementStatus(str, Enum):
    HELD = "held"
    """Arrived in quiet hours (or not yet said)."""
    SPOKEN = "spoken"


@dataclass(frozen=True)
class Booking:
    """A sign-up; status pending / confirmed / rejected / cancelled."""

    id: str
    activity_id: str
    status: BookingStatus
    created_at: datetime
    reason: str = ""


@dataclass(frozen=True)
class ServiceRequest:
    """A service request; service is checkup|meal|transport|haircut|housekeeping."""

    id: str
    service: str
    day: date
    time: Optional[str]
    status: BookingStatus
    created_at: datetime


@dataclass(frozen=True)
class Reminder:
    """A reminder; repeat None (one-shot), 'daily', 'weekdays' or 'weekly:1,3,5' (1 = Monday)."""

    id: str
    content: str
    at: time
    """Local time of day."""
    start_date: date
    repeat: Optional[str]
    active: bool
    created_at: datetime
    source: str = "voice"
    updated_at: Optional[datetime] = None
    """Last edit (by voice or family; for a family reminder the server's time of the change):
    occurrences before it are not generated, except those learnt late (see learnt_at)."""
    learnt_at: Optional[datetime] = None
    """When the speaker learnt the current rule from the server (None: set by voice here). An
    occurrence due before it, at most dialog.late_minutes before the change, was learnt late:
    it is said at once if at most late_minutes late, otherwise recorded missed."""

    @property
    def hhmm(self) -> str:
        return self.at.strftime("%H:%M")


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of a reminder; status fired / acknowledged / missed."""

    id: int
    reminder_id: str
    due_at: datetime
    status: OccurrenceStatus
    attempts: int
    last_prompt_at: Optional[datetime]


@dataclass(frozen=True)
class Announcement:
    """A community announcement; status held / spoken."""

    id: str
    text: str
    urgent: bool
    status: AnnouncementStatus
    created_at: datetime


@dataclass(frozen=True)
class Message:
    """A family message; direction 'in' (to the senior) or 'out' (dictated by the senior)."""

    id: str
    direction: str
    peer: str
    text: str
    heard: bool
    created_at: datetime


@dataclass(frozen=True)
class OutboxOp:
    """One outbox op as sync sends it: {op_id, type, payload}."""

    seq: int
    op_id: str
    type: str
    payload: Dict[str, Any] = field(default_factory=dict)
    created_at: Optional[datetime] = None
    urgent: bool = False
    state: str = "pending"

    def to_wire(self) -> Dict[str, Any]:
        """The sync request's form of this op."""
        return {"op_id": self.op_id, "type": self.type, "payload": dict(self.payload)}
