"""Reminders set by family (or by voice on the speaker) and their occurrences."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Dict, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor, ActorKind, community_zone, default_household, get_household
from ..changes import record_change
from ..clock import combine_local, parse_hhmm, to_local
from ..errors import Conflict, InvalidInput, NotFound
from ..models import (
    ChangeOp,
    Entity,
    Origin,
    Reminder,
    ReminderEvent,
    ReminderEventKind,
    ReminderStatus,
    Repeat,
)
from . import checks

_LOGGER = logging.getLogger(__name__)
_ORIGIN = {ActorKind.FAMILY: Origin.FAMILY, ActorKind.STAFF: Origin.STAFF, ActorKind.DEVICE: Origin.DEVICE}


@dataclass(frozen=True)
class ReminderInput:
    content: str
    time_of_day: str
    """Local 'HH:MM' in the community's zone."""
    repeat: Repeat
    weekdays: Tuple[int, ...] = ()
    """ISO weekdays for weekly (1 = Monday … 7 = Sunday)."""
    start_date: Optional[date] = None
    """First (for once: only) day; today in the community's zone when None."""
    important: Optional[bool] = None
    """重要 (family pages): a missed occurrence raises an escalation (community.domain.escalation).
    None: unchanged on update (the speaker and the API do not send it), False on create."""

    def checked(self, today: date) -> "ReminderInput":
        at = parse_hhmm(self.time_of_day)
        repeat = checks.choice("repeat", Repeat, self.repeat)
        days = tuple(sorted(set(self.weekdays)))
        if repeat is Repeat.WEEKLY:
            if not days or any(
                isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 7 for d in days
            ):
                raise InvalidInput(
                    "每周哪几天：选了“每周”，请至少选一天", "weekdays: weekly needs days 1–7 (1 = Monday)"
                )
        elif days:
            raise InvalidInput(
                "每周哪几天：只有选“每周”时才选星期几",
                f"weekdays: only used with repeat=weekly, not {repeat.value}",
            )
        start = self.start_date or today
        if not today - timedelta(days=366) <= start <= today + timedelta(days=730):
            raise InvalidInput(
                "开始日期：请选一年以内、两年以后以内的日期",
                "start_date: expected within a year back and two years ahead",
            )
        return ReminderInput(
            checks.text("content", self.content, 1, 100),
            f"{at.hour:02d}:{at.minute:02d}",
            repeat,
            days,
            start,
            self.important,
        )


class OccurrenceState(str, Enum):
    ACKNOWLEDGED = "acknowledged"
    """已确认: the elder said 知道了."""
    UNACKNOWLEDGED = "unacknowledged"
    """未确认: due time passed without an acknowledgement (已错过 when the speaker reported it missed)."""
    UPCOMING = "upcoming"


@dataclass(frozen=True)
class Occurrence:
    reminder_id: str
    content: str
    due_at: datetime
    """Local time in the community's zone."""
    state: OccurrenceState
    fired_at: Optional[datetime] = None
    acknowledged_at: Optional[datetime] = None
    missed: bool = False


def _today(session: Session, community_id: str, now: datetime) -> date:
    return to_local(now, community_zone(session, community_id)).date()


PAST_GRACE = timedelta(minutes=5)
"""A one-time reminder for the current minute or a few minutes ago still rings at once (the speaker rings
what is up to dialog.late_minutes late); one dated earlier would never ring and is refused."""


def _refuse_past(
    session: Session, actor: Actor, community_id: str, data: ReminderInput, now: datetime
) -> None:
    """A one-time reminder set on a page or through the API must not lie in the past (issue 15).

    A speaker's own reminder is taken as it comes: it may reach the server late (issue 14).
    """
    if data.repeat is not Repeat.ONCE or actor.kind is ActorKind.DEVICE or data.start_date is None:
        return
    zone = community_zone(session, community_id)
    due = combine_local(data.start_date, parse_hhmm(data.time_of_day), zone)
    if due < now - PAST_GRACE:
        shown = to_local(due, zone).strftime("%Y年%m月%d日 %H:%M")
        raise InvalidInput(
            f"开始日期：一次性提醒的时间 {shown} 已经过去了，请选以后的日期和时间",
            f"start_date: a one-time reminder must not be in the past ({data.start_date} {data.time_of_day})",
        )


