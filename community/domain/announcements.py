"""Announcements from staff: to all homes or one group, scheduled, optionally urgent."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..actors import Actor, get_household
from ..changes import record_change
from ..errors import InvalidInput, NotFound
from ..models import Announcement, AnnouncementTarget, ChangeOp, Entity, Household
from . import checks

_LOGGER = logging.getLogger(__name__)
PAST_GRACE = timedelta(minutes=5)
"""A publish time up to this far back is taken as now (the minute typed while filling in the form)."""


@dataclass(frozen=True)
class AnnouncementInput:
    title: str
    body: str
    target: AnnouncementTarget
    publish_at: datetime
    expires_at: datetime
    urgent: bool = False
    group_name: str = ""

    def checked(self, now: datetime) -> "AnnouncementInput":
        publish = checks.moment("publish_at", self.publish_at, now)
        expires = checks.moment("expires_at", self.expires_at, now)
        if publish < now - PAST_GRACE:
            raise InvalidInput(
                "发布时间：已经过去了，请选现在以后的时间（不填就是立即发布）",
                "publish_at: expected now or later",
            )
        if not publish < expires <= publish + timedelta(days=366):
            raise InvalidInput(
                "有效天数：要在发布以后结束，最多一年",
                "expires_at: expected after publish_at and within a year",
            )
        if expires <= now:
            raise InvalidInput(
                "有效天数：这条通知已经过期了，请把结束时间选在以后", "expires_at: expected later than now"
            )
        target = checks.choice("target", AnnouncementTarget, self.target)
        group = checks.text("group_name", self.group_name, 0, 40, "发给")
        if (target is AnnouncementTarget.GROUP) != bool(group):
            raise InvalidInput(
                "发给：发给一个楼栋/小组时请选择是哪一个",
                "group_name: required for target=group and only then",
            )
        return AnnouncementInput(
            checks.text("title", self.title, 1, 60, "标题"),
            checks.text("body", self.body, 1, 1000, "内容"),
            target,
            publish,
            expires,
            bool(self.urgent),
            group,
        )


def create_announcement(
    session: Session,
    actor: Actor,
    data: AnnouncementInput,
    now: datetime,
    announcement_id: Optional[str] = None,
) -> Announcement:
    community_id = actor.staff_community
    data = data.checked(now)
    if data.target is AnnouncementTarget.GROUP and not session.scalar(
        select(Household.id)
        .where(
            Household.community_id == community_id,
            Household.group_name == data.group_name,
            Household.deleted_at.is_(None),
        )
        .limit(1)
    ):
        raise InvalidInput(
            f"发给：“{data.group_name}”里没有住户",
            f"group_name: no household is in group {data.group_name!r}",
        )
    item = Announcement(
        id=checks.object_id("id", announcement_id) or None,
        community_id=community_id,
        title=data.title,
        body=data.body,
        target=data.target,
        group_name=data.group_name,
        publish_at=data.publish_at,
        expires_at=data.expires_at,
        urgent=data.urgent,
        created_by=actor.id,
        created_at=now,
    )
    session.add(item)
    session.flush()
    record_change(session, community_id, None, Entity.ANNOUNCEMENT, item.id, now)
    return item


def get_announcement(session: Session, actor: Actor, announcement_id: str) -> Announcement:
    item = session.scalar(
        select(Announcement).where(
            Announcement.id == announcement_id,
            Announcement.community_id.in_(actor.community_ids),
            Announcement.deleted_at.is_(None),
        )
    )
    if item is None:
        raise NotFound("找不到这条通知，可能已经撤回了", f"announcement {announcement_id!r} not found")
    return item


def delete_announcement(session: Session, actor: Actor, announcement_id: str, now: datetime) -> None:
    _ = actor.staff_community
    item = get_announcement(session, actor, announcement_id)
    item.deleted_at = now
    record_change(session, item.community_id, None, Entity.ANNOUNCEMENT, item.id, now, ChangeOp.DELETE)


def list_announcements(session: Session, actor: Actor, now: datetime) -> List[Announcement]:
    """Staff: every announcement of the community. Others: the ones published to their homes."""
    query = select(Announcement).where(
        Announcement.community_id.in_(actor.community_ids), Announcement.deleted_at.is_(None)
    )
    if not actor.is_staff:
        groups = {h.group_name for h in (get_household(session, actor, hid) for hid in actor.household_ids)}
        query = query.where(
            Announcement.publish_at <= now,
            Announcement.expires_at > now,
            or_(Announcement.target == AnnouncementTarget.ALL, Announcement.group_name.in_(groups)),
        )
    return list(session.scalars(query.order_by(Announcement.publish_at.desc()).limit(200)))
