"""The device's SQLite store (WAL): every change and its outbox op commit in one transaction."""

from __future__ import annotations

import json
import logging
import uuid
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    cast,
)

from sqlalchemy import (
    CursorResult,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from intents.schema import Activity

from .errors import AssistantError, StoreError
from .records import Announcement, Booking, Message, Occurrence, OutboxOp, Reminder, ServiceRequest
from .rows import activity_of as _activity
from .rows import announcement_of as _announcement
from .rows import booking_of as _booking
from .rows import message_of as _message
from .rows import occurrence_of as _occurrence
from .rows import op_of as _op
from .rows import reminder_of as _reminder
from .rows import service_of as _service
from .tables import (
    MIGRATIONS,
    SCHEMA_VERSION,
    ActivityRow,
    AnnouncementRow,
    BookingRow,
    MessageRow,
    OccurrenceRow,
    OutboxRow,
    PointsRow,
    ReminderRow,
    RoutineRow,
    ServiceRow,
    SettingRow,
)

_LOGGER = logging.getLogger(__name__)

OPEN_BOOKING = ("pending", "confirmed")
__all__ = ["AssistantError", "OPEN_BOOKING", "Store", "StoreError"]


WITHDRAWN = "withdrawn"
"""ActivityRow.source of a demo or pinned activity that left the catalog when the speaker was paired
or first synced, kept only because a booking names it (never listed, parsed or spoken as on offer)."""
LOCAL_SOURCES = ("demo", "pinned", WITHDRAWN)
POLL_PREFIX = "poll."
"""settings poll.<id> = {question, options, status: new | asked | answered | closed} (issue 16)."""
TEACHING_KEY = "teaching"
"""settings: ids of the activities this household's elder teaches (the server's catalog says so)."""


def withdraw_local(s: Session, keep: Iterable[str] = ()) -> List[str]:
    """Take demo / pinned activities out of the catalog (in the caller's transaction): rows a booking
    names become WITHDRAWN, the rest are deleted; returns the ids withdrawn. keep: ids that stay."""
    keep = set(keep)
    local = set(s.scalars(select(ActivityRow.id).where(ActivityRow.source.in_(LOCAL_SOURCES)))) - keep
    if not local:
        return []
    named = set(s.scalars(select(BookingRow.activity_id).where(BookingRow.activity_id.in_(local))))
    s.execute(update(ActivityRow).where(ActivityRow.id.in_(named)).values(source=WITHDRAWN))
    s.execute(delete(ActivityRow).where(ActivityRow.id.in_(local - named)))
    return sorted(named)


def _uuid() -> str:
    return str(uuid.uuid4())


class Store:
    """All persistent state of the speaker. Thread-safe: each call is its own transaction."""

    def __init__(self, engine: Engine, path: Path) -> None:
        self._engine = engine
        self.path = path

    # ------------------------------------------------------------------ lifecycle
    @staticmethod
    def open(path: Path) -> "Store":
        """Open or create the store at path, in WAL mode, migrating an older schema in place."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False,
                                                                 "timeout": 15})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Take transactions into our own hands (pysqlite's implicit BEGIN skips SELECT and DDL).
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        store = Store(engine, path)
        store._migrate()
        return store

    def _migrate(self) -> None:
        with self._engine.begin() as conn:
            version = int(conn.exec_driver_sql("PRAGMA user_version").scalar() or 0)
            if version > SCHEMA_VERSION:
                raise StoreError(f"{self.path}: schema version {version} is newer than this "
                                 f"software ({SCHEMA_VERSION}); install the newer release")
            for step in range(version, SCHEMA_VERSION):
                _LOGGER.info("store %s: migrating schema %d → %d", self.path, step, step + 1)
                MIGRATIONS[step](conn)
                conn.exec_driver_sql(f"PRAGMA user_version={step + 1}")

    def close(self) -> None:
        self._engine.dispose()

    @property
    def schema_version(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.exec_driver_sql("PRAGMA user_version").scalar() or 0)

    def integrity_check(self) -> str:
        """'ok' when SQLite finds the file sound."""
        with self._engine.connect() as conn:
            return str(conn.exec_driver_sql("PRAGMA integrity_check").scalar())

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            yield session

    @staticmethod
    def _add_op(session: Session, type_: str, payload: Mapping[str, Any], at: datetime,
                urgent: bool = False) -> str:
        op_id = _uuid()
        session.add(OutboxRow(op_id=op_id, type=type_, urgent=urgent, created_at=at, state="pending",
                              payload=json.dumps(dict(payload), ensure_ascii=False)))
        return op_id

    # ------------------------------------------------------------------ settings
    def get_setting(self, key: str, default: Any = None) -> Any:
        with self._tx() as s:
            row = s.get(SettingRow, key)
            return json.loads(row.value) if row is not None else default

    def set_setting(self, key: str, value: Any) -> None:
        text = json.dumps(value, ensure_ascii=False)
        with self._tx() as s:
            s.execute(sqlite_insert(SettingRow).values(key=key, value=text)
                      .on_conflict_do_update(index_elements=["key"], set_={"value": text}))

    # ------------------------------------------------------------------ routine
    def routine(self) -> Dict[str, str]:
        """anchor → 'HH:MM' as the family set it (synced); {} while none was set."""
        with self._tx() as s:
            return {row.anchor: row.time for row in s.scalars(select(RoutineRow))}

    def set_routine(self, times: Mapping[str, str], at: datetime) -> None:
        """Make the stored routine exactly these anchor → 'HH:MM' (an empty mapping: defaults)."""
        with self._tx() as s:
            s.execute(delete(RoutineRow))
            for anchor, hhmm in times.items():
                s.add(RoutineRow(anchor=anchor, time=hhmm, updated_at=at))

    # ------------------------------------------------------------------ activities
    def replace_activities(self, activities: Iterable[Activity], source: str,
                           taken: Optional[Mapping[str, int]] = None) -> None:
        """Make the cache hold exactly these activities (rows still booked are kept)."""
        taken = taken or {}
        items = list(activities)
        with self._tx() as s:
            booked = set(s.scalars(select(BookingRow.activity_id)))
            keep = {a.id for a in items} | booked
            s.execute(delete(ActivityRow).where(ActivityRow.id.not_in(keep)))
            for act in items:
                values = dict(id=act.id, title=act.title, category=act.category, start=act.start,
                              place=act.place, capacity=act.capacity, taken=int(taken.get(act.id, 0)),
                              source=source)
                s.execute(sqlite_insert(ActivityRow).values(**values).on_conflict_do_update(
                    index_elements=["id"], set_={k: v for k, v in values.items() if k != "id"}))

    def activity_source(self) -> Optional[str]:
        with self._tx() as s:
            return s.scalar(select(func.max(ActivityRow.source))  # 'server' wins over 'demo'
                            .where(ActivityRow.source != WITHDRAWN))

    def withdraw_local_activities(self) -> None:
        """A paired speaker must never speak the demo (or pinned) activities: they leave the catalog;
        those a booking still names stay as WITHDRAWN rows, only to word the booking's outcome."""
        with self._tx() as s:
            withdraw_local(s)

    def activities(self, since: Optional[datetime] = None,
                   until: Optional[datetime] = None) -> List[Activity]:
        """Cached activities, soonest first, with since <= start < until when given."""
        # Plain Core rows (same attribute names as the ORM rows) are ~5x cheaper to read; this is
        # the hot path of every activity question.
        table = ActivityRow.__table__
        query = select(table).where(table.c.source != WITHDRAWN).order_by(table.c.start, table.c.id)
        if since is not None:
            query = query.where(table.c.start >= since)
        if until is not None:
            query = query.where(table.c.start < until)
        with self._tx() as s:
            return [_activity(r) for r in s.execute(query)]  # type: ignore[arg-type]

    def activity_titles(self, since: Optional[datetime] = None) -> List[str]:
        """Distinct titles of activities starting at or after since."""
        query = select(ActivityRow.title).where(ActivityRow.source != WITHDRAWN).distinct()
        if since is not None:
            query = query.where(ActivityRow.start >= since)
        with self._tx() as s:
            return list(s.scalars(query))

    def activity(self, activity_id: str) -> Optional[Activity]:
        with self._tx() as s:
            row = s.get(ActivityRow, activity_id)
            return _activity(row) if row is not None else None

    def taken(self, activity_id: str) -> int:
        """Seats taken as the server last reported (0 when unknown)."""
        with self._tx() as s:
            row = s.get(ActivityRow, activity_id)
            return int(row.taken) if row is not None else 0

    def seats_left(self, activity_id: str) -> Optional[int]:
        """Seats left as far as the device knows; None when capacity is unknown (0)."""
        with self._tx() as s:
            row = s.get(ActivityRow, activity_id)
            if row is None or row.capacity <= 0:
                return None
            return max(0, row.capacity - row.taken)

    # ------------------------------------------------------------------ bookings
    def add_booking(self, activity_id: str, at: datetime) -> Booking:
        """A pending booking and its 'booking.create' op, in one transaction."""
        booking_id = _uuid()
        with self._tx() as s:
            row = BookingRow(id=booking_id, activity_id=activity_id, status="pending", reason="",
                             created_at=at, updated_at=at)
            s.add(row)
            self._add_op(s, "booking.create", {"booking_id": booking_id, "activity_id": activity_id}, at)
            return _booking(row)

    def cancel_booking(self, booking_id: str, at: datetime) -> None:
        with self._tx() as s:
            row = s.get(BookingRow, booking_id)
            if row is None or row.status not in OPEN_BOOKING:
                return
            row.status, row.updated_at = "cancelled", at
            self._add_op(s, "booking.cancel", {"booking_id": booking_id, "activity_id": row.activity_id}, at)

    def resolve_booking(self, booking_id: str, status: str, at: datetime,
                        reason: str = "") -> Optional[Booking]:
        """The server's verdict (confirmed/rejected); no outbox op. None if unknown."""
        with self._tx() as s:
            row = s.get(BookingRow, booking_id)
            if row is None:
                return None
            row.status, row.reason, row.updated_at = status, reason, at
            return _booking(row)

    def bookings(self, statuses: Sequence[str] = OPEN_BOOKING) -> List[Booking]:
        """Bookings in these states, by activity start."""
        with self._tx() as s:
            query = (select(BookingRow).join(ActivityRow, ActivityRow.id == BookingRow.activity_id,
                                             isouter=True)
                     .where(BookingRow.status.in_(list(statuses)))
                     .order_by(ActivityRow.start, BookingRow.created_at))
            return [_booking(r) for r in s.scalars(query)]

    def booking(self, booking_id: str) -> Optional[Booking]:
        with self._tx() as s:
            row = s.get(BookingRow, booking_id)
            return _booking(row) if row is not None else None

    # ------------------------------------------------------------------ services
    def add_service(self, service: str, day: date, when: Optional[str], at: datetime) -> ServiceRequest:
        request_id = _uuid()
        with self._tx() as s:
            row = ServiceRow(id=request_id, service=service, day=day, time=when, status="pending",
                             reason="", created_at=at)
            s.add(row)
            self._add_op(s, "service.request", {"request_id": request_id, "service": service,
                                                "date": day.isoformat(), "time": when}, at)
            return _service(row)

    def services(self, statuses: Sequence[str] = OPEN_BOOKING) -> List[ServiceRequest]:
        with self._tx() as s:
            rows = s.scalars(select(ServiceRow).where(ServiceRow.status.in_(list(statuses)))
                             .order_by(ServiceRow.day, ServiceRow.created_at))
            return [_service(r) for r in rows]

    def cancel_service(self, request_id: str, at: datetime) -> bool:
        """The senior cancels a pending or confirmed request: cancelled here, and an op for the server."""
        with self._tx() as s:
            row = s.get(ServiceRow, request_id)
            if row is None or row.status not in OPEN_BOOKING:
                return False
            row.status = "cancelled"
            self._add_op(s, "service.cancel", {"request_id": request_id}, at)
            return True

    def resolve_service(self, request_id: str, status: str, at: datetime, reason: str = "") -> bool:
        with self._tx() as s:
            row = s.get(ServiceRow, request_id)
            if row is None:
                return False
            row.status, row.reason = status, reason
            return True

    # ------------------------------------------------------------------ reminders
    def add_reminder(self, content: str, at: time, start_date: date, repeat: Optional[str],
                     now: datetime, source: str = "voice", reminder_id: Optional[str] = None,
                     outbox: bool = True) -> Reminder:
        """Create (or, with a known reminder_id from the server, replace) a reminder.

        outbox: False for reminders that came from the server (family), which it already knows.
        """
        reminder_id = reminder_id or _uuid()
        with self._tx() as s:
            row = s.get(ReminderRow, reminder_id)
            if row is None:
                row = ReminderRow(id=reminder_id, created_at=now)
                s.add(row)
            row.content, row.time, row.start_date = content, at.strftime("%H:%M"), start_date
            row.repeat, row.active, row.source, row.updated_at = repeat, True, source, now
            if outbox:
                self._add_op(s, "reminder.create", {
                    "reminder_id": reminder_id, "content": content, "time": row.time,
                    "date": start_date.isoformat(), "repeat": repeat}, now)
            s.flush()
            return _reminder(row)

    def cancel_reminder(self, reminder_id: str, now: datetime, outbox: bool = True) -> None:
        with self._tx() as s:
            row = s.get(ReminderRow, reminder_id)
            if row is None or not row.active:
                return
            row.active, row.updated_at = False, now
            if outbox:
                self._add_op(s, "reminder.cancel", {"reminder_id": reminder_id}, now)

    def reminders(self, active_only: bool = True) -> List[Reminder]:
        with self._tx() as s:
            table = ReminderRow.__table__
            query = select(table).order_by(table.c.time, table.c.created_at)
            if active_only:
                query = query.where(table.c.active.is_(True))
            return [_reminder(r) for r in s.execute(query)]  # type: ignore[arg-type]

    def reminder(self, reminder_id: str) -> Optional[Reminder]:
        with self._tx() as s:
            row = s.get(ReminderRow, reminder_id)
            return _reminder(row) if row is not None else None

    # ------------------------------------------------------------------ reminder occurrences
    def latest_occurrences(self) -> Dict[str, datetime]:
        """reminder_id → due time of its latest recorded occurrence."""
        with self._tx() as s:
            rows = s.execute(select(OccurrenceRow.reminder_id, func.max(OccurrenceRow.due_at))
                             .group_by(OccurrenceRow.reminder_id))
            return {rid: due for rid, due in rows}

    def record_occurrence(self, reminder_id: str, due_at: datetime, status: str,
                          at: datetime) -> Optional[Occurrence]:
        """Record an occurrence (fired or missed) and its outbox op; None if it already exists."""
        done = self.record_occurrences([(reminder_id, due_at, status)], at)
        return done[0] if done else None

    def record_occurrences(self, items: Sequence[Tuple[str, datetime, str]],
                           at: datetime) -> List[Occurrence]:
        """Record many (reminder_id, due_at, status) in one transaction; returns the new ones only.

        The unique key (reminder_id, due_at) makes a second recording a no-op, so every
        occurrence happens exactly once, across restarts and crashes.
        """
        with self._tx() as s:
            ids = sorted({rid for rid, _, _ in items})
            query = select(OccurrenceRow.reminder_id, OccurrenceRow.due_at).where(
                OccurrenceRow.reminder_id.in_(ids))
            known = {(row[0], row[1]) for row in s.execute(query)}
            # Plain strings from here: an f-string of a str Enum gives 'OccurrenceStatus.FIRED' on 3.11+.
            fresh = {(rid, due): str(getattr(status, "value", status))
                     for rid, due, status in items if (rid, due) not in known}
            if not fresh:
                return []
            # Core executemany: one statement for a thousand reminders due on the same minute.
            s.execute(insert(OccurrenceRow), [
                {"reminder_id": rid, "due_at": due, "status": status, "attempts": int(status == "fired"),
                 "last_prompt_at": at if status == "fired" else None, "updated_at": at}
                for (rid, due), status in fresh.items()])
            s.execute(insert(OutboxRow), [
                {"op_id": _uuid(), "type": f"reminder.{status}", "urgent": False, "created_at": at,
                 "state": "pending", "attempts": 0,
                 "payload": json.dumps({"reminder_id": rid, "due_at": due.isoformat(), "at": at.isoformat()},
                                       ensure_ascii=False)}
                for (rid, due), status in fresh.items()])
            rows = s.scalars(select(OccurrenceRow).where(OccurrenceRow.reminder_id.in_(ids),
                                                         OccurrenceRow.updated_at == at))
            return sorted((_occurrence(r) for r in rows if (r.reminder_id, r.due_at) in fresh),
                          key=lambda o: (o.due_at, o.id))

    def occurrences(self, reminder_id: Optional[str] = None,
                    statuses: Optional[Sequence[str]] = None) -> List[Occurrence]:
        with self._tx() as s:
            table = OccurrenceRow.__table__
            query = select(table).order_by(table.c.due_at, table.c.id)
            if reminder_id is not None:
                query = query.where(table.c.reminder_id == reminder_id)
            if statuses is not None:
                query = query.where(table.c.status.in_(list(statuses)))
            return [_occurrence(r) for r in s.execute(query)]  # type: ignore[arg-type]

    def prompted_again(self, occurrence_id: int, at: datetime) -> None:
        with self._tx() as s:
            s.execute(update(OccurrenceRow).where(OccurrenceRow.id == occurrence_id)
                      .values(attempts=OccurrenceRow.attempts + 1, last_prompt_at=at, updated_at=at))

    def close_occurrence(self, occurrence_id: int, status: str, at: datetime) -> bool:
        """fired → acknowledged or missed, with its outbox op; False if it was not open."""
        status = str(getattr(status, "value", status))
        with self._tx() as s:
            row = s.get(OccurrenceRow, occurrence_id)
            if row is None or row.status != "fired":
                return False
            row.status, row.updated_at = status, at
            payload = {"reminder_id": row.reminder_id, "due_at": row.due_at.isoformat(),
                       "at": at.isoformat()}
            self._add_op(s, f"reminder.{status}", payload, at)
            return True

    # ------------------------------------------------------------------ announcements, messages, points
    def add_announcement(self, announcement_id: str, text: str, urgent: bool, created_at: datetime) -> bool:
        """Store a held announcement; False if already known (sync may deliver it twice)."""
        with self._tx() as s:
            result = s.execute(sqlite_insert(AnnouncementRow).values(
                id=announcement_id, text=text, urgent=urgent, status="held", created_at=created_at)
                .on_conflict_do_nothing(index_elements=["id"]))
            return cast(CursorResult, result).rowcount > 0

    def announcements(self, status: Optional[str] = None, limit: int = 20) -> List[Announcement]:
        """Newest first (held ones: oldest first, in the order they should be spoken)."""
        with self._tx() as s:
            query = select(AnnouncementRow)
            if status is not None:
                query = query.where(AnnouncementRow.status == status).order_by(AnnouncementRow.created_at)
            else:
                query = query.order_by(AnnouncementRow.created_at.desc())
            return [_announcement(r) for r in s.scalars(query.limit(limit))]

    def announcement_status(self, announcement_id: str) -> Optional[str]:
        with self._tx() as s:
            return s.scalar(select(AnnouncementRow.status).where(AnnouncementRow.id == announcement_id))

    def mark_announcement_spoken(self, announcement_id: str, at: datetime) -> None:
        with self._tx() as s:
            s.execute(update(AnnouncementRow).where(AnnouncementRow.id == announcement_id)
                      .values(status="spoken", spoken_at=at))
            # The community's staff see how many speakers read it out (community.domain.deliveries);
            # the speaker's own notices ('unpaired-…') are not the server's, so they are not reported.
            if is_uuid(announcement_id):
                self._add_op(s, "announcement.played", {"announcement_id": announcement_id,
                                                        "at": at.isoformat()}, at)

    def add_message_in(self, message_id: str, sender: str, text: str, at: datetime) -> bool:
        with self._tx() as s:
            result = s.execute(sqlite_insert(MessageRow).values(
                id=message_id, direction="in", peer=sender, text=text, heard=False, created_at=at)
                .on_conflict_do_nothing(index_elements=["id"]))
            return cast(CursorResult, result).rowcount > 0

    def messages_in(self, limit: int = 10) -> List[Message]:
        """Messages from the family, heard or not, newest first ('再听一次女儿的留言')."""
        with self._tx() as s:
            rows = s.scalars(select(MessageRow).where(MessageRow.direction == "in")
                             .order_by(MessageRow.created_at.desc(), literal_column("rowid").desc())
                             .limit(limit))
            return [_message(r) for r in rows]

    def unheard_messages(self) -> List[Message]:
        with self._tx() as s:
            rows = s.scalars(select(MessageRow).where(MessageRow.direction == "in",
                                                      MessageRow.heard.is_(False))
                             .order_by(MessageRow.created_at))
            return [_message(r) for r in rows]

    def mark_heard(self, message_ids: Iterable[str], at: datetime) -> None:
        """Family messages read out: heard here, and reported so the family page shows 已听 (once each;
        the speaker's own notices are not the server's)."""
        ids = list(message_ids)
        with self._tx() as s:
            fresh = list(s.scalars(select(MessageRow.id).where(MessageRow.id.in_(ids),
                                                               MessageRow.heard.is_(False))))
            s.execute(update(MessageRow).where(MessageRow.id.in_(ids)).values(heard=True))
            for message_id in fresh:
                if is_uuid(message_id):
                    self._add_op(s, "message.heard", {"message_id": message_id, "at": at.isoformat()}, at)

    def send_message(self, to: str, text: str, at: datetime) -> str:
        message_id = _uuid()
        with self._tx() as s:
            s.add(MessageRow(id=message_id, direction="out", peer=to, text=text, heard=True, created_at=at))
            # `at`: when the senior said it by this clock; the server keeps it beside its arrival time
            self._add_op(s, "message.send", {"message_id": message_id, "to": to, "text": text,
                                             "at": at.isoformat()}, at)
        return message_id

    def add_help_request(self, text: str, wanted_at: Optional[datetime], at: datetime) -> str:
        """志愿帮扶 asked by voice and confirmed: a help.request op, and the request kept (setting
        help.<id>) so that who took it, and a thanks, can be matched to it later."""
        request_id = _uuid()
        payload: Dict[str, Any] = {"request_id": request_id, "text": text, "at": at.isoformat()}
        if wanted_at is not None:
            payload["wanted_at"] = wanted_at.isoformat()
        state = json.dumps({"status": "open", "what": text}, ensure_ascii=False)
        with self._tx() as s:
            s.add(SettingRow(key=f"help.{request_id}", value=state))
            self._add_op(s, "help.request", payload, at)
        return request_id

    def help_requests(self) -> List[Tuple[str, Dict[str, Any]]]:
        """(request id, {status, what, volunteer, visit_at}) of the help requests this speaker knows."""
        with self._tx() as s:
            rows = s.scalars(select(SettingRow).where(SettingRow.key.like("help.%"))).all()
            out = []
            for row in rows:
                value = json.loads(row.value)
                out.append((row.key[len("help."):], value if isinstance(value, dict) else {"status": value}))
            return out

    def thank_helper(self, request_id: str, at: datetime) -> str:
        """'谢谢小李': a help.thanked op (the volunteer's points) and the request marked thanked."""
        with self._tx() as s:
            row = s.get(SettingRow, f"help.{request_id}")
            if row is not None:
                value = json.loads(row.value)
                value = value if isinstance(value, dict) else {"status": value}
                value["status"] = "thanked"
                row.value = json.dumps(value, ensure_ascii=False)
            return self._add_op(s, "help.thanked", {"request_id": request_id, "at": at.isoformat()}, at)

    def polls_to_ask(self) -> List[Tuple[str, Dict[str, Any]]]:
        """(poll id, {question, options}) of the polls not asked yet."""
        with self._tx() as s:
            rows = s.scalars(select(SettingRow).where(SettingRow.key.like(f"{POLL_PREFIX}%"))
                             ).all()
            out = []
            for row in rows:
                value = json.loads(row.value)
                if isinstance(value, dict) and value.get("status") == "new":
                    out.append((row.key[len(POLL_PREFIX):], value))
            return out

    def mark_poll_asked(self, poll_id: str) -> None:
        """Kept before the question is spoken: a restart, or no answer, never brings it again."""
        self._poll_status(poll_id, "asked")

    def answer_poll(self, poll_id: str, choice: Optional[Any], heard: str, at: datetime) -> str:
        """A poll.answer op: the option number (1-based), 'any', 'none', or None (asked, no answer)."""
        with self._tx() as s:
            row = s.get(SettingRow, f"{POLL_PREFIX}{poll_id}")
            if row is not None:
                row.value = json.dumps({**json.loads(row.value), "status": "answered"}, ensure_ascii=False)
            return self._add_op(s, "poll.answer", {"poll_id": poll_id, "choice": choice, "heard": heard[:200],
                                                   "at": at.isoformat()}, at)

    def _poll_status(self, poll_id: str, status: str) -> None:
        with self._tx() as s:
            row = s.get(SettingRow, f"{POLL_PREFIX}{poll_id}")
            if row is not None:
                row.value = json.dumps({**json.loads(row.value), "status": status}, ensure_ascii=False)

    def offer_skill(self, skill: str, said: str, at: datetime) -> str:
        """技能教学 offered by voice and confirmed: a skill.offer op."""
        with self._tx() as s:
            return self._add_op(s, "skill.offer", {"offer_id": _uuid(), "skill": skill, "said": said[:200],
                                                   "at": at.isoformat()}, at)

    def teaching(self) -> List[str]:
        """Ids of the activities this household's elder teaches."""
        return [str(i) for i in self.get_setting(TEACHING_KEY, []) or []]

    def set_points(self, balance: int, at: datetime) -> None:
        with self._tx() as s:
            s.execute(sqlite_insert(PointsRow).values(id=1, balance=balance, updated_at=at)
                      .on_conflict_do_update(index_elements=["id"], set_={"balance": balance,
                                                                          "updated_at": at}))

    def points(self) -> Optional[int]:
        """Balance as last synced; None if the server never said."""
        with self._tx() as s:
            return s.scalar(select(PointsRow.balance).where(PointsRow.id == 1))

    def record_emergency(self, text: str, at: datetime, severity: str = "high") -> str:
        """An urgent 'emergency' op (sync sends it at once); returns its op_id, the emergency's id
        (the server keys the alert by it)."""
        with self._tx() as s:
            return self._add_op(s, "emergency", {"text": text, "at": at.isoformat(), "severity": severity},
                                at, urgent=True)

    def record_emergency_cancel(self, emergency_id: str, text: str, at: datetime) -> str:
        """An urgent 'emergency.cancel' op taking back the emergency whose op_id is emergency_id."""
        with self._tx() as s:
            return self._add_op(s, "emergency.cancel", {"emergency_id": emergency_id, "text": text,
                                                        "at": at.isoformat()}, at, urgent=True)

    def op_state(self, op_id: str) -> Optional[str]:
        """pending / sent / acknowledged for one outbox op; None if unknown."""
        with self._tx() as s:
            return s.scalar(select(OutboxRow.state).where(OutboxRow.op_id == op_id))

    # ------------------------------------------------------------------ outbox (for assistant.sync)
    def pending_ops(self, limit: int = 100) -> List[OutboxOp]:
        """Ops not yet acknowledged by the server, urgent first, then in local order."""
        with self._tx() as s:
            rows = s.scalars(select(OutboxRow).where(OutboxRow.state != "acknowledged")
                             .order_by(OutboxRow.urgent.desc(), OutboxRow.seq).limit(limit))
            return [_op(r) for r in rows]

    def mark_sent(self, op_ids: Iterable[str], at: datetime) -> None:
        with self._tx() as s:
            s.execute(update(OutboxRow).where(OutboxRow.op_id.in_(list(op_ids)),
                                              OutboxRow.state == "pending")
                      .values(state="sent", sent_at=at, attempts=OutboxRow.attempts + 1))

    def mark_acknowledged(self, op_id: str, result: Mapping[str, Any], at: datetime) -> None:
        with self._tx() as s:
            s.execute(update(OutboxRow).where(OutboxRow.op_id == op_id).values(
                state="acknowledged", acked_at=at, result=json.dumps(dict(result), ensure_ascii=False)))

    def outbox(self, after_seq: int = 0) -> List[OutboxOp]:
        """Every op with seq > after_seq, in order (for tests, chat --jsonl and sync)."""
        with self._tx() as s:
            rows = s.scalars(select(OutboxRow).where(OutboxRow.seq > after_seq).order_by(OutboxRow.seq))
            return [_op(r) for r in rows]

    def last_seq(self) -> int:
        with self._tx() as s:
            return int(s.scalar(select(func.max(OutboxRow.seq))) or 0)


def is_uuid(text: str) -> bool:
    """True for a server-made id (a UUID); the speaker's own rows use other ids ('unpaired-…')."""
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
