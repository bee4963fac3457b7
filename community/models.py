"""SQLAlchemy tables of the community server.

Sync-ready by construction (see docs/server.md): every object a device may see has a text
UUID primary key (a device may make it, e.g. a voice-made reminder), every change is appended
to `changes` (a monotonically increasing `seq` the device keeps as its cursor), deletions
of reminders stay as tombstones (`deleted_at`) and produce a `delete` change, and
`device_ops` remembers each applied op id so a replay returns its first result.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timezone
from enum import Enum
from typing import Any, Optional, Type

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

_LOGGER = logging.getLogger(__name__)


def new_id() -> str:
    """A fresh UUID4 as text (the primary-key form used everywhere)."""
    return str(uuid.uuid4())


class UTCDateTime(sa.types.TypeDecorator):
    """Aware datetimes stored as UTC; SQLite returns naive values, so tzinfo is put back."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def _enum(enum_cls: Type[Enum]) -> sa.Enum:
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=24,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Role(str, Enum):
    """A role a web login holds (docs/server.md, "Roles"); `users.role` is the login's first one (where
    it lands), `user_roles` holds any further ones: one login may hold several."""

    FAMILY = "family"
    STAFF = "staff"
    VOLUNTEER = "volunteer"
    """志愿者 (elders too): sees open help requests of their community, accepts and finishes them."""
    TEACHER = "teacher"
    """老年文艺者, an elder who teaches a skill (allowed name; no pages yet)."""
    YOUNG = "young"
    """青年参与者 (allowed name; no pages yet)."""


ROLE_NAMES = tuple(r.value for r in Role)
"""Every allowed role name (the check constraint of user_roles)."""


class Dialect(str, Enum):
    """Elder's home dialect (the speaker picks recogniser hints from it)."""

    MANDARIN = "mandarin"
    CANTONESE = "cantonese"
    MINNAN = "minnan"
    HAKKA = "hakka"
    WU = "wu"
    OTHER = "other"


class ActivityCategory(str, Enum):
    HEALTH = "health"
    CULTURE = "culture"
    LEARNING = "learning"
    EXERCISE = "exercise"
    VOLUNTEER = "volunteer"
    OTHER = "other"


