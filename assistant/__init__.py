"""越巢 device runtime: dialog, skills, reminders, scheduler and the local store."""

from __future__ import annotations

import logging

from .clock import Clock, FakeClock, SystemClock
from .config import ConfigError, Settings
from .dialog import Reply
from .events import (
    AnnouncementArrived,
    BookingResolved,
    ClockMoved,
    Event,
    MessageArrived,
    ReminderAdded,
    ReminderDue,
    SyncFinished,
    UtteranceHeard,
    event_from_dict,
)
from .runtime import Assistant, Turn
from .store import AssistantError, Store, StoreError

_LOGGER = logging.getLogger(__name__)

__all__ = [
    "AnnouncementArrived", "Assistant", "AssistantError", "BookingResolved", "Clock", "ClockMoved",
    "ConfigError", "Event", "FakeClock", "MessageArrived", "ReminderAdded", "ReminderDue", "Reply",
    "Settings", "Store", "StoreError", "SyncFinished", "SystemClock", "Turn", "UtteranceHeard",
    "event_from_dict",
]
