"""Community activities: create, edit, cancel, list, sign-up list."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..actors import Actor
from ..changes import record_change
from ..db import rows_changed
from ..errors import Conflict, InvalidInput, NotFound
from ..models import (
    Activity,
    ActivityCategory,
    ActivityStatus,
    Booking,
    BookingStatus,
    Entity,
    Household,
    SeriesSkip,
)
from . import checks

_LOGGER = logging.getLogger(__name__)
MAX_CAPACITY = 10_000


@dataclass(frozen=True)
class ActivityInput:
    title: str
    category: ActivityCategory
    place: str
    starts_at: datetime
    """Aware; naive values are rejected (the API and forms attach the community zone)."""
    ends_at: datetime
    capacity: int
    description: str = ""

    def checked(self, now: datetime) -> "ActivityInput":
        starts = checks.moment("starts_at", self.starts_at, now)
        ends = checks.moment("ends_at", self.ends_at, now)
        if not starts < ends <= starts + timedelta(days=7):
            raise InvalidInput(
                "结束时间：要晚于开始时间，而且不超过开始后 7 天",
                "ends_at: expected after starts_at and at most 7 days later",
            )
        return ActivityInput(
            title=checks.text("title", self.title, 1, 60),
            category=checks.choice("category", ActivityCategory, self.category),
            place=checks.text("place", self.place, 1, 60),
            starts_at=starts,
            ends_at=ends,
            capacity=checks.number("capacity", self.capacity, 1, MAX_CAPACITY),
            description=checks.text("description", self.description, 0, 2000),
        )


def get_activity(session: Session, actor: Actor, activity_id: str, lock: bool = False) -> Activity:
    """The activity if in one of the actor's communities, else NotFound."""
    query = select(Activity).where(Activity.id == activity_id, Activity.community_id.in_(actor.community_ids))
    activity = session.scalar(query.with_for_update() if lock else query)
    if activity is None:
        raise NotFound("找不到这个活动，可能已经删除了", f"activity {activity_id!r} not found")
    return activity


def list_activities(
    session: Session,
    actor: Actor,
    start: Optional[datetime] = None,
    end: Optional[datetime] = None,
    include_cancelled: bool = True,
) -> List[Activity]:
    query = select(Activity).where(Activity.community_id.in_(actor.community_ids))
    if start is not None:
        query = query.where(Activity.ends_at >= start)
    if end is not None:
        query = query.where(Activity.starts_at < end)
    if not include_cancelled:
        query = query.where(Activity.status == ActivityStatus.SCHEDULED)
    return list(session.scalars(query.order_by(Activity.starts_at, Activity.id).limit(500)))


def create_activity(
    session: Session, actor: Actor, data: ActivityInput, now: datetime, activity_id: Optional[str] = None
) -> Activity:
    community_id = actor.staff_community
    data = data.checked(now)
    activity = Activity(
        id=checks.object_id("id", activity_id) or None,
        community_id=community_id,
        title=data.title,
        category=data.category,
        description=data.description,
        place=data.place,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        capacity=data.capacity,
        booked=0,
        status=ActivityStatus.SCHEDULED,
        created_at=now,
        updated_at=now,
    )
    if activity_id and session.get(Activity, activity.id) is not None:
        raise Conflict("这个活动已经存在了", f"activity {activity.id!r} exists")
    session.add(activity)
    session.flush()
    record_change(session, community_id, None, Entity.ACTIVITY, activity.id, now)
    return activity


def update_activity(
    session: Session, actor: Actor, activity_id: str, data: ActivityInput, now: datetime
) -> Activity:
    """Edit an activity; capacity may not drop below the places already booked."""
    _ = actor.staff_community
    data = data.checked(now)
    activity = get_activity(session, actor, activity_id)
    if not apply_update(session, activity, data, now):
        raise Conflict(
            f"名额：已经有 {activity.booked} 人报名，名额不能少于 {activity.booked}",
            f"capacity {data.capacity} is below the {activity.booked} places already booked",
        )
    return activity


def apply_update(session: Session, activity: Activity, data: ActivityInput, now: datetime) -> bool:
    """Write checked data over an activity in one conditional update (capacity never below the places
    booked, whatever a racing booking did); False, and nothing written, when it would be."""
    changed = rows_changed(
        session,
        update(Activity)
        .where(Activity.id == activity.id, Activity.booked <= data.capacity)
        .values(
            title=data.title,
            category=data.category,
            description=data.description,
            place=data.place,
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            capacity=data.capacity,
            updated_at=now,
        )
        .execution_options(synchronize_session=False),
    )
    if changed != 1:
        return False
    session.refresh(activity)
    record_change(session, activity.community_id, None, Entity.ACTIVITY, activity.id, now)
    return True


def cancel_activity(
    session: Session, actor: Actor, activity_id: str, now: datetime, note_exception: bool = True
) -> Activity:
    """Cancel; bookings stay so that staff can tell the households.

    note_exception: a session of a weekly series becomes one of its skipped days, so editing the
        series later leaves it cancelled (community.domain.series)
    """
    _ = actor.staff_community
    activity = get_activity(session, actor, activity_id)
    if activity.status is ActivityStatus.CANCELLED:
        raise Conflict("这个活动已经取消了", "activity is already cancelled")
    activity.status, activity.updated_at = ActivityStatus.CANCELLED, now
    if note_exception and activity.series_id is not None and activity.series_day is not None:
        if session.get(SeriesSkip, (activity.series_id, activity.series_day)) is None:
            session.add(SeriesSkip(series_id=activity.series_id, day=activity.series_day, created_at=now))
            session.flush()
    record_change(session, activity.community_id, None, Entity.ACTIVITY, activity.id, now)
    return activity


def signups(session: Session, actor: Actor, activity_id: str) -> List[tuple[Booking, Household]]:
    """Confirmed bookings of an activity with their households (staff only)."""
    _ = actor.staff_community
    activity = get_activity(session, actor, activity_id)
    rows = session.execute(
        select(Booking, Household)
        .join(Household, Household.id == Booking.household_id)
        .where(Booking.activity_id == activity.id, Booking.status == BookingStatus.CONFIRMED)
        .order_by(Booking.created_at)
    ).all()
    return [(r[0], r[1]) for r in rows]