class ActivityStatus(str, Enum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class BookingStatus(str, Enum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class Origin(str, Enum):
    """Who made a row: a family member, staff on the web, or the speaker."""

    FAMILY = "family"
    STAFF = "staff"
    DEVICE = "device"


class Repeat(str, Enum):
    ONCE = "once"
    DAILY = "daily"
    WEEKDAYS = "weekdays"
    WEEKLY = "weekly"


class ReminderStatus(str, Enum):
    ACTIVE = "active"
    PAUSED = "paused"


class ReminderEventKind(str, Enum):
    FIRED = "fired"
    ACKNOWLEDGED = "acknowledged"
    MISSED = "missed"


class AnnouncementTarget(str, Enum):
    ALL = "all"
    GROUP = "group"


class MessageDirection(str, Enum):
    TO_ELDER = "to_elder"
    FROM_ELDER = "from_elder"


class ServiceKind(str, Enum):
    HEALTH_CHECK = "health_check"
    MEAL = "meal"
    CAR = "car"
    REPAIR = "repair"
    OTHER = "other"


class ServiceStatus(str, Enum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    DONE = "done"
    CANCELLED = "cancelled"


class ChangeOp(str, Enum):
    UPSERT = "upsert"
    DELETE = "delete"


class Entity(str, Enum):
    """Kinds of object listed in `changes` (the sync vocabulary)."""

    ACTIVITY = "activity"
    BOOKING = "booking"
    REMINDER = "reminder"
    ANNOUNCEMENT = "announcement"
    MESSAGE = "message"
    SERVICE_REQUEST = "service_request"
    HELP_REQUEST = "help_request"
    POINTS = "points"
    HOUSEHOLD = "household"
    ALERT = "alert"
    POLL = "poll"
    SKILL_OFFER = "skill_offer"


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime()}


def _id_column() -> Mapped[str]:
    return mapped_column(sa.String(36), primary_key=True, default=new_id)


def _fk(target: str, nullable: bool = False, ondelete: str = "CASCADE") -> Mapped[Any]:
    key = sa.ForeignKey(target, ondelete=ondelete)
    return mapped_column(sa.String(36), key, nullable=nullable, index=True)


class Community(Base):
    __tablename__ = "communities"
    id: Mapped[str] = _id_column()
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Shanghai")
    created_at: Mapped[datetime]


class Household(Base):
    __tablename__ = "households"
    id: Mapped[str] = _id_column()
    community_id: Mapped[str] = _fk("communities.id")
    elder_name: Mapped[str] = mapped_column(sa.String(40))
    address_as: Mapped[str] = mapped_column(sa.String(20))
    """Preferred form of address, e.g. 王阿姨."""
    dialect: Mapped[Dialect] = mapped_column(_enum(Dialect), default=Dialect.MANDARIN)
    group_name: Mapped[str] = mapped_column(sa.String(40), default="")
    """Building or group used to target announcements, e.g. 3号楼."""
    created_at: Mapped[datetime]
    deleted_at: Mapped[Optional[datetime]]
    """Removed by staff (soft delete, docs/server.md): hidden everywhere, its records kept."""
    deleted_by: Mapped[Optional[str]] = _fk("users.id", nullable=True, ondelete="SET NULL")
    community: Mapped[Community] = relationship()


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = _id_column()
    username: Mapped[str] = mapped_column(sa.String(40), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(40))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(_enum(Role))
    community_id: Mapped[Optional[str]] = _fk("communities.id", nullable=True)
    """Set for staff and volunteers; family users reach communities through their households."""
    created_at: Mapped[datetime]
    household_id: Mapped[Optional[str]] = mapped_column(
        sa.String(36),
        # use_alter: households.deleted_by points back at users, so the two tables form a cycle
        sa.ForeignKey(
            "households.id", ondelete="SET NULL", use_alter=True, name="fk_users_household_id_households"
        ),
        nullable=True,
        index=True,
    )
    """A volunteer who is the elder of this household (elders volunteer too); gives no family scope."""


class UserRole(Base):
    """A further role of a login (its first one is users.role): one login may hold several."""

    __tablename__ = "user_roles"
    __table_args__ = (
        sa.CheckConstraint(
            "role IN (" + ", ".join(f"'{name}'" for name in ROLE_NAMES) + ")", name="ck_user_role_name"
        ),
    )
    user_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(_enum(Role), primary_key=True)


class FamilyLink(Base):
    __tablename__ = "family_links"
    __table_args__ = (sa.UniqueConstraint("user_id", "household_id"),)
    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _fk("users.id")
    household_id: Mapped[str] = _fk("households.id")
    relation: Mapped[str] = mapped_column(sa.String(20), default="")


class WebSession(Base):
    __tablename__ = "web_sessions"
    id: Mapped[str] = _id_column()
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(sa.String(64))
    user_id: Mapped[str] = _fk("users.id")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class LoginThrottle(Base):
    """One counter of community.security.Throttle (an account, a browser, an address, pairing)."""

    __tablename__ = "login_throttles"
    key: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    """Attempts counted so far; an attempt counts before its password is checked, a success gives it back."""
    window_start: Mapped[datetime]
    """When this count began (a counter older than its rule's window starts again)."""
    next_at: Mapped[Optional[datetime]]
    """Growing-delay keys: the earliest time of the next attempt (None: no wait)."""


class KnownBrowser(Base):
    """A browser that logged in to this account before (cookie yc_browser; only its SHA-256 here).

    Wrong passwords typed elsewhere do not delay logins from it (see docs/server.md).
    """

    __tablename__ = "known_browsers"
    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[str] = _fk("users.id")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class Device(Base):
    __tablename__ = "devices"
    id: Mapped[str] = _id_column()
    community_id: Mapped[str] = _fk("communities.id")
    household_id: Mapped[str] = _fk("households.id")
    name: Mapped[str] = mapped_column(sa.String(40), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    """SHA-256 of the bearer token; the token itself is shown once to the device."""
    paired_at: Mapped[datetime]
    last_seen_at: Mapped[Optional[datetime]]
    revoked_at: Mapped[Optional[datetime]]


class PairingCode(Base):
    __tablename__ = "pairing_codes"
    id: Mapped[str] = _id_column()
    code_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    household_id: Mapped[str] = _fk("households.id")
    created_by: Mapped[str] = _fk("users.id")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[Optional[datetime]]
    device_id: Mapped[Optional[str]] = _fk("devices.id", nullable=True, ondelete="SET NULL")
    wrong_guesses: Mapped[int] = mapped_column(default=0, server_default="0")
    """Wrong pairing guesses made while this code was live (each one could have been aimed at it)."""
    closed_at: Mapped[Optional[datetime]]
    """When the code died because wrong_guesses reached Settings.pairing_guesses_per_code."""


class ActivitySeries(Base):
    """A weekly rule that made Activity rows (community.domain.series); each session stays a normal
    Activity the speakers sync and book."""

    __tablename__ = "activity_series"
    id: Mapped[str] = _id_column()
    community_id: Mapped[str] = _fk("communities.id")
    title: Mapped[str] = mapped_column(sa.String(60))
    category: Mapped[ActivityCategory] = mapped_column(_enum(ActivityCategory))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    place: Mapped[str] = mapped_column(sa.String(60))
    capacity: Mapped[int]
    weekdays: Mapped[str] = mapped_column(sa.String(20))
    """ISO weekdays '1,3,5' (1 = Monday)."""
    first_day: Mapped[date] = mapped_column(sa.Date)
    last_day: Mapped[date] = mapped_column(sa.Date)
    start_time: Mapped[str] = mapped_column(sa.String(5))
    """Local wall time 'HH:MM' in the community's zone."""
    minutes: Mapped[int]
    """How long each session lasts."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SeriesSkip(Base):
    """A day on which a series makes no session (skipped, or its one session cancelled)."""

    __tablename__ = "series_skips"
    series_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("activity_series.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    created_at: Mapped[datetime]


class Activity(Base):
    __tablename__ = "activities"
    __table_args__ = (
        sa.CheckConstraint("booked >= 0 AND booked <= capacity", name="ck_activity_booked"),
        sa.Index("uq_activity_series_day", "series_id", "series_day", unique=True),
    )
    id: Mapped[str] = _id_column()
    community_id: Mapped[str] = _fk("communities.id")
    title: Mapped[str] = mapped_column(sa.String(60))
    category: Mapped[ActivityCategory] = mapped_column(_enum(ActivityCategory))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    place: Mapped[str] = mapped_column(sa.String(60))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    capacity: Mapped[int]
    booked: Mapped[int] = mapped_column(default=0)
    """Confirmed bookings; changed only by conditional UPDATE so it never passes capacity."""
    status: Mapped[ActivityStatus] = mapped_column(_enum(ActivityStatus), default=ActivityStatus.SCHEDULED)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    series_id: Mapped[Optional[str]] = _fk("activity_series.id", nullable=True, ondelete="SET NULL")
    """The weekly series that made this session (None: a one-off activity)."""
    series_day: Mapped[Optional[date]] = mapped_column(sa.Date, nullable=True)
    """The series' local day of this session (one session per series and day)."""
    teacher_household_id: Mapped[Optional[str]] = _fk("households.id", nullable=True, ondelete="SET NULL")
    """The elder who teaches it (技能教学, issue 16): their speaker hears its sign-up count."""


class AttendanceStatus(str, Enum):
    PRESENT = "present"
    ABSENT = "absent"


class Attendance(Base):
    """Check-in of a signed-up household at an activity (已到 / 未到), one row per pair."""

    __tablename__ = "attendance"
    activity_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True
    )
    household_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("households.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    status: Mapped[AttendanceStatus] = mapped_column(_enum(AttendanceStatus))
    marked_at: Mapped[datetime]
    marked_by: Mapped[Optional[str]] = _fk("users.id", nullable=True, ondelete="SET NULL")


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (sa.UniqueConstraint("activity_id", "household_id"),)
    id: Mapped[str] = _id_column()
    activity_id: Mapped[str] = _fk("activities.id")
    household_id: Mapped[str] = _fk("households.id")
    status: Mapped[BookingStatus] = mapped_column(_enum(BookingStatus), default=BookingStatus.CONFIRMED)
    origin: Mapped[Origin] = mapped_column(_enum(Origin))
    changed_by: Mapped[Optional[str]] = _fk("users.id", nullable=True, ondelete="SET NULL")
    """The web user who last booked or cancelled it (None: the speaker); the speaker names them."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    activity: Mapped[Activity] = relationship()
    household: Mapped[Household] = relationship()


class ServiceRequest(Base):
    __tablename__ = "service_requests"
    id: Mapped[str] = _id_column()
    household_id: Mapped[str] = _fk("households.id")
    kind: Mapped[ServiceKind] = mapped_column(_enum(ServiceKind))
    details: Mapped[str] = mapped_column(sa.String(500), default="")
    wanted_at: Mapped[Optional[datetime]]
    status: Mapped[ServiceStatus] = mapped_column(_enum(ServiceStatus), default=ServiceStatus.PENDING)
    origin: Mapped[Origin] = mapped_column(_enum(Origin))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Reminder(Base):
    __tablename__ = "reminders"
    id: Mapped[str] = _id_column()
    household_id: Mapped[str] = _fk("households.id")
    content: Mapped[str] = mapped_column(sa.String(100))
    time_of_day: Mapped[str] = mapped_column(sa.String(5))
    """Local wall time 'HH:MM' in the community's zone."""
    repeat: Mapped[Repeat] = mapped_column(_enum(Repeat))
    weekdays: Mapped[str] = mapped_column(sa.String(20), default="")
    """For weekly: ISO weekdays '1,3,5' (1 = Monday)."""
    start_date: Mapped[date] = mapped_column(sa.Date)
    """First day (the only day for once)."""
    status: Mapped[ReminderStatus] = mapped_column(_enum(ReminderStatus), default=ReminderStatus.ACTIVE)
    important: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    """Marked 重要 by the family: a missed occurrence raises a CareAlert (community.domain.escalation)."""
    origin: Mapped[Origin] = mapped_column(_enum(Origin))
    created_by_user_id: Mapped[Optional[str]] = _fk("users.id", nullable=True, ondelete="SET NULL")
    created_by_device_id: Mapped[Optional[str]] = _fk("devices.id", nullable=True, ondelete="SET NULL")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[Optional[datetime]]
    """Tombstone: set instead of deleting, so devices learn of the deletion."""


class ReminderEvent(Base):
    __tablename__ = "reminder_events"
    __table_args__ = (sa.UniqueConstraint("reminder_id", "due_at", "kind"),)
    id: Mapped[str] = _id_column()
    reminder_id: Mapped[str] = _fk("reminders.id")
    household_id: Mapped[str] = _fk("households.id")
    due_at: Mapped[datetime]
    """The occurrence this event is about (UTC)."""
    kind: Mapped[ReminderEventKind] = mapped_column(_enum(ReminderEventKind))
    at: Mapped[datetime]
    """When it happened on the device (device clock, UTC)."""
    device_id: Mapped[Optional[str]] = _fk("devices.id", nullable=True, ondelete="SET NULL")
    received_at: Mapped[datetime]


class Announcement(Base):
    __tablename__ = "announcements"
    id: Mapped[str] = _id_column()
    community_id: Mapped[str] = _fk("communities.id")
    title: Mapped[str] = mapped_column(sa.String(60))
    body: Mapped[str] = mapped_column(sa.String(1000))
    target: Mapped[AnnouncementTarget] = mapped_column(_enum(AnnouncementTarget))
    group_name: Mapped[str] = mapped_column(sa.String(40), default="")
    publish_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    urgent: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[Optional[str]] = _fk("users.id", nullable=True, ondelete="SET NULL")
    created_at: Mapped[datetime]
    deleted_at: Mapped[Optional[datetime]]


class Message(Base):
    __tablename__ = "messages"
    id: Mapped[str] = _id_column()
    household_id: Mapped[str] = _fk("households.id")
    direction: Mapped[MessageDirection] = mapped_column(_enum(MessageDirection))
    body: Mapped[str] = mapped_column(sa.String(500))
    author_user_id: Mapped[Optional[str]] = _fk("users.id", nullable=True, ondelete="SET NULL")
    device_id: Mapped[Optional[str]] = _fk("devices.id", nullable=True, ondelete="SET NULL")
    created_at: Mapped[datetime]
    """When the server received it."""
    read_at: Mapped[Optional[datetime]]
    device_sent_at: Mapped[Optional[datetime]]
    """A message from the elder: when it was said, by the speaker's clock (None: unknown, or from
    family). A speaker offline for a day sends it late; pages show both times then."""


class PointsEntry(Base):
    __tablename__ = "points_ledger"
    __table_args__ = (sa.Index("uq_points_activity_household", "activity_id", "household_id", unique=True),)
    id: Mapped[str] = _id_column()
    community_id: Mapped[str] = _fk("communities.id")
    household_id: Mapped[str] = _fk("households.id")
    points: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(100))
    recorded_by: Mapped[Optional[str]] = _fk("users.id", nullable=True, ondelete="SET NULL")
    created_at: Mapped[datetime]
    activity_id: Mapped[Optional[str]] = mapped_column(
        sa.String(36), sa.ForeignKey("activities.id", ondelete="SET NULL"), nullable=True
    )
    """Points for attending this activity (at most one entry per activity and household)."""


class HelpStatus(str, Enum):
    """A help request's life: open → accepted → done → thanked, or cancelled."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DONE = "done"
    THANKED = "thanked"
    CANCELLED = "cancelled"


class HelpRequest(Base):
    """志愿帮扶: an elder asks for a helping hand (by voice, or staff on the elder's behalf)."""

    __tablename__ = "help_requests"
    id: Mapped[str] = _id_column()
    community_id: Mapped[str] = _fk("communities.id")
    household_id: Mapped[str] = _fk("households.id")
    what: Mapped[str] = mapped_column(sa.String(200))
    """What is needed, as the elder said it ('帮我换个灯泡')."""
    wanted_at: Mapped[Optional[datetime]]
    """When the elder would like it, if they said."""
    status: Mapped[HelpStatus] = mapped_column(_enum(HelpStatus), default=HelpStatus.OPEN, index=True)
    origin: Mapped[Origin] = mapped_column(_enum(Origin))
    created_by: Mapped[Optional[str]] = _fk("users.id", nullable=True, ondelete="SET NULL")
    """The staff member who made it for the elder (None: the speaker)."""
    volunteer_id: Mapped[Optional[str]] = _fk("users.id", nullable=True, ondelete="SET NULL")
    """Who accepted it."""
    visit_at: Mapped[Optional[datetime]]
    """When the volunteer said they would come."""
    accepted_at: Mapped[Optional[datetime]]
    done_at: Mapped[Optional[datetime]]
    thanked_at: Mapped[Optional[datetime]]
    """The elder's thanks, by the speaker's clock."""
    confirmed_by: Mapped[Optional[str]] = _fk("users.id", nullable=True, ondelete="SET NULL")
    """The staff member who confirmed it was done (instead of, or before, the elder's thanks)."""
    cancelled_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime]
    """When the elder asked, by the speaker's own clock (server time for staff-made ones)."""
    received_at: Mapped[datetime]
    """When the server received it (escalation counts from here)."""
    updated_at: Mapped[datetime]


class VolunteerPoints(Base):
    """Points of one person (a login), append-only; a correction is an entry of its own."""

    __tablename__ = "volunteer_points"
    __table_args__ = (sa.UniqueConstraint("help_request_id", name="uq_volunteer_points_help"),)
    id: Mapped[str] = _id_column()
    community_id: Mapped[str] = _fk("communities.id")
    user_id: Mapped[str] = _fk("users.id")
    delta: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(100))
    confirmed_by: Mapped[Optional[str]] = _fk("users.id", nullable=True, ondelete="SET NULL")
    """The staff member who gave or confirmed it (None: the elder's thanks on the speaker)."""
    help_request_id: Mapped[Optional[str]] = mapped_column(
        sa.String(36), sa.ForeignKey("help_requests.id", ondelete="SET NULL"), nullable=True
    )
    """Points for this help (at most one entry per request: unique)."""
    at: Mapped[datetime]


class AnnouncementDelivery(Base):
    """What a speaker reported about an announcement: received (synced) and played (spoken)."""

    __tablename__ = "announcement_deliveries"
    announcement_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True
    )
    device_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    household_id: Mapped[str] = _fk("households.id")
    received_at: Mapped[datetime]
    """By the speaker's clock (clamped like other device times)."""
    played_at: Mapped[Optional[datetime]]
    """When the speaker read it out (None: not yet, e.g. held through quiet hours)."""


