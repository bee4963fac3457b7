"""SQLAlchemy 2 tables of the device store and the step-wise schema migrations."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path
from typing import Callable, List, Optional

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

_LOGGER = logging.getLogger(__name__)


class Base(DeclarativeBase):
    """Declarative base of the device store."""


class ActivityRow(Base):
    """Activity cache: the demo catalog or the last one the server sent."""

    __tablename__ = "activities"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    title: Mapped[str] = mapped_column(String)
    category: Mapped[str] = mapped_column(String, index=True)
    start: Mapped[datetime] = mapped_column(DateTime, index=True)
    place: Mapped[str] = mapped_column(String, default="")
    capacity: Mapped[int] = mapped_column(Integer, default=0)
    taken: Mapped[int] = mapped_column(Integer, default=0)
    """Seats taken as the server last reported (0 for the demo catalog)."""
    source: Mapped[str] = mapped_column(String, default="demo")
    """'demo' (intents.demo_catalog) or 'server'."""


class BookingRow(Base):
    """A sign-up for an activity: pending → confirmed/rejected; cancelled by voice."""

    __tablename__ = "bookings"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    activity_id: Mapped[str] = mapped_column(String, index=True)
    status: Mapped[str] = mapped_column(String, default="pending")
    reason: Mapped[str] = mapped_column(String, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ServiceRow(Base):
    """A service request (体检, 送餐, 用车, 理发, 保洁): pending → confirmed/rejected/cancelled."""

    __tablename__ = "service_requests"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    service: Mapped[str] = mapped_column(String)
    day: Mapped[date] = mapped_column(Date)
    time: Mapped[Optional[str]] = mapped_column(String, nullable=True)
    """HH:MM or a part of day (morning/afternoon…) or None."""
    status: Mapped[str] = mapped_column(String, default="pending")
    reason: Mapped[str] = mapped_column(String, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ReminderRow(Base):
    """A reminder with an optional repeat rule (daily, weekdays, weekly:1,3,5)."""

    __tablename__ = "reminders"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    content: Mapped[str] = mapped_column(String)
    time: Mapped[str] = mapped_column(String)
    """HH:MM local."""
    start_date: Mapped[date] = mapped_column(Date)
    """The one-shot date, or the first day a repeating rule applies."""
    repeat: Mapped[Optional[str]] = mapped_column(String, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String, default="voice")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    learnt_at: Mapped[Optional[datetime]] = mapped_column(DateTime, nullable=True)
    """When this speaker learnt the current rule from the server (None: made by voice here).
    Occurrences due before it were learnt late: said at once up to dialog.late_minutes late."""


class OccurrenceRow(Base):
    """One occurrence of a reminder; the unique key makes every occurrence happen exactly once."""

    __tablename__ = "reminder_events"
    __table_args__ = (UniqueConstraint("reminder_id", "due_at", name="uq_occurrence"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reminder_id: Mapped[str] = mapped_column(String, index=True)
    due_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String, index=True)
    """fired (waiting for an acknowledgement) / acknowledged / missed."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_prompt_at: Mapped[Optional[datetime]] = mapped_column(DateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class AnnouncementRow(Base):
    """Community announcement: held (quiet hours) → spoken."""

    __tablename__ = "announcements"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String, default="held")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    spoken_at: Mapped[Optional[datetime]] = mapped_column(DateTime, nullable=True)


class MessageRow(Base):
    """A family message (direction 'in') or one the senior dictated (direction 'out')."""

    __tablename__ = "messages"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    direction: Mapped[str] = mapped_column(String)
    peer: Mapped[str] = mapped_column(String, default="")
    """Sender for 'in', addressee for 'out' (女儿, 儿子, …)."""
    text: Mapped[str] = mapped_column(Text)
    heard: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PointsRow(Base):
    """Volunteer points balance as the server last reported it (one row per device)."""

    __tablename__ = "points"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    balance: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class SettingRow(Base):
    """Persisted preferences and sync state as JSON values (voice.rate, voice.volume, sync.cursor)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class OutboxRow(Base):
    """A change meant for the server, written in the same transaction as the change itself."""

    __tablename__ = "outbox"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    """Local order; sync sends ops in this order."""
    op_id: Mapped[str] = mapped_column(String, unique=True)
    """Client-made UUID; the server applies each op at most once."""
    type: Mapped[str] = mapped_column(String, index=True)
    payload: Mapped[str] = mapped_column(Text)
    """JSON (ensure_ascii=False)."""
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    state: Mapped[str] = mapped_column(String, default="pending", index=True)
    """pending → sent → acknowledged (server answered) ."""
    sent_at: Mapped[Optional[datetime]] = mapped_column(DateTime, nullable=True)
    acked_at: Mapped[Optional[datetime]] = mapped_column(DateTime, nullable=True)
    result: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    """The server's answer for this op (JSON)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class RoutineRow(Base):
    """The household routine as the family set it on the web (one row per anchor; none: defaults)."""

    __tablename__ = "routine"
    anchor: Mapped[str] = mapped_column(String, primary_key=True)
    """wake / breakfast / lunch / dinner / bed."""
    time: Mapped[str] = mapped_column(String)
    """HH:MM local."""
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class AlertRow(Base):
    """What the server said about one of this speaker's emergencies (id = the emergency op id)."""

    __tablename__ = "alerts"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    status: Mapped[str] = mapped_column(String)
    """handled (someone pressed 我来处理) / cancelled."""
    by: Mapped[str] = mapped_column(String, default="")
    """Who is coming, as the senior knows them: 女儿, 张姐 …"""
    role: Mapped[str] = mapped_column(String, default="")
    """family / staff."""
    at: Mapped[Optional[datetime]] = mapped_column(DateTime, nullable=True)
    """When they pressed it (local time)."""
    created_at: Mapped[datetime] = mapped_column(DateTime)


def _v1(conn: Connection) -> None:
    """Version 1, frozen as SQL (migrations/v1.sql) so that a later model change cannot alter it."""
    script = (Path(__file__).parent / "migrations" / "v1.sql").read_text(encoding="utf-8")
    body = "\n".join(line for line in script.splitlines() if not line.startswith("--"))
    for statement in body.split(";"):
        if statement.strip():
            conn.exec_driver_sql(statement)


# Step-wise migrations: MIGRATIONS[i] takes the schema from version i to i + 1. Append a function
# (ALTER TABLE …, data back-fill) for every schema change; never edit an old step, so a senior's
# store from any earlier release is upgraded in place and keeps its data.
def _v2(conn: Connection) -> None:
    """Version 2 (issue 12): the household routine and the server's word on emergencies."""
    conn.exec_driver_sql("CREATE TABLE routine (anchor VARCHAR NOT NULL, time VARCHAR NOT NULL, "
                         "updated_at DATETIME NOT NULL, PRIMARY KEY (anchor))")
    conn.exec_driver_sql("CREATE TABLE alerts (id VARCHAR NOT NULL, status VARCHAR NOT NULL, "
                         "by VARCHAR NOT NULL, role VARCHAR NOT NULL, at DATETIME, "
                         "created_at DATETIME NOT NULL, PRIMARY KEY (id))")


def _v3(conn: Connection) -> None:
    """Version 3 (issue 14): when a reminder's current rule reached the speaker (late reminders)."""
    conn.exec_driver_sql("ALTER TABLE reminders ADD COLUMN learnt_at DATETIME")


MIGRATIONS: List[Callable[[Connection], None]] = [_v1, _v2, _v3]
SCHEMA_VERSION = len(MIGRATIONS)
