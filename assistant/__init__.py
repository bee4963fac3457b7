"""越巢 device runtime: dialog, skills, reminders, scheduler and the local store.

Names are imported lazily (PEP 562), so `python -m assistant --help` and small tools that only
need the store or the clock do not pay for the parser, the dialog and SQLAlchemy's ORM at start.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

_LOGGER = logging.getLogger(__name__)

_EXPORTS = {
    "Clock": "clock", "FakeClock": "clock", "SystemClock": "clock",
    "ConfigError": "config", "Settings": "config",
    "Reply": "dialog",
    "AnnouncementArrived": "events", "BookingResolved": "events", "ClockMoved": "events", "Event": "events",
    "MessageArrived": "events", "ReminderAdded": "events", "ReminderDue": "events", "SyncFinished": "events",
    "UtteranceHeard": "events", "event_from_dict": "events",
    "Assistant": "runtime", "Turn": "runtime",
    "AssistantError": "errors", "Store": "store", "StoreError": "errors",
    "ReminderChange": "changes", "ServerChanges": "changes", "apply_changes": "changes",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


def __dir__() -> list:
    return __all__
