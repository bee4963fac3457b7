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
from ..wakeup import note_revocation
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
        raise Conflict("暂时生成不了配对码，请再试一次", "could not find a free pairing code; try again")
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
    """Exchange a valid code for a device and its token; each code works once.

    The attempt is counted (per address and overall) before the code is looked up, in this
    transaction, which holds the counters locked until it commits. A wrong code counts
    against every live code, since it could have been aimed at any of them: a code that
    has seen `throttle.rules.guesses_per_code` wrong guesses dies, and staff see why.
    """
    name = checks.text("name", name, 0, 40)
    keys = throttle.pairing_keys(client)
    throttle.reserve(session, keys, now)
    row = None
    if len(code) == 6 and code.isdigit() and code.isascii():
        row = session.scalar(
            select(PairingCode).where(PairingCode.code_hash == token_hash(code), *_live(now))
        )
    claimed = (
        row is not None
        and rows_changed(
            session,
            update(PairingCode)
            .where(PairingCode.id == row.id, *_live(now))
            .values(used_at=now)
            .execution_options(synchronize_session=False),
        )
        == 1
    )
    if row is None or not claimed:
        _count_wrong_guess(session, now, throttle.rules.guesses_per_code)
        raise PairingFailed("配对码无效、已使用或已过期")
    throttle.release(session, keys, now)
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


def _live(now: datetime) -> tuple:
    """WHERE clauses of a code that can still be used."""
    return (PairingCode.used_at.is_(None), PairingCode.closed_at.is_(None), PairingCode.expires_at > now)


def _count_wrong_guess(session: Session, now: datetime, most: int) -> None:
    session.execute(
        update(PairingCode)
        .where(*_live(now))
        .values(wrong_guesses=PairingCode.wrong_guesses + 1)
        .execution_options(synchronize_session=False)
    )
    killed = rows_changed(
        session,
        update(PairingCode)
        .where(*_live(now), PairingCode.wrong_guesses >= most)
        .values(closed_at=now)
        .execution_options(synchronize_session=False),
    )
    if killed:
        _LOGGER.warning("%d pairing code(s) closed after %d wrong guesses", killed, most)


@dataclass(frozen=True)
class CodeStatus:
    """A recent pairing code of the community as staff see it (the digits are not stored)."""

    household_id: str
    created_at: datetime
    expires_at: datetime
    state: str
    """live | used | expired | closed (died of wrong guesses)."""
    wrong_guesses: int


def recent_codes(session: Session, actor: Actor, now: datetime, hours: int = 24) -> List[CodeStatus]:
    """Codes made for the staff member's households in the last `hours`, newest first."""
    rows = session.scalars(
        select(PairingCode)
        .join(Household, Household.id == PairingCode.household_id)
        .where(
            Household.community_id == actor.staff_community,
            PairingCode.created_at > now - timedelta(hours=hours),
        )
        .order_by(PairingCode.created_at.desc())
        .limit(50)
    )
    out = []
    for code in rows:
        if code.used_at is not None:
            state = "used"
        elif code.closed_at is not None:
            state = "closed"
        elif code.expires_at <= now:
            state = "expired"
        else:
            state = "live"
        out.append(CodeStatus(code.household_id, code.created_at, code.expires_at, state, code.wrong_guesses))
    return out


def device_actor(session: Session, token: str, now: datetime) -> Actor:
    """The actor of a bearer token; NotAuthenticated if unknown or revoked."""
    device = session.scalar(select(Device).where(Device.token_hash == token_hash(token)))
    if device is None or device.revoked_at is not None:
        raise NotAuthenticated(
            "音箱还没有配对或已经停用，请重新配对", "device token unknown or revoked; pair again"
        )
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
        raise NotFound("找不到这个音箱", f"device {device_id!r} not found")
    if device.revoked_at is not None:
        raise Conflict("这个音箱已经停用了", "device already revoked")
    device.revoked_at = now
    # On commit, the long polls this speaker holds end at once with 401 (community.wakeup).
    note_revocation(session, device.community_id, device.household_id, device.token_hash)
    return device
