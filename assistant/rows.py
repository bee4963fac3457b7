"""Store rows (ORM objects or Core rows, which share attribute names) → the frozen records."""

from __future__ import annotations

import json
import logging
from datetime import time
from typing import TYPE_CHECKING, Any

from .records import (
    Announcement,
    AnnouncementStatus,
    Booking,
    BookingStatus,
    Message,
    Occurrence,
    OccurrenceStatus,
    OutboxOp,
    Reminder,
    ServiceRequest,
)

if TYPE_CHECKING:
    from intents.schema import Activity

_LOGGER = logging.getLogger(__name__)


def activity_of(row: Any) -> "Activity":
    # Imported here so that tools needing only the store (crash tests, sync) skip the NLU's start-up.
    from intents.schema import Activity

    return Activity(id=row.id, title=row.title, category=row.category, start=row.start,
                    place=row.place, capacity=row.capacity)


def booking_of(row: Any) -> Booking:
    return Booking(row.id, row.activity_id, BookingStatus(row.status), row.created_at, row.reason)


def service_of(row: Any) -> ServiceRequest:
    return ServiceRequest(row.id, row.service, row.day, row.time, BookingStatus(row.status), row.created_at)


def reminder_of(row: Any) -> Reminder:
    return Reminder(id=row.id, content=row.content, at=time.fromisoformat(row.time),
                    start_date=row.start_date, repeat=row.repeat, active=row.active,
                    created_at=row.created_at, source=row.source, updated_at=row.updated_at,
                    learnt_at=getattr(row, "learnt_at", None))


def occurrence_of(row: Any) -> Occurrence:
    return Occurrence(row.id, row.reminder_id, row.due_at, OccurrenceStatus(row.status), row.attempts,
                      row.last_prompt_at)


def announcement_of(row: Any) -> Announcement:
    return Announcement(row.id, row.text, row.urgent, AnnouncementStatus(row.status), row.created_at)


def message_of(row: Any) -> Message:
    return Message(row.id, row.direction, row.peer, row.text, row.heard, row.created_at)


def op_of(row: Any) -> OutboxOp:
    return OutboxOp(row.seq, row.op_id, row.type, json.loads(row.payload), row.created_at, row.urgent,
                    row.state)
