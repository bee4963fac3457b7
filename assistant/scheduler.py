"""Reminders falling due, re-prompts until acknowledged, misses, catch-up after downtime, quiet hours."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Dict, List, Optional

from .clock import Clock
from .config import DialogSettings
from .events import AnnouncementArrived, Event, ReminderDue
from .records import AnnouncementStatus, OccurrenceStatus, Reminder
from .recurrence import applies, dues
from .store import Store

_LOGGER = logging.getLogger(__name__)

FIRED, MISSED = OccurrenceStatus.FIRED, OccurrenceStatus.MISSED

REPROMPT = timedelta(minutes=5)
"""A fired reminder is said again this often until acknowledged …"""
MAX_ATTEMPTS = 4
"""… the first time plus three repeats; five minutes after the last one it is missed."""
LATE = timedelta(seconds=60)
"""Found due later than this (device off, clock jumped) → missed rather than fired."""
CATCH_UP = timedelta(hours=12)
"""Missed occurrences this recent are spoken once ('您有一个错过的提醒…'); older ones only recorded."""
RECORD_BACK = timedelta(days=7)
"""Occurrences further back are not even recorded: a reminder made while the clock said 2024
would otherwise fill the outbox with two years of 'missed' the moment the clock is set right."""


def _hhmm(text: str) -> time:
    return time.fromisoformat(text)


def is_due_of(reminder: Reminder, due: datetime) -> bool:
    """Whether due is an occurrence of the reminder's current rule (not of a rule it had before)."""
    if due.time() != reminder.at or due.date() < reminder.start_date:
        return False
    if not reminder.repeat:
        return due.date() == reminder.start_date
    return applies(reminder.repeat, due.date())


def in_quiet_hours(at: datetime, settings: DialogSettings) -> bool:
    """Whether at falls in [quiet_start, quiet_end), which may wrap midnight (21:30–07:30)."""
    start, end, now = _hhmm(settings.quiet_start), _hhmm(settings.quiet_end), at.time()
    if start == end:
        return False
    if start < end:
        return start <= now < end
    return now >= start or now < end


def quiet_end_after(at: datetime, settings: DialogSettings) -> datetime:
    """The next time quiet hours end after at."""
    end = datetime.combine(at.date(), _hhmm(settings.quiet_end))
    return end if end > at else end + timedelta(days=1)


def acknowledge_open(store: Store, at: datetime) -> int:
    """'知道了': every fired, unacknowledged occurrence becomes acknowledged; returns how many."""
    count = 0
    for occ in store.occurrences(statuses=(FIRED,)):
        count += store.close_occurrence(occ.id, OccurrenceStatus.ACKNOWLEDGED, at)
    return count


