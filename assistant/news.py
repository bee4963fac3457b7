"""What the speaker tells unasked — announcements, family messages and reminders, booking verdicts —
kept back during quiet hours and worded when finally said (so '明天' is still right next morning)."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Callable, List, Optional, Set, Tuple

from . import say
from .config import DialogSettings
from .dialog import Reply
from .events import (
    AlertHandled,
    AnnouncementArrived,
    BookingChanged,
    BookingResolved,
    HelpAccepted,
    MessageArrived,
    ReminderAdded,
    ReminderDue,
    SkillHandled,
)
from .phrases import name
from .phrases import say as phrase
from .scheduler import in_quiet_hours
from .skills.reminders import spoken_when
from .skills.services import spoken_when as service_when
from .store import Store

_LOGGER = logging.getLogger(__name__)

Render = Callable[[datetime], str]
"""Words for a piece of news, given the time it is said."""


_ASKING = re.compile(r"^(?:帮我|帮手|帮|我想|我要|想|要|找个?人|搵个?人|有冇人|谁能|谁可以)+")
"""How a help request starts (我想找个人帮我换灯泡): what the volunteer comes to do is the rest."""


class News:
    """Per-process state of unasked news; called from the dialog thread only."""

    def __init__(self, store: Store, settings: DialogSettings, reply: Callable[..., Reply]) -> None:
        self._store = store
        self._settings = settings
        self._reply = reply
        self._held: List[Tuple[Render, Optional[str]]] = []
        """News that came in quiet hours, with the message id to mark heard once said."""
        self._told: Set[Tuple[str, str]] = set()
        """(booking id, status) or (reminder id, edit time) already told: a replayed event stays silent."""

    def _tell(self, now: datetime, render: Render, message_id: Optional[str] = None) -> List[Reply]:
        if not in_quiet_hours(now, self._settings):
            if message_id is not None:
                self._store.mark_heard([message_id], now)
            return [self._reply(render(now))]
        if message_id is None or message_id not in {m for _, m in self._held}:
            self._held.append((render, message_id))
        return []

    @property
    def holding(self) -> bool:
        """Whether some news waits for the end of quiet hours."""
        return bool(self._held)

    def release(self, at: datetime) -> List[Reply]:
        """At the end of quiet hours: everything held, worded for now (messages heard meanwhile skipped)."""
        if not self._held or in_quiet_hours(at, self._settings):
            return []
        held, self._held = self._held, []
        unheard = {m.id for m in self._store.unheard_messages()}
        held = [(render, m) for render, m in held if m is None or m in unheard]
        self._store.mark_heard([m for _, m in held if m is not None], at)
        texts = [render(at) for render, _ in held]
        return [self._reply(text) for text in texts if text]  # '' : no longer true, not said

    def announcement(self, event: AnnouncementArrived, now: datetime) -> List[Reply]:
        """Spoken now; held (status 'held' in the store, so it survives a restart) in quiet hours."""
        self._store.add_announcement(event.announcement_id, event.text, event.urgent, event.created_at or now)
        if self._store.announcement_status(event.announcement_id) != "held":
            return []
        if in_quiet_hours(now, self._settings) and not event.urgent:
            return []
        self._store.mark_announcement_spoken(event.announcement_id, now)
        key = "announce.urgent" if event.urgent else "announce.new"
        return [self._reply(phrase(key, text=event.text), urgent=event.urgent)]

    def message(self, event: MessageArrived, now: datetime) -> List[Reply]:
        self._store.add_message_in(event.message_id, event.sender, event.text, now)
        if event.message_id not in {m.id for m in self._store.unheard_messages()}:
            return []  # delivered twice: said once
        # Unheard until said: after a restart in the night, '有没有留言' still finds it.
        text = phrase("message.new", sender=event.sender, text=event.text)
        return self._tell(now, lambda _at: text, event.message_id)

    def booking_resolved(self, event: BookingResolved, now: datetime) -> List[Reply]:
        key = (event.booking_id, event.status)
        if key in self._told:
            return []
        if event.kind == "service":
            found = [s for s in self._store.services(("pending", "confirmed", "rejected"))
                     if s.id == event.booking_id]
            if not found:
                return []
            self._told.add(key)
            self._store.resolve_service(event.booking_id, event.status, now, event.reason)
            req = found[0]
            return self._tell(now, lambda at: phrase(
                f"service.{event.status}", when=service_when(req.day, req.time, at),
                service=name("service.names", req.service)))
        booking = self._store.booking(event.booking_id)
        if booking is None:
            return []
        self._told.add(key)
        self._store.resolve_booking(event.booking_id, event.status, now, event.reason)
        act = self._store.activity(booking.activity_id)
        reason = phrase(f"booking.reason_{event.reason}") if event.reason in ("full", "demo") else ""
        return self._tell(now, lambda at: phrase(
            f"booking.{event.status}", moment=say.moment(act.start, at) if act else "",
            title=act.title if act else "", reason=reason))

    def missed_reminder(self, event: ReminderDue, now: datetime) -> List[Reply]:
        return self._tell(now, lambda at: phrase("reminder.missed", when=say.moment(event.due_at, at),
                                                 content=event.content))

    def reminder_added(self, event: ReminderAdded, now: datetime) -> List[Reply]:
        reminder = self._store.reminder(event.reminder_id)
        if reminder is None or not reminder.active or event.source != "family":
            return []
        key = (event.reminder_id, str(reminder.updated_at))
        if key in self._told:
            return []
        self._told.add(key)
        return self._tell(now, lambda at: phrase("reminder.family", when=spoken_when(reminder, None, at),
                                                 content=reminder.content))

    def booking_changed(self, event: BookingChanged, now: datetime) -> List[Reply]:
        """'女儿帮您报名了明天下午两点的粤剧欣赏': at the next quiet moment (held in quiet hours),
        worded when said; a booking already cancelled again by then is not told as booked."""
        key = (event.booking_id, f"web:{event.status}")
        if key in self._told:
            return []
        booking = self._store.booking(event.booking_id)
        act = self._store.activity(booking.activity_id) if booking is not None else None
        if booking is None or act is None:
            return []
        self._told.add(key)
        who = event.by if event.role != "staff" else f"社区的{event.by}"
        booking_id, status = event.booking_id, event.status

        def render(at: datetime) -> str:
            current = self._store.booking(booking_id)
            if status == "confirmed" and (current is None or current.status != "confirmed"):
                return ""
            return phrase(f"booking.family_{'booked' if status == 'confirmed' else 'cancelled'}",
                          by=who, moment=say.moment(act.start, at), title=act.title)

        return [r for r in self._tell(now, render) if r.text]

    def help_accepted(self, event: HelpAccepted, now: datetime) -> List[Reply]:
        """'志愿者小李明天上午十点来帮您换灯泡', at the next quiet moment."""
        what = _ASKING.sub("", event.what) or "您"

        def render(at: datetime) -> str:
            if event.visit_at is not None and event.visit_at < at:
                return ""  # already come: no longer news
            when = say.moment(event.visit_at, at) if event.visit_at is not None else ""
            return phrase("help.accepted", volunteer=event.volunteer, when=when, what=what)

        return [r for r in self._tell(now, render) if r.text]

    def skill_handled(self, event: SkillHandled, now: datetime) -> List[Reply]:
        """'好消息，社区请您来教写毛笔字：…' or a kind 'not for now', at the next quiet moment."""
        if event.status == "declined":
            text = phrase("skill.declined", skill=event.skill)
            return self._tell(now, lambda _at: text)
        start = event.start

        def render(at: datetime) -> str:
            if start is None or start < at:
                return ""  # already taught: no longer news
            return phrase("skill.taught", skill=event.skill, moment=say.moment(start, at), title=event.title)

        return [r for r in self._tell(now, render) if r.text]

    def alert_handled(self, event: AlertHandled, now: datetime) -> List[Reply]:
        """'女儿知道了，正在联系您' / '社区的张姐来处理了': at once, quiet hours or not."""
        key = (event.alert_id, "handled")
        if key in self._told:
            return []
        self._told.add(key)
        if event.role == "staff":
            text = phrase("emergency.handled_staff", by=event.by or "工作人员")
        else:
            text = phrase("emergency.handled_family", by=event.by or "家人")
        return [self._reply(text, urgent=True)]
