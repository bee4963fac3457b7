"""What a skill returns: the words to say and, optionally, the question it leaves open."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import Enum
from typing import Any, Callable, Dict, Optional, Tuple

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
    CHOOSE = "choose"
    """'您是说…还是…？': two or three items fit; the answer (第一个, a day, a time, a title) picks
    one, and the skill re-runs with that item's id in options[i]['slot']."""
    SUGGEST = "suggest"
    """'我没听懂，您是想报名活动吗？': yes runs the suggested intent with no slots (it then asks)."""
    RESUME = "resume"
    """'刚才的报名还没办好，要现在报名吗？': yes re-runs the set-aside question's skill (inner)."""
    HELP = "help"
    """'您是不是需要人帮忙？' after a possible danger: yes, silence (20 s) or more danger → alert."""
    POLL = "poll"
    """'社区想问问您：…您选哪一个？' (活动调查): an option, its number, 都可以 or 唔知 answers it;
    asked once."""


CONFIRM, SLOT, MORE = AskKind.CONFIRM, AskKind.SLOT, AskKind.MORE
CHOOSE, SUGGEST, RESUME, HELP = AskKind.CHOOSE, AskKind.SUGGEST, AskKind.RESUME, AskKind.HELP
POLL = AskKind.POLL


@dataclass(frozen=True)
class Item:
    """One thing a list or a 'which one' question named, so '第一个' can refer to it."""

    kind: str
    """activity / booking / reminder / service / message / announcement"""
    id: str
    label: str = ""
    """How it was named ('明天早上八点的太极拳')."""
    date: str = ""
    """YYYY-MM-DD of the item (its next occurrence for a reminder)."""
    time: str = ""
    """HH:MM."""
    words: str = ""
    """Its title or content, matched against an answer like '降压药那个'."""


@dataclass(frozen=True)
class Ask:
    """The question a skill leaves open for the next utterance (expires after 30 s)."""

    kind: AskKind
    intent: IntentId
    slots: Dict[str, Any] = field(default_factory=dict)
    slot: Optional[str] = None
    """For kind SLOT: the slot the question asks for (content, activity_id, service, date, time);
    for kind CHOOSE: the slot the chosen item's id goes into (booking_id, reminder_id, activity_id)."""
    options: Tuple[Item, ...] = ()
    """For kind CHOOSE: the items offered, in the order said."""
    inner: Optional["Ask"] = None
    """For kind RESUME: the question that was set aside."""


@dataclass(frozen=True)
class Answer:
    """A skill's result: spoken text (already in words), an open question, urgency."""

    text: str
    ask: Optional[Ask] = None
    urgent: bool = False
    listed: Tuple[Item, ...] = ()
    """The items this answer named in order ('第一个' then refers to listed[0])."""


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


def choose(intent: IntentId, slot: str, items: Tuple[Item, ...], slots: Dict[str, Any]) -> Answer:
    """'您是说A，还是B？' over two or three items; the answer picks one (see AskKind.CHOOSE)."""
    from ..phrases import say as phrase

    labels = [item.label for item in items]
    text = phrase("choose.ask", some="、".join(labels[:-1]), last=labels[-1])
    return Answer(text, Ask(CHOOSE, intent, dict(slots), slot, tuple(items)), listed=tuple(items))