class Scheduler:
    """Decides what is due; the dialog thread calls it and speaks the events it returns.

    Every occurrence is keyed (reminder_id, due_at) in the store, so it fires exactly once
    across restarts, and nothing at or before a reminder's latest occurrence fires again
    after the clock jumps backwards.
    """

    def __init__(self, store: Store, clock: Clock, settings: DialogSettings) -> None:
        self._store = store
        self._clock = clock
        self._settings = settings
        self._grace = timedelta(minutes=settings.late_minutes)
        """How late an occurrence learnt late may still be said (dialog.late_minutes)."""

    def _anchors(self, reminders: List[Reminder]) -> Dict[str, datetime]:
        latest = self._store.latest_occurrences()
        anchors = {}
        for r in reminders:
            # Start after the latest occurrence, or after the last edit: a reminder set (or moved)
            # at 10:00 for 08:00 daily is first due tomorrow, not 'missed' today.
            edited = max(r.created_at, r.updated_at or r.created_at).replace(microsecond=0)
            edited -= timedelta(seconds=1)
            last = latest.get(r.id)
            if r.learnt_at is not None:
                # A change from the family counts from the server's time of the change, not from
                # when it reached the speaker, and an occurrence due up to late_minutes before the
                # change still counts: set at 09:00:25 for 09:00 → said at once.
                edited -= self._grace
                if last is not None and last > edited and not is_due_of(r, last):
                    # The latest occurrence belongs to the rule before the change (a one-shot at
                    # 10:00, moved to 09:00 while the speaker was offline, fired at 10:00): it
                    # must not hide the new rule's occurrences.
                    mine = [o.due_at for o in self._store.occurrences(r.id) if is_due_of(r, o.due_at)]
                    last = max(mine) if mine else None
            anchors[r.id] = max(last, edited) if last is not None else edited
        return anchors

    def _status(self, reminder: Reminder, due: datetime, at: datetime) -> OccurrenceStatus:
        """Fired, or missed when found too late: 60 s for a known reminder (the speaker was off,
        the clock jumped), late_minutes for one the speaker learnt of only after its due time."""
        if reminder.learnt_at is not None and due <= reminder.learnt_at:
            return FIRED if at - due <= self._grace else MISSED
        return FIRED if at - due <= LATE else MISSED

    def next_wake(self, after: datetime) -> Optional[datetime]:
        """The earliest time after `after` when poll() has something to do (None: nothing planned)."""
        candidates: List[datetime] = []
        reminders = self._store.reminders()
        anchors = self._anchors(reminders)
        for r in reminders:
            due = next(dues(r, max(anchors[r.id], after - RECORD_BACK), after + timedelta(days=8)), None)
            if due is not None:
                candidates.append(due)
        for occ in self._store.occurrences(statuses=(FIRED,)):
            candidates.append((occ.last_prompt_at or occ.due_at) + REPROMPT)
        if self._store.announcements(status=AnnouncementStatus.HELD, limit=1):
            candidates.append(quiet_end_after(after, self._settings))
        return min(candidates) if candidates else None

    def poll(self, at: datetime) -> List[Event]:
        """Record what is due at `at` and return the events to speak, in order.

        Nothing happens while the clock is not trusted: an offline-booted Raspberry Pi may think
        it is 1970 or last week, and firing or missing reminders on that time would be wrong.
        """
        if not self._clock.is_trusted():
            return []
        events: List[Event] = []
        events.extend(self._new_occurrences(at))
        events.extend(self._open_occurrences(at))
        if not in_quiet_hours(at, self._settings):
            for ann in self._store.announcements(status=AnnouncementStatus.HELD, limit=50):
                events.append(AnnouncementArrived(ann.id, ann.text, ann.urgent, ann.created_at))
        return events

    def _new_occurrences(self, at: datetime) -> List[Event]:
        reminders = {r.id: r for r in self._store.reminders()}
        anchors = self._anchors(list(reminders.values()))
        found = [(r.id, due, self._status(r, due, at))
                 for r in reminders.values() for due in dues(r, max(anchors[r.id], at - RECORD_BACK), at)]
        if not found:
            return []
        events: List[Event] = []
        for occ in self._store.record_occurrences(found, at):
            content = reminders[occ.reminder_id].content
            if occ.status is FIRED:
                events.append(ReminderDue(occ.reminder_id, occ.due_at, content, attempt=1))
            elif at - occ.due_at <= CATCH_UP:
                events.append(ReminderDue(occ.reminder_id, occ.due_at, content, missed=True))
            else:
                _LOGGER.info("reminder %s due %s missed long ago; recorded only", occ.reminder_id, occ.due_at)
        events.sort(key=lambda e: e.due_at)  # type: ignore[union-attr]
        return events

    def _open_occurrences(self, at: datetime) -> List[Event]:
        events: List[Event] = []
        for occ in self._store.occurrences(statuses=(FIRED,)):
            last = occ.last_prompt_at or occ.due_at
            if at < last + REPROMPT:
                continue
            if occ.attempts >= MAX_ATTEMPTS or at - last > REPROMPT + LATE:
                self._store.close_occurrence(occ.id, MISSED, at)
                continue
            reminder = self._store.reminder(occ.reminder_id)
            if reminder is None or not reminder.active:  # cancelled while it was being repeated
                self._store.close_occurrence(occ.id, MISSED, at)
                continue
            self._store.prompted_again(occ.id, at)
            events.append(ReminderDue(occ.reminder_id, occ.due_at, reminder.content,
                                      attempt=occ.attempts + 1))
        return events
