"""What the server sent in one sync answer, applied to the store in one transaction.

assistant.sync (issue 7) builds a ServerChanges from the response, calls apply_changes(), then
posts the returned events to the Assistant so the dialog can say what changed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Dict, List, Mapping, Optional, Tuple

from sqlalchemy import delete, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from intents.schema import Activity

from .events import (
    AlertHandled,
    AnnouncementArrived,
    BookingChanged,
    BookingResolved,
    Event,
    HelpAccepted,
    MessageArrived,
    ReminderAdded,
    SkillHandled,
    SyncFinished,
)
from .recurrence import validate_rule
from .store import LOCAL_SOURCES, POLL_PREFIX, TEACHING_KEY, Store, is_uuid, withdraw_local
from .tables import (
    ActivityRow,
    AlertRow,
    AnnouncementRow,
    BookingRow,
    MessageRow,
    OutboxRow,
    PointsRow,
    ReminderRow,
    RoutineRow,
    ServiceRow,
    SettingRow,
)

_LOGGER = logging.getLogger(__name__)

SINCE_BACK = timedelta(hours=1)
"""On a first sync (pairing, re-pairing) a family reminder starts from when it was made on the
server, but never more than this far back: a speaker paired today does not report a week of
misses. Later syncs take the server's time of the change as it is (the speaker was offline: what
it missed is recorded missed and reported; see docs/sync.md, "A reminder changed offline")."""
CURSOR_KEY = "sync.cursor"
"""settings key of the last cursor the server handed out (read with store.get_setting)."""


@dataclass(frozen=True)
class ReminderChange:
    """A reminder set or edited by family on the server (its id is the server's)."""

    reminder_id: str
    content: str
    time: str
    """HH:MM local."""
    date: str
    """YYYY-MM-DD: the one-shot day or the first day of a repeating rule."""
    repeat: Optional[str] = None
    active: bool = True
    since: Optional[str] = None
    """Local ISO time from which the server's rule applies (its creation or last change): the
    speaker starts after it, or after the time it learnt of it if that is earlier."""


@dataclass(frozen=True)
class BookingChange:
    """A booking as the server holds it, with its activity and who last changed it on the web."""

    booking_id: str
    status: str
    """confirmed / cancelled."""
    activity: Optional[Activity] = None
    taken: int = 0
    by: str = ""
    """The web user who booked or cancelled it, as the senior knows them ('' : the speaker)."""
    role: str = ""
    """'family' / 'staff' / ''."""
    reason: str = ""


@dataclass(frozen=True)
class AlertChange:
    """The server's word on one of this speaker's emergencies (id = the emergency op's id)."""

    alert_id: str
    status: str
    """handled / cancelled."""
    by: str = ""
    role: str = ""
    at: Optional[datetime] = None


@dataclass(frozen=True)
class HelpChange:
    """A help request (志愿帮扶) as the server holds it: who took it and when they will come."""

    request_id: str
    status: str
    """open / accepted / done / thanked / cancelled."""
    what: str = ""
    volunteer: str = ""
    visit_at: Optional[datetime] = None


@dataclass(frozen=True)
class PollChange:
    """A voice poll (活动调查) for this household to ask, or one staff closed meanwhile."""

    poll_id: str
    question: str = ""
    options: Tuple[str, ...] = ()
    closed: bool = False


@dataclass(frozen=True)
class SkillChange:
    """What staff made of the senior's skill offer: taught (an activity with them as teacher) or declined."""

    offer_id: str
    skill: str = ""
    status: str = ""
    title: str = ""
    start: Optional[datetime] = None


@dataclass(frozen=True)
class ServerChanges:
    """Everything one sync answer carries; empty fields mean 'nothing new'."""

    cursor: Optional[str] = None
    activities: Optional[Tuple[Activity, ...]] = None
    """The whole current catalog when it changed (None: unchanged)."""
    taken: Dict[str, int] = field(default_factory=dict)
    """activity id → seats taken, for capacity checks before booking."""
    bookings: Tuple[Tuple[str, str, str], ...] = ()
    """(booking_id, confirmed|rejected|cancelled, reason)."""
    services: Tuple[Tuple[str, str, str], ...] = ()
    """(request_id, confirmed|rejected|cancelled, reason)."""
    reminders: Tuple[ReminderChange, ...] = ()
    deleted_reminders: Tuple[str, ...] = ()
    """Tombstones: reminders deleted on the server."""
    announcements: Tuple[Tuple[str, str, bool, datetime], ...] = ()
    """(id, text, urgent, created_at)."""
    messages: Tuple[Tuple[str, str, str, datetime], ...] = ()
    """(id, sender, text, created_at)."""
    points: Optional[int] = None
    booking_changes: Tuple[BookingChange, ...] = ()
    """Bookings with their activity: one the family made on the web joins the speaker's schedule."""
    routine: Optional[Dict[str, str]] = None
    """The household routine the family set (anchor → HH:MM; {}: the defaults; None: unchanged)."""
    alerts: Tuple[AlertChange, ...] = ()
    help: Tuple[HelpChange, ...] = ()
    """Help requests whose status changed; an accepted one is told to the senior."""
    polls: Tuple[PollChange, ...] = ()
    """Polls to ask (kept as settings poll.<id> until asked), or closed ones to drop."""
    skills: Tuple[SkillChange, ...] = ()
    teaching: Tuple[str, ...] = ()
    """With a new catalog: the activities this household's elder teaches (sign-up counts by voice)."""
    acknowledged: Tuple[Tuple[str, Mapping[str, Any]], ...] = ()
    """(op_id, the server's result) for outbox ops the server has applied."""


def apply_changes(store: Store, changes: ServerChanges, at: datetime,
                  server_time: Optional[datetime] = None) -> List[Event]:
    """Apply one sync answer atomically; returns the events to post, in order, ending with SyncFinished.

    Applying the same answer twice changes nothing and returns only the SyncFinished the second time.
    server_time: the server's clock, passed on so the runtime can start trusting its own.
    """
    events: List[Event] = []
    with store._tx() as s:  # one transaction: a crash leaves all of it or none of it
        cursor_row = s.get(SettingRow, CURSOR_KEY)  # a re-pairing stores null: a first sync again
        first_sync = cursor_row is None or json.loads(cursor_row.value) is None
        if changes.activities is not None:
            events.extend(_replace_activities(s, changes.activities, changes.taken, at))
        events.extend(_booking_changes(s, changes.booking_changes, at, tell=not first_sync))
        events.extend(_statuses(s, BookingRow, changes.bookings, "activity", at))
        events.extend(_statuses(s, ServiceRow, changes.services, "service", at))
        events.extend(_reminders(s, changes, at, first_sync))
        for ann_id, text, urgent, created in changes.announcements:
            if s.get(AnnouncementRow, ann_id) is None:
                s.add(AnnouncementRow(id=ann_id, text=text, urgent=urgent, status="held", created_at=created))
                events.append(AnnouncementArrived(ann_id, text, urgent, created))
                if is_uuid(ann_id):  # staff see which speakers received it (community.domain.deliveries)
                    store._add_op(s, "announcement.received", {"announcement_id": ann_id,
                                                               "at": at.isoformat()}, at)
        for msg_id, sender, text, created in changes.messages:
            if s.get(MessageRow, msg_id) is None:
                s.add(MessageRow(id=msg_id, direction="in", peer=sender, text=text, heard=False,
                                 created_at=created))
                events.append(MessageArrived(msg_id, sender, text))
        if changes.routine is not None:
            s.execute(delete(RoutineRow))
            for anchor, hhmm in changes.routine.items():
                s.add(RoutineRow(anchor=str(anchor), time=str(hhmm), updated_at=at))
        events.extend(_alerts(s, changes.alerts, at))
        events.extend(_help(s, changes.help))
        _polls(s, changes.polls)
        events.extend(_skills(s, changes.skills))
        if changes.activities is not None:
            _put_setting(s, TEACHING_KEY, list(changes.teaching))
        if changes.points is not None:
            s.execute(sqlite_insert(PointsRow).values(id=1, balance=changes.points, updated_at=at)
                      .on_conflict_do_update(index_elements=["id"], set_={"balance": changes.points,
                                                                          "updated_at": at}))
        for op_id, result in changes.acknowledged:
            row = s.scalars(select(OutboxRow).where(OutboxRow.op_id == op_id)).first()
            if row is not None:
                row.state, row.acked_at = "acknowledged", at
                row.result = json.dumps(dict(result), ensure_ascii=False)
        if changes.cursor is not None:
            text = json.dumps(changes.cursor, ensure_ascii=False)
            s.execute(sqlite_insert(SettingRow).values(key=CURSOR_KEY, value=text)
                      .on_conflict_do_update(index_elements=["key"], set_={"value": text}))
    kinds = {BookingResolved: "bookings", ReminderAdded: "reminders", AnnouncementArrived: "announcements",
             MessageArrived: "messages", BookingChanged: "bookings", AlertHandled: "alerts",
             HelpAccepted: "help", SkillHandled: "skills"}
    changed = ["activities"] if changes.activities is not None else []
    changed += ["routine"] if changes.routine is not None else []
    changed += sorted({kinds[type(e)] for e in events})
    changed += ["points"] if changes.points is not None else []
    changed += ["reminders"] if changes.deleted_reminders and "reminders" not in changed else []
    events.append(SyncFinished(ok=True, changed=tuple(changed), server_time=server_time))
    return events


def _replace_activities(s: Session, items: Tuple[Activity, ...], taken: Mapping[str, int],
                        at: datetime) -> List[Event]:
    """The server's catalog replaces the cached one, and the demo one for good (issue 14): a booking
    made of a demo activity before the first sync cannot be kept, and is told so (BookingResolved
    rejected / 'demo': "抱歉，您报名的太极拳没有成功，那是试用时的活动，社区里没有。…") instead of
    being lost; its op, if not sent yet, is not sent at all. Demo rows a booking names stay as
    'withdrawn' (out of the catalog) so that the booking can still be worded."""
    server_ids = {a.id for a in items}
    events: List[Event] = []
    local = set(s.scalars(select(ActivityRow.id).where(ActivityRow.source.in_(LOCAL_SOURCES)))) - server_ids
    if local:
        for row in s.scalars(select(BookingRow).where(BookingRow.activity_id.in_(local),
                                                      BookingRow.status.in_(("pending", "confirmed")))):
            row.status, row.reason, row.updated_at = "rejected", "demo", at
            s.execute(delete(OutboxRow).where(OutboxRow.type == "booking.create",
                                              OutboxRow.state == "pending",
                                              OutboxRow.payload.contains(json.dumps(row.id))))
            events.append(BookingResolved(row.id, "rejected", "demo", "activity"))
        withdraw_local(s, keep=server_ids)
    booked = set(s.scalars(select(BookingRow.activity_id)))
    s.execute(delete(ActivityRow).where(ActivityRow.id.not_in(server_ids | booked)))
    for act in items:
        values = dict(title=act.title, category=act.category, start=act.start, place=act.place,
                      capacity=act.capacity, taken=int(taken.get(act.id, 0)), source="server")
        s.execute(sqlite_insert(ActivityRow).values(id=act.id, **values)
                  .on_conflict_do_update(index_elements=["id"], set_=values))
    return events


def _booking_changes(s: Session, items: Tuple[BookingChange, ...], at: datetime, tell: bool) -> List[Event]:
    """Bookings the family made or cancelled on the web enter the speaker's own schedule (so
    '我报了什么' has them and a voice booking of the same activity is 'already booked'); each is
    told once (BookingChanged), except on a first sync, which only takes the schedule in."""
    events: List[Event] = []
    for item in items:
        row = s.get(BookingRow, item.booking_id)
        if row is None:
            if item.status != "confirmed" or item.activity is None:
                continue
            if s.get(ActivityRow, item.activity.id) is None:  # beyond the catalog's 30 days
                act = item.activity
                s.add(ActivityRow(id=act.id, title=act.title, category=act.category, start=act.start,
                                  place=act.place, capacity=act.capacity, taken=item.taken, source="server"))
            mine = s.scalars(select(BookingRow).where(BookingRow.activity_id == item.activity.id,
                                                      BookingRow.status.in_(("pending", "confirmed")))).all()
            for other in mine:  # the speaker's own booking of it was answered with this one
                s.delete(other)
            s.add(BookingRow(id=item.booking_id, activity_id=item.activity.id, status="confirmed",
                             reason="", created_at=at, updated_at=at))
            if item.by and tell and not mine:
                events.append(BookingChanged(item.booking_id, "confirmed", item.by, item.role))
            continue
        # Known here: only a change made on the web (with who made it) is this function's; the
        # server's verdict on the speaker's own pending booking is _statuses' (BookingResolved).
        web_cancel = item.status == "cancelled" and row.status in ("pending", "confirmed")
        web_rebook = item.status == "confirmed" and row.status in ("cancelled", "rejected")
        if not item.by or not (web_cancel or web_rebook):
            continue
        row.status, row.reason, row.updated_at = item.status, item.reason, at
        if tell:
            events.append(BookingChanged(item.booking_id, item.status, item.by, item.role))
    return events


def _alerts(s: Session, items: Tuple[AlertChange, ...], at: datetime) -> List[Event]:
    """Kept by alert id: '女儿知道了，正在联系您' is said once however often the feed repeats it."""
    events: List[Event] = []
    for item in items:
        row = s.get(AlertRow, item.alert_id)
        if row is not None and row.status == item.status:
            continue
        if row is None:
            row = AlertRow(id=item.alert_id, created_at=at)
            s.add(row)
        row.status, row.by, row.role, row.at = item.status, item.by, item.role, item.at
        if item.status == "handled":
            events.append(AlertHandled(item.alert_id, item.by, item.role))
    return events


def _help(s: Session, items: Tuple[HelpChange, ...]) -> List[Event]:
    """Kept by request id (the last status seen, as a setting): who is coming is told once."""
    events: List[Event] = []
    for item in items:
        key = f"help.{item.request_id}"
        visit = item.visit_at.isoformat() if item.visit_at else None
        value = json.dumps({"status": item.status, "what": item.what, "volunteer": item.volunteer,
                            "visit_at": visit}, ensure_ascii=False)
        row = s.get(SettingRow, key)
        if row is not None and _help_status(row.value) == item.status:
            continue
        if row is None:
            s.add(SettingRow(key=key, value=value))
        else:
            row.value = value
        if item.status == "accepted" and item.volunteer:
            events.append(HelpAccepted(item.request_id, item.volunteer, item.what, item.visit_at))
    return events


def _polls(s: Session, items: Tuple[PollChange, ...]) -> None:
    """A poll to ask is kept as poll.<id> = {question, options, status: new}; the speaker asks it at a
    quiet moment and marks it asked first (never twice). A closed poll not asked yet is dropped."""
    for item in items:
        key = f"{POLL_PREFIX}{item.poll_id}"
        row = s.get(SettingRow, key)
        if item.closed:
            if row is not None and json.loads(row.value).get("status") == "new":
                row.value = json.dumps({**json.loads(row.value), "status": "closed"}, ensure_ascii=False)
            continue
        if row is None and item.question and len(item.options) >= 2:
            value = {"question": item.question, "options": list(item.options), "status": "new"}
            s.add(SettingRow(key=key, value=json.dumps(value, ensure_ascii=False)))


def _skills(s: Session, items: Tuple[SkillChange, ...]) -> List[Event]:
    """Staff's word on a skill offer, told once (the status kept as skill.<id>)."""
    events: List[Event] = []
    for item in items:
        key = f"skill.{item.offer_id}"
        row = s.get(SettingRow, key)
        if row is not None and json.loads(row.value) == item.status:
            continue
        _put_setting(s, key, item.status)
        if item.status in ("taught", "declined"):
            events.append(SkillHandled(item.offer_id, item.skill, item.status, item.title, item.start))
    return events


def _put_setting(s: Session, key: str, value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False)
    s.execute(sqlite_insert(SettingRow).values(key=key, value=text)
              .on_conflict_do_update(index_elements=["key"], set_={"value": text}))


def _help_status(stored: str) -> str:
    """The status kept for a help request: a JSON object, or (older speakers) a bare JSON string."""
    value = json.loads(stored)
    return str(value.get("status") if isinstance(value, dict) else value)


def _statuses(s: Session, table: Any, items: Tuple[Tuple[str, str, str], ...], kind: str,
              at: datetime) -> List[Event]:
    events: List[Event] = []
    for row_id, status, reason in items:
        row = s.get(table, row_id)
        if row is None or row.status == status:
            continue
        row.status, row.reason = status, reason
        if hasattr(row, "updated_at"):
            row.updated_at = at
        if status in ("confirmed", "rejected"):
            events.append(BookingResolved(row_id, status, reason, kind))
    return events


def _reminders(s: Session, changes: ServerChanges, at: datetime, first_sync: bool) -> List[Event]:
    events: List[Event] = []
    for change in changes.reminders:
        repeat = validate_rule(change.repeat)
        row = s.get(ReminderRow, change.reminder_id)
        hhmm = time.fromisoformat(change.time).strftime("%H:%M")
        fields: Dict[str, Any] = dict(content=change.content, time=hhmm, repeat=repeat,
                                      start_date=date.fromisoformat(change.date), active=change.active)
        if row is not None and all(getattr(row, k) == v for k, v in fields.items()):
            continue
        # The rule applies from the server's time of the change, never from when the change reached
        # the speaker (which may be seconds or days later): the scheduler fires or records missed
        # what fell due in between (Scheduler._status).
        since = at
        if change.since:
            try:
                since = datetime.fromisoformat(change.since).replace(tzinfo=None)
            except ValueError:
                _LOGGER.warning("reminder %s: unreadable since %r", change.reminder_id, change.since)
        if first_sync:
            since = max(since, at - SINCE_BACK)
        if row is None:
            row = ReminderRow(id=change.reminder_id, source="family", created_at=min(since, at))
            s.add(row)
        for key, value in fields.items():
            setattr(row, key, value)
        row.updated_at, row.learnt_at = since, at
        if change.active:
            events.append(ReminderAdded(change.reminder_id, "family"))
    for reminder_id in changes.deleted_reminders:
        row = s.get(ReminderRow, reminder_id)
        if row is not None and row.active:
            row.active, row.updated_at = False, at
    return events
