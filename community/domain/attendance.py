"""Attendance check-in per activity (已到 / 未到 for each signed-up household) and points for it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..actors import Actor, community_zone
from ..changes import record_change
from ..clock import to_local
from ..errors import Conflict, InvalidInput, NotFound
from ..models import (
    Activity,
    ActivityStatus,
    Attendance,
    AttendanceStatus,
    Booking,
    BookingStatus,
    Entity,
    Household,
    PointsEntry,
)
from .activities import get_activity

_LOGGER = logging.getLogger(__name__)
OPENS_BEFORE = timedelta(hours=2)
"""Check-in opens this long before an activity starts (people arrive early)."""
MAX_AWARD = 100


@dataclass(frozen=True)
class RosterRow:
    """One signed-up household of an activity as the check-in list shows it."""

    booking: Booking
    household: Household
    status: Optional[AttendanceStatus]
    """None: not checked in yet."""
    points: Optional[int]
    """Points already given for this activity (None: none)."""


def roster(session: Session, actor: Actor, activity_id: str) -> List[RosterRow]:
    """Confirmed sign-ups with their check-in and points, in sign-up order (staff only)."""
    _ = actor.staff_community
    activity = get_activity(session, actor, activity_id)
    rows = session.execute(
        select(Booking, Household, Attendance.status, PointsEntry.points)
        .join(Household, Household.id == Booking.household_id)
        .outerjoin(
            Attendance,
            (Attendance.activity_id == Booking.activity_id)
            & (Attendance.household_id == Booking.household_id),
        )
        .outerjoin(
            PointsEntry,
            (PointsEntry.activity_id == Booking.activity_id)
            & (PointsEntry.household_id == Booking.household_id),
        )
        .where(
            Booking.activity_id == activity.id,
            Booking.status == BookingStatus.CONFIRMED,
            Household.deleted_at.is_(None),
        )
        .order_by(Booking.created_at, Booking.id)
    ).all()
    return [RosterRow(b, h, s, p) for b, h, s, p in rows]


def check_in_open(activity: Activity, now: datetime) -> bool:
    return activity.status is ActivityStatus.SCHEDULED and now >= activity.starts_at - OPENS_BEFORE


def mark(
    session: Session,
    actor: Actor,
    activity_id: str,
    household_id: str,
    status: AttendanceStatus,
    now: datetime,
) -> Attendance:
    """已到 / 未到 for one signed-up household (tapping again changes it)."""
    _ = actor.staff_community
    activity = get_activity(session, actor, activity_id)
    if activity.status is ActivityStatus.CANCELLED:
        raise Conflict("活动已取消，不能签到")
    if not check_in_open(activity, now):
        zone = community_zone(session, activity.community_id)
        opens = to_local(activity.starts_at - OPENS_BEFORE, zone).strftime("%m月%d日 %H:%M")
        raise Conflict(f"签到还没开始：{opens} 起可以签到")
    booked = session.scalar(
        select(Booking.id).where(
            Booking.activity_id == activity.id,
            Booking.household_id == household_id,
            Booking.status == BookingStatus.CONFIRMED,
        )
    )
    if booked is None:
        raise NotFound("这位老人没有报名这个活动")
    row = session.get(Attendance, (activity.id, household_id))
    if row is None:
        row = Attendance(activity_id=activity.id, household_id=household_id)
        session.add(row)
    row.status, row.marked_at, row.marked_by = status, now, actor.id
    session.flush()
    return row


@dataclass
class Award:
    """What one 'give points to everyone present' did."""

    given: List[Household] = field(default_factory=list)
    already: List[Household] = field(default_factory=list)
    """Present, but given points for this activity before (never twice)."""


def award_present(
    session: Session, actor: Actor, activity_id: str, points: int, reason: str, now: datetime
) -> Award:
    """Give `points` to every household checked in as 已到, at most once per activity and household.

    The unique (activity_id, household_id) index on points_ledger backs the check: a second click
    or a second staff member at the same moment gives nothing more.
    """
    community_id = actor.staff_community
    activity = get_activity(session, actor, activity_id)
    if not 1 <= points <= MAX_AWARD:
        raise InvalidInput(f"每人积分：请填 1 到 {MAX_AWARD} 之间的数字")
    reason = (reason or "").strip() or default_reason(session, activity)
    if len(reason) > 100:
        raise InvalidInput(f"事由：最多 100 个字，现在是 {len(reason)} 个")
    present = [r for r in roster(session, actor, activity.id) if r.status is AttendanceStatus.PRESENT]
    if not present:
        raise InvalidInput("还没有签到为“已到”的老人，请先签到")
    result = Award()
    made: List[PointsEntry] = []
    for row in present:
        if row.points is not None:
            result.already.append(row.household)
            continue
        entry = PointsEntry(
            community_id=community_id,
            household_id=row.household.id,
            points=points,
            reason=reason,
            recorded_by=actor.id,
            created_at=now,
            activity_id=activity.id,
        )
        try:
            with session.begin_nested():
                session.add(entry)
        except IntegrityError:  # given meanwhile by another click: never twice
            result.already.append(row.household)
            continue
        made.append(entry)
        result.given.append(row.household)
    for entry in made:  # change rows last (community.changes.record_change)
        record_change(session, community_id, entry.household_id, Entity.POINTS, entry.id, now)
    return result


def default_reason(session: Session, activity: Activity) -> str:
    zone = community_zone(session, activity.community_id)
    return f"参加活动：{activity.title}（{to_local(activity.starts_at, zone).strftime('%m月%d日')}）"[:100]


def counts(session: Session, activity_id: str) -> Dict[str, int]:
    """'present' / 'absent' counts of one activity."""
    rows = session.execute(select(Attendance.status).where(Attendance.activity_id == activity_id)).all()
    result = {"present": 0, "absent": 0}
    for (status,) in rows:
        result[status.value] += 1
    return result