def get_reminder(session: Session, actor: Actor, reminder_id: str) -> Reminder:
    reminder = session.get(Reminder, reminder_id) if len(reminder_id) <= 36 else None
    if reminder is None or reminder.deleted_at is not None:
        raise NotFound("找不到这个提醒，可能已经删除了", f"reminder {reminder_id!r} not found")
    get_household(session, actor, reminder.household_id)
    return reminder


def list_reminders(session: Session, actor: Actor, household_id: Optional[str]) -> List[Reminder]:
    household = get_household(session, actor, default_household(actor, household_id))
    query = select(Reminder).where(Reminder.household_id == household.id, Reminder.deleted_at.is_(None))
    return list(session.scalars(query.order_by(Reminder.time_of_day, Reminder.created_at)))


def create_reminder(
    session: Session,
    actor: Actor,
    household_id: Optional[str],
    data: ReminderInput,
    now: datetime,
    reminder_id: Optional[str] = None,
) -> Reminder:
    household = get_household(session, actor, default_household(actor, household_id))
    data = data.checked(_today(session, household.community_id, now))
    _refuse_past(session, actor, household.community_id, data, now)
    rid = checks.object_id("id", reminder_id)
    if rid and session.get(Reminder, rid) is not None:
        raise Conflict("这个提醒已经存在了", f"reminder {rid!r} exists")
    reminder = Reminder(
        id=rid or None,
        household_id=household.id,
        content=data.content,
        time_of_day=data.time_of_day,
        repeat=data.repeat,
        weekdays=",".join(str(d) for d in data.weekdays),
        start_date=data.start_date,
        status=ReminderStatus.ACTIVE,
        important=bool(data.important),
        origin=_ORIGIN[actor.kind],
        created_by_user_id=None if actor.kind is ActorKind.DEVICE else actor.id,
        created_by_device_id=actor.id if actor.kind is ActorKind.DEVICE else None,
        created_at=now,
        updated_at=now,
    )
    session.add(reminder)
    session.flush()
    record_change(session, household.community_id, household.id, Entity.REMINDER, reminder.id, now)
    return reminder


def update_reminder(
    session: Session, actor: Actor, reminder_id: str, data: ReminderInput, now: datetime
) -> Reminder:
    reminder = get_reminder(session, actor, reminder_id)
    household = get_household(session, actor, reminder.household_id)
    data = data.checked(_today(session, household.community_id, now))
    _refuse_past(session, actor, household.community_id, data, now)
    reminder.content, reminder.time_of_day, reminder.repeat = data.content, data.time_of_day, data.repeat
    reminder.weekdays = ",".join(str(d) for d in data.weekdays)
    reminder.updated_at = now
    if data.start_date is not None:  # always set by checked()
        reminder.start_date = data.start_date
    if data.important is not None:
        reminder.important = data.important
    record_change(session, household.community_id, household.id, Entity.REMINDER, reminder.id, now)
    return reminder


def set_reminder_status(
    session: Session, actor: Actor, reminder_id: str, status: ReminderStatus, now: datetime
) -> Reminder:
    """Pause or resume."""
    reminder = get_reminder(session, actor, reminder_id)
    reminder.status, reminder.updated_at = checks.choice("status", ReminderStatus, status), now
    community_id = get_household(session, actor, reminder.household_id).community_id
    record_change(session, community_id, reminder.household_id, Entity.REMINDER, reminder.id, now)
    return reminder


def delete_reminder(session: Session, actor: Actor, reminder_id: str, now: datetime) -> None:
    """Keep a tombstone and log a delete change, so the speaker drops it too."""
    reminder = get_reminder(session, actor, reminder_id)
    reminder.deleted_at, reminder.updated_at = now, now
    community_id = get_household(session, actor, reminder.household_id).community_id
    record_change(
        session, community_id, reminder.household_id, Entity.REMINDER, reminder.id, now, ChangeOp.DELETE
    )


def due_times(reminder: Reminder, zone: object, first: date, last: date) -> List[datetime]:
    """UTC due instants of the reminder on local days first..last (inclusive)."""
    at = parse_hhmm(reminder.time_of_day)
    weekly = {int(d) for d in reminder.weekdays.split(",") if d}
    result = []
    day = max(first, reminder.start_date)
    while day <= last:
        iso = day.isoweekday()
        if (
            reminder.repeat is Repeat.DAILY
            or (reminder.repeat is Repeat.WEEKDAYS and iso <= 5)
            or (reminder.repeat is Repeat.WEEKLY and iso in weekly)
            or (reminder.repeat is Repeat.ONCE and day == reminder.start_date)
        ):
            result.append(combine_local(day, at, zone))  # type: ignore[arg-type]
        if reminder.repeat is Repeat.ONCE and day >= reminder.start_date:
            break
        day += timedelta(days=1)
    return result


