"""The change feed a speaker syncs from: rows of `changes` after its cursor, as device objects.

A cursor is the text "<seq>": the last change seq the device has seen (an older
"<seq>:<time>" form is accepted and its time ignored). Announcements scheduled for later get
a second change row when they fall due (community.domain.fanout.publish_due), so the seq
alone is enough. Times sent to the device are naive local times in the community's zone,
as the device stores them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Set, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..actors import Actor, community_zone
from ..clock import to_local
from ..errors import InvalidInput
from ..models import (
    Activity,
    ActivityCategory,
    ActivityStatus,
    Announcement,
    AnnouncementTarget,
    Booking,
    BookingStatus,
    Change,
    ChangeOp,
    EmergencyAlert,
    Entity,
    FamilyLink,
    HelpRequest,
    HelpStatus,
    Household,
    Message,
    MessageDirection,
    PointsEntry,
    Reminder,
    ReminderStatus,
    Repeat,
    Role,
    ServiceRequest,
    ServiceStatus,
    User,
    VolunteerPoints,
)
from . import polls, skills
from .reminders import effective_since
from .routines import routine_of

_LOGGER = logging.getLogger(__name__)
CATALOG_DAYS = 30
"""Activities starting within this many days are sent as the catalog."""
MESSAGE_DAYS = 7
"""On a first sync, unread family messages of the last week are delivered."""
ALERT_SNAPSHOT_SECONDS = 30 * 60
"""On a first sync, alerts someone took in hand this recently are delivered (the speaker says who
is coming once; it keeps what it was told by alert id)."""
CATEGORY_NAMES = {
    ActivityCategory.HEALTH: "健康",
    ActivityCategory.CULTURE: "文化",
    ActivityCategory.LEARNING: "学习",
    ActivityCategory.EXERCISE: "运动",
    ActivityCategory.VOLUNTEER: "志愿",
    ActivityCategory.OTHER: "其他",
}
"""Server categories as the speaker's catalog names them (intents match on these words)."""
_SERVICE_STATUS = {
    ServiceStatus.CONFIRMED: "confirmed",
    ServiceStatus.REJECTED: "rejected",
    ServiceStatus.CANCELLED: "cancelled",
}


@dataclass(frozen=True)
class DeviceScope:
    """What one speaker may see."""

    device_id: str
    community_id: str
    household_id: str
    group_name: str
    zone: ZoneInfo


@dataclass(frozen=True)
class Cursor:
    seq: int = -1
    """-1: the device has synced nothing yet (0 is a real cursor: the change log was empty)."""

    @staticmethod
    def parse(value: Any) -> "Cursor":
        """Accept None, an int, "123" or "123:…"; InvalidInput otherwise."""
        if value is None or value == "":
            return Cursor()
        text = str(value)
        seq, _, rest = text.partition(":")
        if not seq.isdigit() or not (rest == "" or rest.isdigit()) or len(text) > 40:
            raise InvalidInput(f"cursor: expected a number as given by the server, got {text[:40]!r}")
        return Cursor(int(seq))

    def __str__(self) -> str:
        return str(self.seq)


@dataclass(frozen=True)
class FeedPage:
    cursor: Cursor
    more: bool
    """True when the limit cut the page short: sync again at once."""
    changes: Dict[str, Any]
    empty: bool


def device_scope(session: Session, actor: Actor) -> DeviceScope:
    household = session.get(Household, next(iter(actor.household_ids)))
    if household is None:
        raise InvalidInput("device household is gone")
    zone = community_zone(session, household.community_id)
    return DeviceScope(actor.id, household.community_id, household.id, household.group_name, zone)


def _local(value: datetime, zone: ZoneInfo) -> str:
    return to_local(value, zone).replace(tzinfo=None).isoformat(timespec="seconds")


local_time = _local
"""A server time as the speaker stores it: naive local time in the community's zone."""


def top_seq(session: Session) -> int:
    return int(session.scalar(select(func.max(Change.seq))) or 0)