class EmergencyAlert(Base):
    __tablename__ = "emergency_alerts"
    id: Mapped[str] = _id_column()
    household_id: Mapped[str] = _fk("households.id")
    device_id: Mapped[Optional[str]] = _fk("devices.id", nullable=True, ondelete="SET NULL")
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    raised_at: Mapped[datetime]
    """When the server received it."""
    device_raised_at: Mapped[Optional[datetime]]
    """When it happened by the speaker's clock (shown as such: the two clocks may differ)."""
    acknowledged_at: Mapped[Optional[datetime]]
    acknowledged_by: Mapped[Optional[str]] = _fk("users.id", nullable=True, ondelete="SET NULL")
    cancelled_at: Mapped[Optional[datetime]]
    """The senior took it back by voice ('没事了，我按错了'); when the server received that."""
    device_cancelled_at: Mapped[Optional[datetime]]
    """When the senior took it back, by the speaker's clock."""
    cancel_note: Mapped[str] = mapped_column(sa.String(200), default="")
    """What the senior said when taking it back."""


class CareAlertKind(str, Enum):
    """Why a CareAlert was raised (community.domain.escalation)."""

    IMPORTANT_MISSED = "important_missed"
    """An important reminder's occurrence was missed (the speaker's three prompts went unanswered)."""
    MISSED_TWO_DAYS = "missed_two_days"
    """A daily reminder was missed on two days in a row."""
    SPEAKER_SILENT = "speaker_silent"
    """The household's speaker has not been heard from for more than a day."""