def effective_since(reminder: Reminder) -> datetime:
    """From when the reminder's current rule applies: its creation or last change (the speaker
    starts after the same moment, as the change feed's `since` tells it)."""
    return max(reminder.created_at, reminder.updated_at)


def occurrences(
    session: Session, actor: Actor, household_id: str, now: datetime, days_back: int = 7, days_ahead: int = 1
) -> List[Occurrence]:
    """Each occurrence in the window, newest first, marked 已确认 / 未确认 / upcoming."""
    household = get_household(session, actor, household_id)
    zone = community_zone(session, household.community_id)
    today = to_local(now, zone).date()
    reminders = list_reminders(session, actor, household.id)
    events: Dict[Tuple[str, datetime, ReminderEventKind], datetime] = {}
    if reminders:
        rows = session.scalars(
            select(ReminderEvent).where(
                ReminderEvent.reminder_id.in_([r.id for r in reminders]),
                ReminderEvent.due_at
                >= combine_local(today - timedelta(days=days_back + 1), parse_hhmm("0:00"), zone),
            )
        )
        events = {(e.reminder_id, e.due_at, e.kind): e.at for e in rows}
    result = []
    for reminder in reminders:
        if reminder.status is ReminderStatus.PAUSED:
            continue
        for due in due_times(
            reminder, zone, today - timedelta(days=days_back), today + timedelta(days=days_ahead)
        ):
            acked = events.get((reminder.id, due, ReminderEventKind.ACKNOWLEDGED))
            fired = events.get((reminder.id, due, ReminderEventKind.FIRED))
            missed = (reminder.id, due, ReminderEventKind.MISSED) in events
            if due < effective_since(reminder) and not (acked or fired or missed):
                # Set (or last changed) after this time: the speaker starts at the next occurrence,
                # so a reminder made at 17:00 for 09:00 daily is not 未确认 for this morning.
                continue
            # The speaker's word wins over the server's clock: an occurrence it recorded missed
            # (learnt too late) is not 待提醒 even if the speaker's clock runs ahead.
            state = (
                OccurrenceState.ACKNOWLEDGED
                if acked
                else OccurrenceState.UPCOMING
                if due > now and not missed
                else OccurrenceState.UNACKNOWLEDGED
            )
            result.append(
                Occurrence(
                    reminder.id,
                    reminder.content,
                    to_local(due, zone),
                    state,
                    to_local(fired, zone) if fired else None,
                    to_local(acked, zone) if acked else None,
                    missed,
                )
            )
    return sorted(result, key=lambda o: o.due_at, reverse=True)


def record_reminder_event(
    session: Session,
    actor: Actor,
    reminder_id: str,
    due_at: datetime,
    kind: ReminderEventKind,
    at: datetime,
    now: datetime,
    event_id: Optional[str] = None,
) -> ReminderEvent:
    """Store what the speaker did with one occurrence; a repeat of the same event is a no-op."""
    reminder = get_reminder(session, actor, reminder_id)
    kind = checks.choice("kind", ReminderEventKind, kind)
    checks.moment("due_at", due_at, now)
    checks.moment("at", at, now)
    existing = session.scalar(
        select(ReminderEvent).where(
            ReminderEvent.reminder_id == reminder.id,
            ReminderEvent.due_at == due_at,
            ReminderEvent.kind == kind,
        )
    )
    if existing is not None:
        return existing
    event = ReminderEvent(
        id=checks.object_id("id", event_id) or None,
        reminder_id=reminder.id,
        household_id=reminder.household_id,
        due_at=due_at,
        kind=kind,
        at=at,
        device_id=actor.id if actor.kind is ActorKind.DEVICE else None,
        received_at=now,
    )
    session.add(event)
    session.flush()
    community_id = get_household(session, actor, reminder.household_id).community_id
    record_change(session, community_id, reminder.household_id, Entity.REMINDER, reminder.id, now)
    return event
