"""Reminders by voice: create (read back, confirm), list, cancel."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

from intents.schema import IntentId, Parse

from .. import say
from ..clock import Clock
from ..phrases import say as phrase
from ..records import Reminder
from ..recurrence import next_due, validate_rule
from ..store import Store
from .activities import page
from .answer import CONFIRM, SLOT, Answer, Ask, slot_date, slot_time

_LOGGER = logging.getLogger(__name__)


def spoken_when(reminder: Reminder, due: Optional[datetime], now: datetime) -> str:
    """'每天早上八点' for a repeating reminder, '明天下午三点' for a one-shot."""
    if reminder.repeat:
        return say.repeat_rule(reminder.repeat) + say.clock_time(reminder.at)
    when = due or datetime.combine(reminder.start_date, reminder.at)
    return say.moment(when, now)


def create(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'每天早上八点提醒我吃降压药' → '每天早上八点提醒您吃降压药，对吗？' → saved."""
    now = clock.now()
    slots: Dict[str, Any] = dict(parse.slots)
    if not slots.get("content"):
        return Answer(phrase("reminder.ask_content"), Ask(SLOT, IntentId.REMINDER_CREATE, slots, "content"))
    at = slot_time(slots)
    if at is None:
        return Answer(phrase("reminder.ask_time"), Ask(SLOT, IntentId.REMINDER_CREATE, slots, "time"))
    repeat = validate_rule(slots.get("repeat"))
    day = slot_date(slots)
    if day is None:
        day = now.date() if repeat or at > now.time() else now.date() + timedelta(days=1)
        slots["date"] = day.isoformat()
    draft = Reminder(id="", content=str(slots["content"]), at=at, start_date=day, repeat=repeat,
                     active=True, created_at=now)
    first = next_due(draft, now)
    when = spoken_when(draft, first, now)
    if first is None:
        return Answer(phrase("reminder.past", when=when))
    if not slots.get("confirmed"):
        return Answer(phrase("reminder.confirm", when=when, content=draft.content),
                      Ask(CONFIRM, IntentId.REMINDER_CREATE, slots))
    store.add_reminder(draft.content, at, day, repeat, now)
    return Answer(phrase("reminder.set", when=when, content=draft.content))


def _upcoming(store: Store, now: datetime) -> List[Reminder]:
    """Active reminders that will still fire, soonest first."""
    pairs = [(next_due(r, now), r) for r in store.reminders()]
    live = [(due, r) for due, r in pairs if due is not None]
    live.sort(key=lambda p: p[0])
    return [r for _, r in live]


def list_all(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'我有哪些提醒' → up to three, then '还有N个'."""
    now = clock.now()
    items = _upcoming(store, now)
    if not items:
        return Answer(phrase("reminder.none"))
    lines = [phrase("reminder.item", when=spoken_when(r, next_due(r, now), now), content=r.content)
             for r in items]
    offset = int(parse.slots.get("offset") or 0)
    head = "" if offset else phrase("reminder.intro", count=len(items))
    return page(lines, offset, IntentId.REMINDER_LIST, dict(parse.slots), head)


def _subsequence(short: str, long: str) -> bool:
    """'吃药' names '吃降压药': every character of short appears in long, in order."""
    chars = iter(long)
    return all(char in chars for char in short)


def _matches(reminder: Reminder, slots: Dict[str, Any]) -> bool:
    content = str(slots.get("content") or "")
    at = slot_time(slots)
    if content and not (_subsequence(content, reminder.content) or _subsequence(reminder.content, content)):
        return False
    return at is None or reminder.at == at


def cancel(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'取消吃药的提醒' → confirm → cancelled (with an outbox op)."""
    now = clock.now()
    slots = dict(parse.slots)
    items = _upcoming(store, now)
    if slots.get("reminder_id"):
        items = [r for r in items if r.id == slots["reminder_id"]]
    elif slots.get("content") or slots.get("time"):
        items = [r for r in items if _matches(r, slots)]
    elif len(items) > 1:
        return Answer(phrase("reminder.cancel_which"), Ask(SLOT, IntentId.REMINDER_CANCEL, slots, "content"))
    if not items:
        return Answer(phrase("reminder.not_found") if slots else phrase("reminder.none"))
    target = items[0]
    if not slots.get("confirmed"):
        when = spoken_when(target, next_due(target, now), now)
        return Answer(phrase("reminder.cancel_confirm", when=when, content=target.content),
                      Ask(CONFIRM, IntentId.REMINDER_CANCEL, {"reminder_id": target.id}))
    store.cancel_reminder(target.id, now)
    return Answer(phrase("reminder.cancelled", content=target.content))