class CareAlert(Base):
    """Someone took an escalation in hand (我来处理).

    Escalations are worries the server raises itself (not the elder): computed on read from
    reminder events and Device.last_seen_at by community.domain.escalation, shown on every family
    page at once and, when no family member handled them within Settings.escalate_after_minutes,
    on the staff dashboard. A row is written when a family member or staff handle one; its
    subject (household_id, kind, subject_key) then stays handled.
    """

    __tablename__ = "care_alerts"
    __table_args__ = (
        sa.UniqueConstraint("household_id", "kind", "subject_key", name="uq_care_alert_subject"),
        sa.CheckConstraint(
            "kind IN ('important_missed', 'missed_two_days', 'speaker_silent')", name="ck_care_alert_kind"
        ),
    )
    id: Mapped[str] = _id_column()
    household_id: Mapped[str] = _fk("households.id")
    kind: Mapped[CareAlertKind] = mapped_column(_enum(CareAlertKind))
    subject_key: Mapped[str] = mapped_column(sa.String(120))
    """What it is about: 'reminder-id@due-at' or 'device-id@last-seen-at'."""
    reminder_id: Mapped[Optional[str]] = _fk("reminders.id", nullable=True)
    device_id: Mapped[Optional[str]] = _fk("devices.id", nullable=True, ondelete="SET NULL")
    due_at: Mapped[Optional[datetime]]
    """The (latest) missed occurrence, UTC; None for a silent speaker."""
    detail: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    """What the family sees, e.g. the reminder's content."""
    raised_at: Mapped[datetime]
    """When the server could first know (e.g. the missed event's arrival), as computed."""
    handled_at: Mapped[Optional[datetime]]
    handled_by: Mapped[Optional[str]] = _fk("users.id", nullable=True, ondelete="SET NULL")