def read_feed(
    session: Session, scope: DeviceScope, cursor: Cursor, now: datetime, limit: int = 500
) -> FeedPage:
    """Everything this device has not seen, up to `limit` change rows.

    The highest seq is read first and the rows are bounded by it: change rows commit in seq
    order (see community.changes), so nothing below it can still appear later.
    """
    top = top_seq(session)
    if cursor.seq > top or cursor.seq < 0:
        if cursor.seq > top:
            _LOGGER.info(
                "device %s cursor %s is ahead of the server (%d): full resync", scope.device_id, cursor, top
            )
        changes = snapshot(session, scope, now)
        return FeedPage(Cursor(top), False, changes, is_empty(changes))
    rows = session.execute(
        select(Change.seq, Change.entity, Change.entity_id, Change.op)
        .where(
            Change.seq > cursor.seq,
            Change.seq <= top,
            Change.community_id == scope.community_id,
            or_(Change.household_id.is_(None), Change.household_id == scope.household_id),
        )
        .order_by(Change.seq)
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    new_seq = rows[-1][0] if more else top
    latest: Dict[Tuple[Entity, str], ChangeOp] = {}
    for _seq, entity, entity_id, op in rows:
        latest[(entity, entity_id)] = op
    changes = _materialise(session, scope, latest, now)
    return FeedPage(Cursor(new_seq), more, changes, is_empty(changes))


def is_empty(changes: Dict[str, Any]) -> bool:
    return (
        changes["activities"] is None
        and changes["points"] is None
        and changes["routine"] is None
        and not any(
            changes[k]
            for k in (
                "bookings",
                "services",
                "reminders",
                "deleted_reminders",
                "announcements",
                "messages",
                "alerts",
                "help",
                "polls",
                "skills",
            )
        )
    )


def blank() -> Dict[str, Any]:
    return {
        "activities": None,
        "bookings": [],
        "services": [],
        "reminders": [],
        "deleted_reminders": [],
        "announcements": [],
        "messages": [],
        "points": None,
        "routine": None,
        "alerts": [],
        "help": [],
        "polls": [],
        "skills": [],
    }


def _ids(latest: Dict[Tuple[Entity, str], ChangeOp], entity: Entity) -> List[str]:
    return [entity_id for (kind, entity_id) in latest if kind is entity]


def _materialise(
    session: Session, scope: DeviceScope, latest: Dict[Tuple[Entity, str], ChangeOp], now: datetime
) -> Dict[str, Any]:
    changes = blank()
    if _ids(latest, Entity.ACTIVITY):
        changes["activities"] = catalog(session, scope, now)
    if _ids(latest, Entity.POINTS):
        changes["points"] = points(session, scope)
    ids = _ids(latest, Entity.BOOKING)
    if ids:
        changes["bookings"] = _bookings(session, scope, Booking.id.in_(ids))
    ids = _ids(latest, Entity.SERVICE_REQUEST)
    if ids:
        changes["services"] = _services(session, scope, ServiceRequest.id.in_(ids))
    ids = _ids(latest, Entity.REMINDER)
    if ids:
        _reminders(session, scope, Reminder.id.in_(ids), changes)
    # No per-kind cap here: the page is already bounded by `limit` change rows, and the cursor moves
    # past every row of it, so a cap would lose what it cut (bench/faults.py found 45 family
    # messages lost when 95 piled up behind a speaker that kept being killed).
    ids = _ids(latest, Entity.ANNOUNCEMENT)
    if ids:
        changes["announcements"] = _announcements(session, scope, now, Announcement.id.in_(ids), cap=None)
    ids = _ids(latest, Entity.MESSAGE)
    if ids:
        changes["messages"] = _messages(session, scope, Message.id.in_(ids), cap=None)
    if scope.household_id in _ids(latest, Entity.HOUSEHOLD):
        changes["routine"] = routine(session, scope)
    ids = _ids(latest, Entity.ALERT)
    if ids:
        changes["alerts"] = _alerts(session, scope, EmergencyAlert.id.in_(ids), cap=None)
    ids = _ids(latest, Entity.HELP_REQUEST)
    if ids:
        changes["help"] = help_items(session, scope, HelpRequest.id.in_(ids))
    ids = _ids(latest, Entity.POLL)
    if ids:
        changes["polls"] = polls.feed_items(session, _home(scope), ids)
    ids = _ids(latest, Entity.SKILL_OFFER)
    if ids:
        changes["skills"] = skills.feed_items(session, scope.household_id, ids, scope.zone)
    return changes


def _home(scope: DeviceScope) -> polls.Home:
    return polls.Home(scope.community_id, scope.household_id, scope.group_name)


def snapshot(session: Session, scope: DeviceScope, now: datetime) -> Dict[str, Any]:
    """Everything a freshly paired (or reset) device needs, with the household's tombstones:
    deleted reminders (deleted_reminders) and cancelled bookings and service requests (status)."""
    changes = blank()
    changes["activities"] = catalog(session, scope, now)
    changes["points"] = points(session, scope)
    changes["bookings"] = _bookings(session, scope, Booking.id.is_not(None))
    changes["services"] = _services(session, scope, ServiceRequest.id.is_not(None))
    # Tombstones too (issue 14): a re-paired speaker, or one whose cursor is ahead of a restored
    # server, still holds reminders the family deleted meanwhile; without them it would keep
    # firing them. Deleted reminders are kept as rows (deleted_at), so the list is complete.
    _reminders(session, scope, Reminder.id.is_not(None), changes)
    changes["announcements"] = _announcements(session, scope, now, Announcement.id.is_not(None))
    since = now.timestamp() - MESSAGE_DAYS * 86400
    changes["messages"] = _messages(
        session,
        scope,
        Message.read_at.is_(None),
        Message.created_at >= datetime.fromtimestamp(since, timezone.utc),
    )
    changes["routine"] = routine(session, scope)
    recent = datetime.fromtimestamp(now.timestamp() - ALERT_SNAPSHOT_SECONDS, timezone.utc)
    changes["alerts"] = _alerts(
        session, scope, (EmergencyAlert.acknowledged_at >= recent) | (EmergencyAlert.cancelled_at >= recent)
    )
    changes["help"] = help_items(
        session, scope, HelpRequest.status.in_([HelpStatus.OPEN, HelpStatus.ACCEPTED, HelpStatus.DONE])
    )
    changes["polls"] = polls.feed_items(session, _home(scope), None)
    return changes


def catalog(
    session: Session, scope: DeviceScope, now: datetime, teachers: bool = False
) -> List[Dict[str, Any]]:
    """Scheduled activities of the community starting within CATALOG_DAYS; `teacher: true` on those this
    household's elder teaches. teachers: for a catalog shared by every speaker (fanout), each item's
    teacher household as `_teacher` instead, for personal() to turn into the flag per speaker."""
    end = datetime.fromtimestamp(now.timestamp() + CATALOG_DAYS * 86400, timezone.utc)
    rows = session.scalars(
        select(Activity)
        .where(
            Activity.community_id == scope.community_id,
            Activity.status == ActivityStatus.SCHEDULED,
            Activity.starts_at >= now,
            Activity.starts_at < end,
        )
        .order_by(Activity.starts_at, Activity.id)
        .limit(500)
    )
    return [
        {
            "id": a.id,
            "title": a.title,
            "category": CATEGORY_NAMES.get(a.category, "其他"),
            "start": _local(a.starts_at, scope.zone),
            "place": a.place,
            "capacity": a.capacity,
            "taken": a.booked,
            **({"_teacher": a.teacher_household_id} if teachers
               else {"teacher": True} if a.teacher_household_id == scope.household_id else {}),
        }
        for a in rows
    ]


def personal(item: Dict[str, Any], household_id: str) -> Dict[str, Any]:
    """A shared catalog item as one household's speaker gets it (`teacher: true` on its elder's classes)."""
    out = {k: v for k, v in item.items() if k != "_teacher"}
    if item.get("_teacher") == household_id:
        out["teacher"] = True
    return out


def points(session: Session, scope: DeviceScope) -> int:
    """The household's points, and the elder's own volunteer points when the elder volunteers (issue 16:
    '我有多少积分' is answered with what they earned helping others too)."""
    total = session.scalar(
        select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
            PointsEntry.household_id == scope.household_id
        )
    )
    own = session.scalar(
        select(func.coalesce(func.sum(VolunteerPoints.delta), 0))
        .join(User, User.id == VolunteerPoints.user_id)
        .where(User.household_id == scope.household_id)
    )
    return int(total or 0) + int(own or 0)


