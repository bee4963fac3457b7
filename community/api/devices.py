"""Device pairing and management API (the sync endpoint itself is issue 7)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import List

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from ..actors import Actor, get_household
from ..config import Settings
from ..domain import devices
from ..security import Throttle
from . import deps
from .routing import ReleasingRoute
from .schemas import DeviceOut, HouseholdOut, PairIn, PairingCodeIn, PairingCodeOut, PairOut

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["devices"], route_class=ReleasingRoute)


@router.post("/pairing-codes", response_model=PairingCodeOut, status_code=201)
def create_code(
    body: PairingCodeIn,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    settings: Settings = Depends(deps.settings),
) -> object:
    """Staff make a 6-digit code for a household, valid 10 minutes, usable once."""
    issued = devices.create_pairing_code(session, who, body.household_id, at, settings.pairing_minutes)
    session.commit()
    return PairingCodeOut(code=issued.code, household_id=issued.household_id, expires_at=issued.expires_at)


@router.post("/devices/pair", response_model=PairOut, status_code=201)
def pair(
    body: PairIn,
    request: Request,
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    throttle: Throttle = Depends(deps.throttle),
) -> PairOut:
    """Exchange a pairing code for a bearer token (shown once; only its hash is kept)."""
    try:
        result = devices.pair(session, throttle, body.code, body.name, deps.client_address(request), at)
    except Exception:
        session.commit()  # keep the failure count
        raise
    session.commit()
    return PairOut(
        device_id=result.device.id,
        household_id=result.device.household_id,
        community_id=result.device.community_id,
        token=result.token,
    )


@router.get("/devices", response_model=List[DeviceOut])
def list_devices(who: Actor = Depends(deps.actor), session: Session = Depends(deps.db_session)) -> list:
    return devices.list_devices(session, who)


@router.post("/devices/{device_id}/revoke", response_model=DeviceOut)
def revoke(
    device_id: str,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> object:
    item = devices.revoke_device(session, who, device_id, at)
    session.commit()
    return item


@router.get("/device/household", response_model=HouseholdOut)
def device_household(
    who: Actor = Depends(deps.device), session: Session = Depends(deps.db_session)
) -> object:
    """The speaker's own household (how to address the elder, dialect)."""
    return get_household(session, who, next(iter(who.household_ids)))