class HouseholdRoutine(Base):
    """A household's day (local HH:MM), set by the family; no row: the defaults (community.routines)."""

    __tablename__ = "household_routines"
    household_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("households.id", ondelete="CASCADE"), primary_key=True
    )
    wake: Mapped[str] = mapped_column(sa.String(5))
    breakfast: Mapped[str] = mapped_column(sa.String(5))
    lunch: Mapped[str] = mapped_column(sa.String(5))
    dinner: Mapped[str] = mapped_column(sa.String(5))
    bed: Mapped[str] = mapped_column(sa.String(5))
    updated_at: Mapped[datetime]
    updated_by: Mapped[Optional[str]] = _fk("users.id", nullable=True, ondelete="SET NULL")


class Change(Base):
    """Append-only change log; `seq` is the sync cursor (issue 7)."""

    __tablename__ = "changes"
    seq: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    community_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    household_id: Mapped[Optional[str]] = mapped_column(sa.String(36), index=True)
    """None: visible to every household of the community (activities, announcements)."""
    entity: Mapped[Entity] = mapped_column(_enum(Entity))
    entity_id: Mapped[str] = mapped_column(sa.String(36))
    op: Mapped[ChangeOp] = mapped_column(_enum(ChangeOp))
    at: Mapped[datetime]