def who_of(session: Session, user_id: Optional[str], household_id: str) -> Tuple[str, str]:
    """(how the senior knows this web user, 'family' | 'staff'): ('女儿', 'family'),
    ('周社工', 'staff'); ('', '') for no user (the speaker itself)."""
    if user_id is None:
        return "", ""
    row = session.execute(
        select(User.display_name, User.role, FamilyLink.relation)
        .outerjoin(FamilyLink, (FamilyLink.user_id == User.id) & (FamilyLink.household_id == household_id))
        .where(User.id == user_id)
    ).first()
    if row is None:
        return "", ""
    display, role, relation = row
    if role is Role.STAFF:
        return display or "工作人员", "staff"
    return relation or display or "家人", "family"


def _bookings(session: Session, scope: DeviceScope, condition: Any) -> List[Dict[str, Any]]:
    """Bookings with their activity (so a booking the family made on the web can be added to the
    speaker's own schedule) and who last booked or cancelled it on the web ('' for the speaker)."""
    rows = session.execute(
        select(Booking, Activity)
        .join(Activity, Activity.id == Booking.activity_id)
        .where(Booking.household_id == scope.household_id, condition)
    ).all()
    result = []
    for booking, activity in rows:
        by, role = who_of(session, booking.changed_by, scope.household_id)
        item: Dict[str, Any] = {
            "id": booking.id,
            "status": "cancelled",
            "reason": "",
            "activity_id": activity.id,
            "by": by,
            "by_role": role,
            "activity": {
                "id": activity.id,
                "title": activity.title,
                "category": CATEGORY_NAMES.get(activity.category, "其他"),
                "start": _local(activity.starts_at, scope.zone),
                "place": activity.place,
                "capacity": activity.capacity,
                "taken": activity.booked,
            },
        }
        if activity.status is ActivityStatus.CANCELLED:
            item.update(reason="activity_cancelled", by="", by_role="")
        elif booking.status is BookingStatus.CONFIRMED:
            item["status"] = "confirmed"
        result.append(item)
    return result


