"""Announcements, messages, emergency alerts, points and service requests API."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import List

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from ..actors import Actor
from ..clock import to_utc
from ..domain import announcements, checks, messages, points, service_requests
from ..domain.announcements import AnnouncementInput
from . import deps
from .routing import ReleasingRoute
from .schemas import (
    AlertOut,
    AnnouncementIn,
    AnnouncementOut,
    MessageIn,
    MessageOut,
    PointsIn,
    PointsOut,
    ServiceRequestIn,
    ServiceRequestOut,
    ServiceStatusIn,
)

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["notices"], route_class=ReleasingRoute)


@router.get("/announcements", response_model=List[AnnouncementOut])
def list_announcements(
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> list:
    return announcements.list_announcements(session, who, at)


@router.post("/announcements", response_model=AnnouncementOut, status_code=201)
def create_announcement(
    body: AnnouncementIn,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> object:
    zone = deps.zone_of(session, who)
    publish = to_utc(body.publish_at, zone) if body.publish_at else at
    checks.moment("publish_at", publish, at)
    expires = to_utc(body.expires_at, zone) if body.expires_at else publish + timedelta(days=7)
    data = AnnouncementInput(
        body.title, body.body, body.target, publish, expires, body.urgent, body.group_name
    )
    item = announcements.create_announcement(session, who, data, at)
    session.commit()
    return item


@router.delete("/announcements/{announcement_id}", status_code=204)
def delete_announcement(
    announcement_id: str,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> None:
    announcements.delete_announcement(session, who, announcement_id, at)
    session.commit()


@router.get("/households/{household_id}/messages", response_model=List[MessageOut])
def list_messages(
    household_id: str, who: Actor = Depends(deps.actor), session: Session = Depends(deps.db_session)
) -> list:
    return messages.list_messages(session, who, household_id)


@router.post("/households/{household_id}/messages", response_model=MessageOut, status_code=201)
def send_message(
    household_id: str,
    body: MessageIn,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> object:
    item = messages.send_message(session, who, household_id, body.body, at)
    session.commit()
    return item


@router.get("/alerts", response_model=List[AlertOut])
def list_alerts(who: Actor = Depends(deps.actor), session: Session = Depends(deps.db_session)) -> list:
    return [alert for alert, _ in messages.list_alerts(session, who)]


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertOut)
def acknowledge_alert(
    alert_id: str,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> object:
    item = messages.acknowledge_alert(session, who, alert_id, at)
    session.commit()
    return item


@router.get("/points", response_model=List[PointsOut])
def list_points(who: Actor = Depends(deps.actor), session: Session = Depends(deps.db_session)) -> list:
    return points.ledger(session, who)


@router.post("/points", response_model=PointsOut, status_code=201)
def add_points(
    body: PointsIn,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> object:
    item = points.add_points(session, who, body.household_id, body.points, body.reason, at)
    session.commit()
    return item


@router.get("/service-requests", response_model=List[ServiceRequestOut])
def list_requests(who: Actor = Depends(deps.actor), session: Session = Depends(deps.db_session)) -> list:
    return service_requests.list_requests(session, who)


@router.post("/service-requests", response_model=ServiceRequestOut, status_code=201)
def create_request(
    body: ServiceRequestIn,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> object:
    wanted = to_utc(body.wanted_at, deps.zone_of(session, who)) if body.wanted_at else None
    item = service_requests.create_request(
        session, who, body.household_id, body.kind, body.details, wanted, at
    )
    session.commit()
    return item


@router.post("/service-requests/{request_id}/status", response_model=ServiceRequestOut)
def set_request_status(
    request_id: str,
    body: ServiceStatusIn,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> object:
    item = service_requests.set_request_status(session, who, request_id, body.status, at)
    session.commit()
    return item