class DeviceOp(Base):
    """Each device op applied once; a replay returns `result_json` (used by issue 7's sync)."""

    __tablename__ = "device_ops"
    op_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    device_id: Mapped[str] = _fk("devices.id")
    type: Mapped[str] = mapped_column(sa.String(40))
    result_json: Mapped[str] = mapped_column(sa.Text)
    applied_at: Mapped[datetime]


class Poll(Base):
    """活动调查 (issue 16): a short question with 2–4 spoken options, asked by the speakers it targets."""

    __tablename__ = "polls"
    id: Mapped[str] = _id_column()
    community_id: Mapped[str] = _fk("communities.id")
    question: Mapped[str] = mapped_column(sa.String(80))
    options: Mapped[Any] = mapped_column(sa.JSON)
    """The options as the speaker reads them, in order (2–4 short phrases)."""
    target: Mapped[AnnouncementTarget] = mapped_column(_enum(AnnouncementTarget))
    group_name: Mapped[str] = mapped_column(sa.String(40), default="")
    created_by: Mapped[Optional[str]] = _fk("users.id", nullable=True, ondelete="SET NULL")
    created_at: Mapped[datetime]
    closed_at: Mapped[Optional[datetime]]
    """When staff closed it: speakers that have not asked yet drop it."""


class PollAnswer(Base):
    """One household's answer to a poll: the option number, 'any', 'none', or '' (asked, no answer)."""

    __tablename__ = "poll_answers"
    __table_args__ = (sa.UniqueConstraint("poll_id", "household_id", name="uq_poll_answer_household"),)
    id: Mapped[str] = _id_column()
    poll_id: Mapped[str] = _fk("polls.id")
    household_id: Mapped[str] = _fk("households.id")
    choice: Mapped[str] = mapped_column(sa.String(8))
    heard: Mapped[str] = mapped_column(sa.String(200), default="")
    """What the senior said, as the recogniser wrote it (staff can read the answers they doubt)."""
    answered_at: Mapped[datetime]
    """By the speaker's clock."""
    received_at: Mapped[datetime]


