"""Activities and bookings API."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import List, Optional

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from ..actors import Actor, origin_of
from ..clock import to_utc
from ..domain import activities, bookings
from ..domain.activities import ActivityInput
from . import deps
from .routing import ReleasingRoute
from .schemas import ActivityIn, ActivityOut, BookingIn, BookingOut, SignupOut

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["activities"], route_class=ReleasingRoute)


def _input(body: ActivityIn, session: Session, who: Actor) -> ActivityInput:
    zone = deps.zone_of(session, who)
    data = body.model_dump()
    data["starts_at"], data["ends_at"] = to_utc(body.starts_at, zone), to_utc(body.ends_at, zone)
    return ActivityInput(**data)


@router.get("/activities", response_model=List[ActivityOut])
def list_activities(
    start: Optional[datetime] = Query(None, alias="from"),
    end: Optional[datetime] = Query(None, alias="to"),
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
) -> list:
    """Activities of the caller's communities overlapping [from, to)."""
    zone = deps.zone_of(session, who)
    return activities.list_activities(
        session, who, to_utc(start, zone) if start else None, to_utc(end, zone) if end else None
    )


@router.post("/activities", response_model=ActivityOut, status_code=201)
def create_activity(
    body: ActivityIn,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> object:
    item = activities.create_activity(session, who, _input(body, session, who), at)
    session.commit()
    return item


@router.get("/activities/{activity_id}", response_model=ActivityOut)
def get_activity(
    activity_id: str, who: Actor = Depends(deps.actor), session: Session = Depends(deps.db_session)
) -> object:
    return activities.get_activity(session, who, activity_id)


@router.put("/activities/{activity_id}", response_model=ActivityOut)
def update_activity(
    activity_id: str,
    body: ActivityIn,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> object:
    item = activities.update_activity(session, who, activity_id, _input(body, session, who), at)
    session.commit()
    return item


@router.post("/activities/{activity_id}/cancel", response_model=ActivityOut)
def cancel_activity(
    activity_id: str,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> object:
    item = activities.cancel_activity(session, who, activity_id, at)
    session.commit()
    return item


@router.get("/activities/{activity_id}/signups", response_model=List[SignupOut])
def signups(
    activity_id: str, who: Actor = Depends(deps.actor), session: Session = Depends(deps.db_session)
) -> list:
    return [
        SignupOut(
            booking_id=b.id,
            household_id=h.id,
            elder_name=h.elder_name,
            group_name=h.group_name,
            booked_at=b.created_at,
        )
        for b, h in activities.signups(session, who, activity_id)
    ]


@router.post("/bookings", response_model=BookingOut, status_code=201)
def create_booking(
    body: BookingIn,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> object:
    """Book one place; 409 `full` when no place is left (never oversold)."""
    item = bookings.book(session, who, body.activity_id, body.household_id, origin_of(who), at, body.id)
    session.commit()
    return item


@router.get("/bookings", response_model=List[BookingOut])
def list_bookings(
    household_id: Optional[str] = Query(None, max_length=36),
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
) -> list:
    return bookings.list_bookings(session, who, household_id)


@router.post("/bookings/{booking_id}/cancel", response_model=BookingOut)
def cancel_booking(
    booking_id: str,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> object:
    item = bookings.cancel_booking(session, who, booking_id, at)
    session.commit()
    return item
