"""Households API."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import List

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from ..actors import Actor, get_household
from ..domain import accounts, households, routines
from ..domain.households import HouseholdInput
from . import deps
from .routing import ReleasingRoute
from .schemas import FamilyIn, FamilyOut, HouseholdIn, HouseholdOut, RoutineIn, RoutineOut

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/households", tags=["households"], route_class=ReleasingRoute)


@router.get("", response_model=List[HouseholdOut])
def list_households(who: Actor = Depends(deps.actor), session: Session = Depends(deps.db_session)) -> list:
    return households.list_households(session, who)


@router.post("", response_model=HouseholdOut, status_code=201)
def create_household(
    body: HouseholdIn,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> object:
    item = households.create_household(session, who, HouseholdInput(**body.model_dump()), at)
    session.commit()
    return item


@router.get("/{household_id}", response_model=HouseholdOut)
def get_one(
    household_id: str, who: Actor = Depends(deps.actor), session: Session = Depends(deps.db_session)
) -> object:
    return get_household(session, who, household_id)


@router.put("/{household_id}", response_model=HouseholdOut)
def update_household(
    household_id: str,
    body: HouseholdIn,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> object:
    item = households.update_household(session, who, household_id, HouseholdInput(**body.model_dump()), at)
    session.commit()
    return item


@router.post("/{household_id}/family", response_model=FamilyOut, status_code=201)
def add_family(
    household_id: str,
    body: FamilyIn,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
) -> object:
    """Staff create a family login linked to this household."""
    user = accounts.invite_family(
        session, who, household_id, body.username, body.display_name, body.password, body.relation
    )
    session.commit()
    return user


def _routine_out(household_id: str, times: dict, row: object) -> RoutineOut:
    return RoutineOut(
        household_id=household_id,
        **times,
        default=row is None,
        updated_at=getattr(row, "updated_at", None),
    )


@router.get("/{household_id}/routine", response_model=RoutineOut)
def get_routine(
    household_id: str, who: Actor = Depends(deps.actor), session: Session = Depends(deps.db_session)
) -> object:
    """The household's routine (the defaults while the family has set none)."""
    times, row = routines.get_routine(session, who, household_id)
    return _routine_out(get_household(session, who, household_id).id, times, row)


@router.put("/{household_id}/routine", response_model=RoutineOut)
def set_routine(
    household_id: str,
    body: RoutineIn,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> object:
    """Family (or staff) set the routine; the speaker gets it with its next sync."""
    times = routines.set_routine(session, who, household_id, body.model_dump(), at)
    _, row = routines.routine_of(session, get_household(session, who, household_id).id)
    out = _routine_out(household_id, times, row)
    session.commit()
    return out
