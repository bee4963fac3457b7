"""Announcement delivery as the speakers report it: received (in a sync) and played (read out).

The speaker sends `announcement.received` when a sync brings it a new announcement and
`announcement.played` when it reads one out (held through quiet hours, it is played later), each
with its own time. Staff see per announcement how many of the speakers it was meant for did each.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional, Sequence, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..errors import NotFound
from ..models import Announcement, AnnouncementDelivery, AnnouncementTarget, Device, Household

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryCount:
    speakers: int
    """Speakers in use in the households the announcement is for."""
    received: int
    played: int


def record(
    session: Session, actor: Actor, announcement_id: str, played: bool, at: datetime, now: datetime
) -> AnnouncementDelivery:
    """A speaker's report (actor: the device). An announcement not meant for its household → NotFound."""
    household_id = next(iter(actor.household_ids))
    household = session.get(Household, household_id)
    item = session.scalar(
        select(Announcement).where(
            Announcement.id == announcement_id,
            Announcement.community_id.in_(actor.community_ids),
            Announcement.deleted_at.is_(None),
        )
    )
    if item is None or household is None or not _meant_for(item, household):
        raise NotFound("找不到这条通知", f"announcement {announcement_id!r} not found")
    row = session.get(AnnouncementDelivery, (item.id, actor.id))
    if row is None:
        row = AnnouncementDelivery(
            announcement_id=item.id, device_id=actor.id, household_id=household_id, received_at=at
        )
        session.add(row)
    elif at < row.received_at:
        row.received_at = at
    if played and (row.played_at is None or at < row.played_at):
        row.played_at = at
    session.flush()
    return row


def _meant_for(item: Announcement, household: Household) -> bool:
    return item.target is AnnouncementTarget.ALL or item.group_name == household.group_name


def _speakers(session: Session, community_ids: Sequence[str]) -> List[Tuple[Device, Household]]:
    rows = session.execute(
        select(Device, Household)
        .join(Household, Household.id == Device.household_id)
        .where(
            Device.community_id.in_(community_ids),
            Device.revoked_at.is_(None),
            Household.deleted_at.is_(None),
        )
        .order_by(Household.group_name, Household.elder_name)
    ).all()
    return [(d, h) for d, h in rows]


def counts(session: Session, actor: Actor, items: Sequence[Announcement]) -> Dict[str, DeliveryCount]:
    """Announcement id → speakers meant / received / played (staff)."""
    _ = actor.staff_community
    speakers = _speakers(session, list(actor.community_ids))
    ids = [a.id for a in items]
    reports: Dict[Tuple[str, str], AnnouncementDelivery] = {}
    if ids:
        for row in session.scalars(
            select(AnnouncementDelivery).where(AnnouncementDelivery.announcement_id.in_(ids))
        ):
            reports[(row.announcement_id, row.device_id)] = row
    result: Dict[str, DeliveryCount] = {}
    for item in items:
        meant = [d for d, h in speakers if _meant_for(item, h)]
        got = [reports.get((item.id, d.id)) for d in meant]
        result[item.id] = DeliveryCount(
            len(meant),
            sum(1 for r in got if r is not None),
            sum(1 for r in got if r is not None and r.played_at is not None),
        )
    return result


@dataclass(frozen=True)
class SpeakerDelivery:
    household: Household
    device: Device
    report: Optional[AnnouncementDelivery]


def per_speaker(session: Session, actor: Actor, item: Announcement) -> List[SpeakerDelivery]:
    """Each speaker the announcement is for, with what it reported (staff)."""
    _ = actor.staff_community
    reports = {
        r.device_id: r
        for r in session.scalars(
            select(AnnouncementDelivery).where(AnnouncementDelivery.announcement_id == item.id)
        )
    }
    return [
        SpeakerDelivery(h, d, reports.get(d.id))
        for d, h in _speakers(session, list(actor.community_ids))
        if _meant_for(item, h)
    ]
