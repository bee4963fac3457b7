"""越巢 device runtime: dialog, skills, reminders, scheduler and the local store."""

from __future__ import annotations

import logging

from .changes import ReminderChange, ServerChanges, apply_changes
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
    "ConfigError", "Event", "FakeClock", "MessageArrived", "ReminderAdded", "ReminderChange", "ReminderDue",
    "Reply", "ServerChanges", "Settings", "Store", "StoreError", "SyncFinished", "SystemClock", "Turn",
    "UtteranceHeard", "apply_changes", "event_from_dict",
]