class SkillOfferStatus(str, Enum):
    """A skill offer's life: new → taught (staff made an activity of it) or declined."""

    NEW = "new"
    TAUGHT = "taught"
    DECLINED = "declined"


class SkillOffer(Base):
    """技能教学 (issue 16): an elder offers by voice to teach a skill ('我会写毛笔字，可以教大家')."""

    __tablename__ = "skill_offers"
    id: Mapped[str] = _id_column()
    community_id: Mapped[str] = _fk("communities.id")
    household_id: Mapped[str] = _fk("households.id")
    skill: Mapped[str] = mapped_column(sa.String(60))
    said: Mapped[str] = mapped_column(sa.String(200), default="")
    status: Mapped[SkillOfferStatus] = mapped_column(_enum(SkillOfferStatus), default=SkillOfferStatus.NEW,
                                                     index=True)
    activity_id: Mapped[Optional[str]] = _fk("activities.id", nullable=True, ondelete="SET NULL")
    """The first activity staff made of it, with the elder as teacher."""
    handled_by: Mapped[Optional[str]] = _fk("users.id", nullable=True, ondelete="SET NULL")
    handled_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime]
    """When the elder offered, by the speaker's clock."""
    received_at: Mapped[datetime]


class YoungLink(Base):
    """青年参与者 (issue 16): a young participant the elder's family allowed to see the elder's 新动向."""

    __tablename__ = "young_links"
    __table_args__ = (sa.UniqueConstraint("user_id", "household_id", name="uq_young_link"),)
    id: Mapped[str] = _id_column()
    user_id: Mapped[str] = _fk("users.id")
    household_id: Mapped[str] = _fk("households.id")
    allowed_by: Mapped[Optional[str]] = _fk("users.id", nullable=True, ondelete="SET NULL")
    """The family member who allowed it."""
    created_at: Mapped[datetime]
