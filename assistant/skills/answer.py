"""What a skill returns: the words to say and, optionally, the question it leaves open."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import Enum
from typing import Any, Callable, Dict, Optional

from intents.schema import IntentId, Parse

from ..clock import Clock
from ..store import Store

_LOGGER = logging.getLogger(__name__)

class AskKind(str, Enum):
    """What kind of question a skill left open."""

    CONFIRM = "confirm"
    """A yes/no question; yes re-runs the skill with slots + {'confirmed': True}."""
    SLOT = "slot"
    """A follow-up for a missing slot; the next utterance fills it and the skill re-runs."""
    MORE = "more"
    """'还有N个，要继续听吗？'; yes re-runs the skill with the next offset."""


CONFIRM, SLOT, MORE = AskKind.CONFIRM, AskKind.SLOT, AskKind.MORE


@dataclass(frozen=True)
class Ask:
    """The question a skill leaves open for the next utterance (expires after 30 s)."""

    kind: AskKind
    intent: IntentId
    slots: Dict[str, Any] = field(default_factory=dict)
    slot: Optional[str] = None
    """For kind SLOT: the slot the question asks for (content, activity_id, service, date, time)."""


@dataclass(frozen=True)
class Answer:
    """A skill's result: spoken text (already in words), an open question, urgency."""

    text: str
    ask: Optional[Ask] = None
    urgent: bool = False


Skill = Callable[[Parse, Store, Clock], Answer]


def slot_date(slots: Dict[str, Any]) -> Optional[date]:
    """The 'date' slot (YYYY-MM-DD) as a date, or None."""
    value = slots.get("date")
    return date.fromisoformat(value) if value else None


def slot_time(slots: Dict[str, Any]) -> Optional[time]:
    """The 'time' slot (HH:MM) as a time, or None."""
    value = slots.get("time")
    return time.fromisoformat(value) if value else None


PART_HOURS = {"morning": (5, 12), "noon": (11, 14), "afternoon": (12, 18), "evening": (18, 24)}
"""part_of_day slot → [start hour, end hour) used to filter activities."""


def in_part_of_day(when: datetime, part: Optional[str]) -> bool:
    if not part or part not in PART_HOURS:
        return True
    low, high = PART_HOURS[part]
    return low <= when.hour < high
