"""Bookings with capacity enforced atomically in the database."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import List, Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..actors import Actor, ActorKind, default_household, get_household, households_query
from ..changes import record_change
from ..db import rows_changed
from ..errors import Conflict, Full, NotFound
from ..models import Activity, ActivityStatus, Booking, BookingStatus, Entity, Household, Origin
from .activities import get_activity
from .checks import object_id

_LOGGER = logging.getLogger(__name__)


def book(
    session: Session,
    actor: Actor,
    activity_id: str,
    household_id: Optional[str],
    origin: Origin,
    now: datetime,
    booking_id: Optional[str] = None,
) -> Booking:
    """Book one place for a household.

    The place is taken by `UPDATE activities SET booked = booked + 1 WHERE booked < capacity`:
    the database serialises concurrent updates of the row (PostgreSQL re-checks the WHERE
    clause after the row lock; SQLite has one writer), so the count can never pass capacity
    however many requests race for the last place. A unique (activity, household) key stops
    one household booking twice in parallel.
    """
    household = get_household(session, actor, default_household(actor, household_id))
    activity = get_activity(session, actor, activity_id)
    if activity.community_id != household.community_id:
        raise NotFound("找不到这个活动，可能已经删除了", f"activity {activity_id!r} not found")
    if activity.status is ActivityStatus.CANCELLED:
        raise Conflict("活动已取消")
    if activity.starts_at <= now:
        raise Conflict("活动已经开始，不能报名")
    existing = session.scalar(
        select(Booking).where(Booking.activity_id == activity.id, Booking.household_id == household.id)
    )
    if existing is not None and existing.status is BookingStatus.CONFIRMED:
        raise Conflict("已经报名了")
    taken = rows_changed(
        session,
        update(Activity)
        .where(
            Activity.id == activity.id,
            Activity.booked < Activity.capacity,
            Activity.status == ActivityStatus.SCHEDULED,
        )
        .values(booked=Activity.booked + 1, updated_at=now)
        .execution_options(synchronize_session=False),
    )
    if taken != 1:
        raise Full("名额已满")
    changed_by = _web_user(actor)
    if existing is not None:
        existing.status, existing.origin, existing.updated_at = BookingStatus.CONFIRMED, origin, now
        existing.changed_by = changed_by
        booking = existing
    else:
        booking = Booking(
            id=object_id("booking_id", booking_id) or None,
            activity_id=activity.id,
            household_id=household.id,
            status=BookingStatus.CONFIRMED,
            origin=origin,
            changed_by=changed_by,
            created_at=now,
            updated_at=now,
        )
        session.add(booking)
    session.flush()
    record_change(session, household.community_id, household.id, Entity.BOOKING, booking.id, now)
    record_change(session, household.community_id, None, Entity.ACTIVITY, activity.id, now)
    return booking


def _web_user(actor: Actor) -> Optional[str]:
    """The user behind a web change (the speaker names them: '女儿帮您报名了…'); None for a speaker."""
    return None if actor.kind is ActorKind.DEVICE else actor.id


def get_booking(session: Session, actor: Actor, booking_id: str) -> Booking:
    visible = households_query(actor).with_only_columns(Household.id)
    booking = session.scalar(
        select(Booking).where(Booking.id == booking_id, Booking.household_id.in_(visible))
    )
    if booking is None:
        raise NotFound("找不到这次报名", f"booking {booking_id!r} not found")
    return booking


def cancel_booking(session: Session, actor: Actor, booking_id: str, now: datetime) -> Booking:
    """Give the place back; cancelling twice is a Conflict, never a double refund."""
    booking = get_booking(session, actor, booking_id)
    done = rows_changed(
        session,
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == BookingStatus.CONFIRMED)
        .values(status=BookingStatus.CANCELLED, updated_at=now, changed_by=_web_user(actor))
        .execution_options(synchronize_session=False),
    )
    if done != 1:
        raise Conflict("报名已经取消了")
    session.execute(
        update(Activity)
        .where(Activity.id == booking.activity_id, Activity.booked > 0)
        .values(booked=Activity.booked - 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(booking)
    community_id = booking.household.community_id
    record_change(session, community_id, booking.household_id, Entity.BOOKING, booking.id, now)
    record_change(session, community_id, None, Entity.ACTIVITY, booking.activity_id, now)
    return booking


def list_bookings(session: Session, actor: Actor, household_id: Optional[str] = None) -> List[Booking]:
    """Bookings of the visible households (or one of them), newest activity first."""
    query = select(Booking).join(Activity, Activity.id == Booking.activity_id)
    if household_id is not None:
        query = query.where(Booking.household_id == get_household(session, actor, household_id).id)
    else:
        ids = [h.id for h in session.scalars(households_query(actor))]
        query = query.where(Booking.household_id.in_(ids))
    return list(session.scalars(query.order_by(Activity.starts_at.desc()).limit(500)))
