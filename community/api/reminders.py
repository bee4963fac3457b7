"""Reminders API (family sets them for their elder; the speaker speaks them)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import List

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from ..actors import Actor
from ..domain import reminders
from ..domain.reminders import ReminderInput
from ..models import ReminderStatus
from . import deps
from .routing import ReleasingRoute
from .schemas import OccurrenceOut, ReminderIn, ReminderOut

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["reminders"], route_class=ReleasingRoute)


def _input(body: ReminderIn) -> ReminderInput:
    return ReminderInput(body.content, body.time_of_day, body.repeat, tuple(body.weekdays), body.start_date)


@router.get("/households/{household_id}/reminders", response_model=List[ReminderOut])
def list_reminders(
    household_id: str, who: Actor = Depends(deps.actor), session: Session = Depends(deps.db_session)
) -> list:
    return reminders.list_reminders(session, who, household_id)


@router.post("/households/{household_id}/reminders", response_model=ReminderOut, status_code=201)
def create_reminder(
    household_id: str,
    body: ReminderIn,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> object:
    item = reminders.create_reminder(session, who, household_id, _input(body), at, body.id)
    session.commit()
    return item


@router.get("/households/{household_id}/occurrences", response_model=List[OccurrenceOut])
def list_occurrences(
    household_id: str,
    days: int = Query(7, ge=0, le=60),
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> list:
    """Each occurrence of the last `days` days and tomorrow: acknowledged / unacknowledged / upcoming."""
    return [
        OccurrenceOut.model_validate(o) for o in reminders.occurrences(session, who, household_id, at, days)
    ]


@router.put("/reminders/{reminder_id}", response_model=ReminderOut)
def update_reminder(
    reminder_id: str,
    body: ReminderIn,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> object:
    item = reminders.update_reminder(session, who, reminder_id, _input(body), at)
    session.commit()
    return item


@router.post("/reminders/{reminder_id}/pause", response_model=ReminderOut)
def pause_reminder(
    reminder_id: str,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> object:
    item = reminders.set_reminder_status(session, who, reminder_id, ReminderStatus.PAUSED, at)
    session.commit()
    return item


@router.post("/reminders/{reminder_id}/resume", response_model=ReminderOut)
def resume_reminder(
    reminder_id: str,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> object:
    item = reminders.set_reminder_status(session, who, reminder_id, ReminderStatus.ACTIVE, at)
    session.commit()
    return item


@router.delete("/reminders/{reminder_id}", status_code=204)
def delete_reminder(
    reminder_id: str,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> None:
    reminders.delete_reminder(session, who, reminder_id, at)
    session.commit()