def routine(session: Session, scope: DeviceScope) -> Dict[str, str]:
    """The routine the family set ({} while the defaults apply: the speaker has the same file)."""
    times, row = routine_of(session, scope.household_id)
    return times if row is not None else {}


def _alerts(
    session: Session, scope: DeviceScope, condition: Any, cap: Optional[int] = 20
) -> List[Dict[str, Any]]:
    """This household's alerts that someone took in hand (我来处理) or the senior took back (the
    newest `cap` of them; None: all)."""
    query = (
        select(EmergencyAlert)
        .where(
            EmergencyAlert.household_id == scope.household_id,
            (EmergencyAlert.acknowledged_at.is_not(None)) | (EmergencyAlert.cancelled_at.is_not(None)),
            condition,
        )
        .order_by(EmergencyAlert.raised_at.desc())
    )
    rows = list(session.scalars(query.limit(cap) if cap is not None else query))[::-1]
    result = []
    for alert in rows:
        by, role = who_of(session, alert.acknowledged_by, scope.household_id)
        result.append(
            {
                "id": alert.id,
                "status": "handled" if alert.acknowledged_at is not None else "cancelled",
                "by": by,
                "by_role": role,
                "at": _local(alert.acknowledged_at or alert.cancelled_at, scope.zone),  # type: ignore[arg-type]
            }
        )
    return result


def help_items(session: Session, scope: DeviceScope, condition: Any) -> List[Dict[str, Any]]:
    """This household's help requests (志愿帮扶) as the speaker reads them: `kind` is "help.<status>"
    ("help.accepted": a volunteer took it; `volunteer` is their display name and `visit_at` when they
    will come, local), oldest first."""
    rows = session.execute(
        select(HelpRequest, User.display_name)
        .outerjoin(User, User.id == HelpRequest.volunteer_id)
        .where(HelpRequest.household_id == scope.household_id, condition)
        .order_by(HelpRequest.received_at, HelpRequest.id)
    ).all()
    return [
        {
            "id": item.id,
            "kind": f"help.{item.status.value}",
            "status": item.status.value,
            "what": item.what,
            "volunteer": name or "",
            "visit_at": _local(item.visit_at, scope.zone) if item.visit_at else None,
            "at": _local(item.updated_at, scope.zone),
        }
        for item, name in rows
    ]


