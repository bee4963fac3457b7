"""Fan-out: one shared feed read for all long polls a change wakes, and scheduled announcements.

When staff publish an urgent announcement, every held poll of the community wakes at once.
Reading the feed once per speaker would cost thousands of identical queries; instead the
woken polls of one process share one read of the community's new change rows (keyed by
cursor and wake generation, see api/sync.py) and each speaker keeps the rows meant for it.
A speaker whose own household has rows in the range reads on its own as usual.

Announcements published for later get a change row when they fall due: the first sync that
notices (at most once a second per community and process) records it, which wakes everyone.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from ..changes import record_change
from ..db import Database
from ..models import Announcement, AnnouncementTarget, Change, ChangeOp, Entity
from .feed import Cursor, DeviceScope, FeedPage, _announcement, blank, catalog, is_empty, personal, top_seq

_LOGGER = logging.getLogger(__name__)
PUBLISH_EVERY = 1.0
"""Seconds between checks for due scheduled announcements (per community and process)."""
_SHARED = frozenset({Entity.ACTIVITY, Entity.ANNOUNCEMENT})
"""Community-wide kinds a shared read materialises; anything else makes a speaker read alone."""
_checked: Dict[str, Tuple[float, Optional[datetime]]] = {}
_checked_lock = threading.Lock()


def _due_query(community_id: str, now: datetime) -> Any:
    published = exists().where(
        and_(
            Change.entity == Entity.ANNOUNCEMENT,
            Change.entity_id == Announcement.id,
            Change.at >= Announcement.publish_at,
        )
    )
    return select(Announcement.id).where(
        Announcement.community_id == community_id,
        Announcement.deleted_at.is_(None),
        Announcement.publish_at <= now,
        Announcement.expires_at > now,
        Announcement.publish_at > Announcement.created_at,
        ~published,
    )


def publish_due(
    database: Database, community_id: str, now: datetime, force: bool = False
) -> Optional[datetime]:
    """Record changes for scheduled announcements now due; returns the next publish time.

    Runs the queries at most once per PUBLISH_EVERY per community (unless force); in between
    it returns the remembered next publish time. Two processes may both record one announcement: the
    device keeps announcements by id, so a second row only costs a round trip.
    """
    mono = time.monotonic()
    with _checked_lock:
        last = _checked.get(community_id)
        if last is not None and mono - last[0] < PUBLISH_EVERY and not force:
            return last[1]
        _checked[community_id] = (mono, last[1] if last else None)
    with database.reader() as session:
        due = list(session.scalars(_due_query(community_id, now)))
        upcoming = session.scalar(
            select(func.min(Announcement.publish_at)).where(
                Announcement.community_id == community_id,
                Announcement.deleted_at.is_(None),
                Announcement.publish_at > now,
            )
        )
    if due:
        with database.write() as session:
            for announcement_id in due:
                record_change(session, community_id, None, Entity.ANNOUNCEMENT, announcement_id, now)
        _LOGGER.info("published %d scheduled announcement(s) in community %s", len(due), community_id)
    with _checked_lock:
        _checked[community_id] = (mono, upcoming)
    return upcoming  # type: ignore[no-any-return]


def next_publish(community_id: str) -> Optional[datetime]:
    """The next scheduled publish time publish_due() last saw (no query: safe on the event loop)."""
    with _checked_lock:
        last = _checked.get(community_id)
    return last[1] if last else None


@dataclass(frozen=True)
class SharedPage:
    """One read of a community's change rows after a cursor, for every speaker woken with it."""

    top: int
    rows: Tuple[Tuple[int, Entity, str, ChangeOp, Optional[str]], ...]
    too_many: bool
    catalog: Optional[List[Dict[str, Any]]]
    announcements: Tuple[Tuple[Dict[str, Any], AnnouncementTarget, str], ...]
    """(device form, target, group name) of the announcements changed in the range."""


def read_shared(
    session: Session, community_id: str, zone: ZoneInfo, cursor: Cursor, now: datetime, limit: int = 500
) -> SharedPage:
    top = top_seq(session)
    rows = session.execute(
        select(Change.seq, Change.entity, Change.entity_id, Change.op, Change.household_id)
        .where(Change.seq > cursor.seq, Change.seq <= top, Change.community_id == community_id)
        .order_by(Change.seq)
        .limit(limit + 1)
    ).all()
    scope = DeviceScope("", community_id, "", "", zone)
    wide = [r for r in rows if r[4] is None]
    items = None
    if any(r[1] is Entity.ACTIVITY for r in wide):
        items = catalog(session, scope, now, teachers=True)
    ids = [r[2] for r in wide if r[1] is Entity.ANNOUNCEMENT]
    found: List[Tuple[Dict[str, Any], AnnouncementTarget, str]] = []
    if ids:
        query = select(Announcement).where(
            Announcement.id.in_(ids),
            Announcement.deleted_at.is_(None),
            Announcement.publish_at <= now,
            Announcement.expires_at > now,
        )
        found = [(_announcement(a, scope), a.target, a.group_name) for a in session.scalars(query)]
    return SharedPage(
        top, tuple((r[0], r[1], r[2], r[3], r[4]) for r in rows), len(rows) > limit, items, tuple(found)
    )


def page_for(shared: SharedPage, scope: DeviceScope, cursor: Cursor) -> Optional[FeedPage]:
    """This speaker's page from a shared read; None when it must read on its own."""
    if shared.too_many or cursor.seq < 0 or cursor.seq > shared.top:
        return None
    mine = [r for r in shared.rows if r[4] is None or r[4] == scope.household_id]
    if any(r[4] is not None or r[1] not in _SHARED for r in mine):
        return None
    changes = blank()
    if any(r[1] is Entity.ACTIVITY for r in mine):
        changes["activities"] = [personal(item, scope.household_id) for item in shared.catalog or []]
    changes["announcements"] = [
        item
        for item, target, group in shared.announcements
        if target is AnnouncementTarget.ALL or group == scope.group_name
    ]
    return FeedPage(Cursor(shared.top), False, changes, is_empty(changes))
