"""Whether a household's speaker is online: 在线 / 最后联系 N 分钟前 / 未配对 (issue 15).

Read from Device.last_seen_at, which every sync refreshes at most once a minute
(community.api.sync.SEEN_EVERY); a speaker that has not synced since pairing counts from its
pairing. A revoked (停用) speaker is no speaker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Dict, Iterable, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Device

_LOGGER = logging.getLogger(__name__)
ONLINE = timedelta(minutes=5)
"""Seen this recently: 在线 (a speaker syncs at least once a minute while it runs)."""


class SpeakerState(str, Enum):
    ONLINE = "online"
    """在线"""
    AWAY = "away"
    """最后联系 N 分钟前 / N 小时前 / N 天前"""
    UNPAIRED = "unpaired"
    """未配对: no speaker, or only revoked ones."""
    REVOKED = "revoked"
    """已停用 (one device; a household with only revoked speakers is UNPAIRED)."""


@dataclass(frozen=True)
class SpeakerStatus:
    state: SpeakerState
    label: str
    """What pages show, e.g. 在线, 最后联系 3 小时前, 未配对."""
    last_seen_at: Optional[datetime] = None
    """Last contact (UTC): the latest sync, else the pairing."""

    @property
    def paired(self) -> bool:
        return self.state in (SpeakerState.ONLINE, SpeakerState.AWAY)


UNPAIRED = SpeakerStatus(SpeakerState.UNPAIRED, "未配对")


def ago(delta: timedelta) -> str:
    """'N 分钟前', 'N 小时前' or 'N 天前' (rounded down; under a minute: 刚刚)."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "刚刚"
    if minutes < 60:
        return f"{minutes} 分钟前"
    if minutes < 24 * 60:
        return f"{minutes // 60} 小时前"
    return f"{minutes // (24 * 60)} 天前"


def last_contact(device: Device) -> datetime:
    """The speaker's last sync, else its pairing."""
    return device.last_seen_at or device.paired_at


def device_status(device: Device, now: datetime) -> SpeakerStatus:
    """One speaker: 在线 / 最后联系 … / 已停用."""
    seen = last_contact(device)
    if device.revoked_at is not None:
        return SpeakerStatus(SpeakerState.REVOKED, "已停用", seen)
    quiet = now - seen
    if quiet <= ONLINE:
        return SpeakerStatus(SpeakerState.ONLINE, "在线", seen)
    return SpeakerStatus(SpeakerState.AWAY, f"最后联系 {ago(quiet)}", seen)


def household_status(devices: Iterable[Device], now: datetime) -> SpeakerStatus:
    """The household's speaker: the most recently heard of its live speakers, or 未配对."""
    live = [d for d in devices if d.revoked_at is None]
    if not live:
        return UNPAIRED
    return device_status(max(live, key=last_contact), now)


def live_devices(session: Session, household_ids: Iterable[str]) -> Dict[str, List[Device]]:
    """household_id → its speakers that are not revoked."""
    ids = sorted(set(household_ids))
    found: Dict[str, List[Device]] = {h: [] for h in ids}
    if not ids:
        return found
    rows = session.scalars(select(Device).where(Device.household_id.in_(ids), Device.revoked_at.is_(None)))
    for device in rows:
        found[device.household_id].append(device)
    return found


def statuses(session: Session, household_ids: Iterable[str], now: datetime) -> Dict[str, SpeakerStatus]:
    """household_id → its speaker status (one query)."""
    return {h: household_status(ds, now) for h, ds in live_devices(session, household_ids).items()}


@dataclass(frozen=True)
class SpeakerHistory:
    """Every speaker a household had: when each was paired and revoked, and the last sync of any."""

    spans: List[Tuple[datetime, Optional[datetime]]]
    """(paired_at, revoked_at or None) of each speaker."""
    last_seen_at: Optional[datetime]
    """The latest sync of any of them (None: none ever synced)."""

    def had_speaker(self, moment: datetime) -> bool:
        """Whether a speaker was paired (and not revoked) at that moment."""
        return any(start <= moment and (end is None or end > moment) for start, end in self.spans)

    def reached_since(self, moment: datetime) -> bool:
        """Whether a speaker synced at or after `moment` (so it has what the server held then)."""
        return self.last_seen_at is not None and self.last_seen_at >= moment


def history(session: Session, household_id: str) -> SpeakerHistory:
    rows = list(session.scalars(select(Device).where(Device.household_id == household_id)))
    seen = [d.last_seen_at for d in rows if d.last_seen_at is not None]
    return SpeakerHistory([(d.paired_at, d.revoked_at) for d in rows], max(seen) if seen else None)


def community_statuses(
    session: Session, community_ids: Iterable[str], now: datetime
) -> Dict[str, SpeakerStatus]:
    """household_id → speaker status for every household with a live speaker in these communities
    (one query; a household missing from the answer has none: UNPAIRED)."""
    groups: Dict[str, List[Device]] = {}
    rows = session.scalars(
        select(Device).where(Device.community_id.in_(sorted(set(community_ids))), Device.revoked_at.is_(None))
    )
    for device in rows:
        groups.setdefault(device.household_id, []).append(device)
    return {h: household_status(ds, now) for h, ds in groups.items()}
