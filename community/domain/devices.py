"""Speakers: 6-digit pairing codes made by staff, bearer tokens stored as hashes."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..actors import Actor, ActorKind, get_household
from ..db import rows_changed
from ..errors import Conflict, NotAuthenticated, NotFound, PairingFailed
from ..models import Device, Household, PairingCode
from ..security import Throttle, new_pairing_code, new_token, token_hash
from . import checks

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class IssuedCode:
    code: str
    household_id: str
    expires_at: datetime


@dataclass(frozen=True)
class Pairing:
    device: Device
    token: str
    """Shown once; only its SHA-256 is stored."""


def create_pairing_code(
    session: Session, actor: Actor, household_id: str, now: datetime, minutes: int
) -> IssuedCode:
    """A fresh single-use code for a household, unique among codes still valid."""
    _ = actor.staff_community
    household = get_household(session, actor, household_id)
    for _attempt in range(20):
        code = new_pairing_code()
        clash = session.scalar(
            select(PairingCode.id).where(
                PairingCode.code_hash == token_hash(code),
                PairingCode.used_at.is_(None),
                PairingCode.expires_at > now,
            )
        )
        if clash is None:
            break
    else:
        raise Conflict("could not find a free pairing code; try again")
    expires = now + timedelta(minutes=minutes)
    session.add(
        PairingCode(
            code_hash=token_hash(code),
            household_id=household.id,
            created_by=actor.id,
            created_at=now,
            expires_at=expires,
        )
    )
    return IssuedCode(code, household.id, expires)


def pair(session: Session, throttle: Throttle, code: str, name: str, client: str, now: datetime) -> Pairing:
    """Exchange a valid code for a device and its token; each code works once."""
    keys = [f"pair:{client[:60]}"]
    throttle.check(session, keys, now)
    name = checks.text("name", name, 0, 40)
    row = None
    if len(code) == 6 and code.isdigit() and code.isascii():
        row = session.scalar(
            select(PairingCode).where(
                PairingCode.code_hash == token_hash(code),
                PairingCode.used_at.is_(None),
                PairingCode.expires_at > now,
            )
        )
    claimed = (
        row is not None
        and rows_changed(
            session,
            update(PairingCode)
            .where(PairingCode.id == row.id, PairingCode.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False),
        )
        == 1
    )
    if row is None or not claimed:
        throttle.fail(session, keys, now)
        raise PairingFailed("配对码无效、已使用或已过期")
    household = session.get(Household, row.household_id)
    if household is None:  # deleted after the code was made
        raise PairingFailed("配对码对应的住户已不存在")
    token = new_token()
    device = Device(
        community_id=household.community_id,
        household_id=household.id,
        name=name,
        token_hash=token_hash(token),
        paired_at=now,
    )
    session.add(device)
    session.flush()
    row.device_id = device.id
    _LOGGER.info("device %s paired to household %s", device.id, household.id)
    return Pairing(device, token)


def device_actor(session: Session, token: str, now: datetime) -> Actor:
    """The actor of a bearer token; NotAuthenticated if unknown or revoked."""
    device = session.scalar(select(Device).where(Device.token_hash == token_hash(token)))
    if device is None or device.revoked_at is not None:
        raise NotAuthenticated("device token unknown or revoked; pair again")
    return Actor(
        ActorKind.DEVICE,
        device.id,
        device.name,
        frozenset({device.community_id}),
        frozenset({device.household_id}),
    )


def list_devices(session: Session, actor: Actor) -> List[Device]:
    query = select(Device).where(Device.community_id == actor.staff_community)
    return list(session.scalars(query.order_by(Device.paired_at.desc())))


def revoke_device(session: Session, actor: Actor, device_id: str, now: datetime) -> Device:
    device = session.scalar(
        select(Device).where(Device.id == device_id, Device.community_id == actor.staff_community)
    )
    if device is None:
        raise NotFound(f"device {device_id!r} not found")
    if device.revoked_at is not None:
        raise Conflict("device already revoked")
    device.revoked_at = now
    return device
