"""Everything the dialog thread reacts to: one queue of these frozen events, one brain."""

from __future__ import annotations

import dataclasses
import logging
import typing
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Mapping, Optional, Tuple, Type, Union

_LOGGER = logging.getLogger(__name__)


class _EventDict:
    """to_dict/from_dict for flat frozen events: datetimes as ISO text, tuples as lists."""

    def to_dict(self) -> Dict[str, Any]:
        data: Dict[str, Any] = {"type": type(self).__name__}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            data[f.name] = value
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Any:
        """Inverse of to_dict(); raises ValueError naming a missing field."""
        hints = typing.get_type_hints(cls)
        kwargs: Dict[str, Any] = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name not in data:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    raise ValueError(f"{cls.__name__}: missing field {f.name!r}")
                continue
            value = data[f.name]
            hint = str(hints[f.name])
            if value is not None and "datetime" in hint:
                value = datetime.fromisoformat(value)
            elif value is not None and "Tuple" in hint:
                value = tuple(value)
            kwargs[f.name] = value
        return cls(**kwargs)


@dataclass(frozen=True)
class UtteranceHeard(_EventDict):
    """The recogniser heard a sentence (after the wake word, or during an expected answer)."""

    text: str
    alternatives: Tuple[str, ...] = ()
    """Other hypotheses, best first."""
    confidence: float = 1.0
    """0–1 from the recogniser."""


@dataclass(frozen=True)
class ReminderDue(_EventDict):
    """A reminder occurrence to speak now (scheduler → dialog)."""

    reminder_id: str
    due_at: datetime
    """Local due time; the scheduler compares it with clock.now(), never datetime.now()."""
    content: str = ""
    attempt: int = 1
    """1 = first time, 2–4 = repeats every 5 minutes until acknowledged."""
    missed: bool = False
    """True: the device was off or the clock wrong at due time; said as '您有一个错过的提醒…'."""


@dataclass(frozen=True)
class AnnouncementArrived(_EventDict):
    """A community announcement reached the device (sync → dialog)."""

    announcement_id: str
    text: str
    urgent: bool = False
    """Urgent ones are spoken even during quiet hours."""
    created_at: Optional[datetime] = None


@dataclass(frozen=True)
class MessageArrived(_EventDict):
    """A family member left a message for the senior (sync → dialog)."""

    message_id: str
    sender: str
    text: str


@dataclass(frozen=True)
class BookingResolved(_EventDict):
    """The server confirmed or rejected an offline booking or service request (sync → dialog)."""

    booking_id: str
    status: str
    """'confirmed' or 'rejected'."""
    reason: str = ""
    """Why it was rejected, e.g. 'full'."""
    kind: str = "activity"
    """'activity' (bookings table) or 'service' (service requests)."""


@dataclass(frozen=True)
class ReminderAdded(_EventDict):
    """Family set or edited a reminder from the web page (sync → dialog)."""

    reminder_id: str
    source: str = "family"


@dataclass(frozen=True)
class BookingChanged(_EventDict):
    """Family (or staff) booked or cancelled an activity for the senior on the web (sync → dialog)."""

    booking_id: str
    status: str
    """'confirmed' (booked) or 'cancelled'."""
    by: str = ""
    """Who did it, as the senior knows them: 女儿, 周社工 …"""
    role: str = "family"
    """'family' or 'staff'."""


@dataclass(frozen=True)
class AlertHandled(_EventDict):
    """Someone pressed 我来处理 on the senior's emergency (sync → dialog; spoken at once)."""

    alert_id: str
    by: str = ""
    """Who is coming, as the senior knows them: 女儿, 张姐 …"""
    role: str = "family"
    """'family' or 'staff'."""


@dataclass(frozen=True)
class HelpAccepted(_EventDict):
    """A volunteer took the senior's help request on the web (sync → news; said at a quiet moment)."""

    request_id: str
    volunteer: str = ""
    """The volunteer's name as the senior will know them: 小李."""
    what: str = ""
    """What the senior asked for, as they said it: 换灯泡."""
    visit_at: Optional[datetime] = None


@dataclass(frozen=True)
class SkillHandled(_EventDict):
    """Staff answered the senior's skill offer (技能教学): an activity they teach, or not for now."""

    offer_id: str
    skill: str = ""
    status: str = ""
    """taught / declined."""
    title: str = ""
    start: Optional[datetime] = None


@dataclass(frozen=True)
class SyncFinished(_EventDict):
    """One sync round trip ended."""

    ok: bool
    changed: Tuple[str, ...] = ()
    """Which kinds of data changed: 'activities', 'reminders', 'announcements', …"""
    error: str = ""
    server_time: Optional[datetime] = None


@dataclass(frozen=True)
class ClockMoved(_EventDict):
    """Time passed (timer tick or fake-clock advance/jump): the scheduler looks for due work."""

    old: datetime
    new: datetime
    jump: bool = False
    """True when the wall clock stepped (NTP, set()), rather than running."""


Event = Union[UtteranceHeard, ReminderDue, AnnouncementArrived, MessageArrived, BookingResolved,
              ReminderAdded, BookingChanged, AlertHandled, HelpAccepted, SyncFinished, ClockMoved]

EVENT_TYPES: Tuple[Type[Any], ...] = typing.get_args(Event)
_BY_NAME = {cls.__name__: cls for cls in EVENT_TYPES}


def event_from_dict(data: Mapping[str, Any]) -> Event:
    """Rebuild any event from its to_dict() form; raises ValueError on an unknown type."""
    name = data.get("type")
    if name not in _BY_NAME:
        raise ValueError(f"unknown event type {name!r}; expected one of {', '.join(_BY_NAME)}")
    return _BY_NAME[str(name)].from_dict(data)  # type: ignore[no-any-return]