def _services(session: Session, scope: DeviceScope, condition: Any) -> List[Dict[str, str]]:
    rows = session.execute(
        select(ServiceRequest.id, ServiceRequest.status).where(
            ServiceRequest.household_id == scope.household_id, condition
        )
    ).all()
    return [
        {"id": rid, "status": _SERVICE_STATUS[status], "reason": ""}
        for rid, status in rows
        if status in _SERVICE_STATUS
    ]


def repeat_rule(reminder: Reminder) -> Optional[str]:
    """The device's repeat text: None (once), daily, weekdays or weekly:1,3,5."""
    if reminder.repeat is Repeat.ONCE:
        return None
    if reminder.repeat is Repeat.WEEKLY:
        return f"weekly:{reminder.weekdays}"
    return reminder.repeat.value


def _reminders(session: Session, scope: DeviceScope, condition: Any, changes: Dict[str, Any]) -> None:
    rows = session.scalars(select(Reminder).where(Reminder.household_id == scope.household_id, condition))
    for r in rows:
        if r.deleted_at is not None:
            changes["deleted_reminders"].append(r.id)
            continue
        changes["reminders"].append(
            {
                "id": r.id,
                "content": r.content,
                "time": r.time_of_day,
                "date": r.start_date.isoformat(),
                "repeat": repeat_rule(r),
                "active": r.status is ReminderStatus.ACTIVE,
                "origin": r.origin.value,
                "since": _local(effective_since(r), scope.zone),
            }
        )


def _targeted(scope: DeviceScope) -> Any:
    return or_(
        Announcement.target == AnnouncementTarget.ALL,
        Announcement.group_name == scope.group_name,
    )


def _announcements(
    session: Session, scope: DeviceScope, now: datetime, condition: Any, cap: Optional[int] = 50
) -> List[Dict[str, Any]]:
    """Current announcements, oldest first (the newest `cap` of them; None: all)."""
    query = (
        select(Announcement)
        .where(
            Announcement.community_id == scope.community_id,
            Announcement.deleted_at.is_(None),
            Announcement.publish_at <= now,
            Announcement.expires_at > now,
            _targeted(scope),
            condition,
        )
        .order_by(Announcement.publish_at.desc())
    )
    rows = list(session.scalars(query.limit(cap) if cap is not None else query))[::-1]
    return [_announcement(a, scope) for a in rows]


def _announcement(a: Announcement, scope: DeviceScope) -> Dict[str, Any]:
    return {
        "id": a.id,
        "text": f"{a.title}。{a.body}",
        "urgent": bool(a.urgent),
        "created_at": _local(a.publish_at, scope.zone),
    }


def _messages(
    session: Session, scope: DeviceScope, *conditions: Any, cap: Optional[int] = 50
) -> List[Dict[str, Any]]:
    """Family messages to the elder, oldest first (the newest `cap` of them; None: all): a snapshot
    gives the latest 50 unread, never the oldest 50 with the newest cut off."""
    query = (
        select(Message, User.display_name, FamilyLink.relation)
        .outerjoin(User, User.id == Message.author_user_id)
        .outerjoin(
            FamilyLink,
            (FamilyLink.user_id == Message.author_user_id)
            & (FamilyLink.household_id == Message.household_id),
        )
        .where(
            Message.household_id == scope.household_id,
            Message.direction == MessageDirection.TO_ELDER,
            *conditions,
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
    )
    rows = session.execute(query.limit(cap) if cap is not None else query).all()[::-1]
    return [
        {
            "id": m.id,
            "sender": relation or display or "家人",
            "text": m.body,
            "created_at": _local(m.created_at, scope.zone),
        }
        for m, display, relation in rows
    ]


def changed_kinds(changes: Dict[str, Any]) -> Set[str]:
    """Names of the non-empty parts (for logs and SyncFinished.changed)."""
    return {k for k, v in changes.items() if v not in (None, [], {})}
