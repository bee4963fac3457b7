"""Skill offers (技能教学, issue 16): an elder offers by voice to teach what they can ("我会写毛笔字，
可以教大家", the speaker's `skill.offer` op); staff see the offers and turn one into an activity with
the elder as its teacher, or decline it. Either way the elder's speaker is told (`skills[]` of the change
feed), and the teacher's speaker hears how many have signed up for what they teach (the catalog marks
those activities `teacher: true`).

new → taught (an activity was made of it) or declined. Scope: a speaker its own household; staff their
community.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..changes import record_change
from ..errors import Conflict, NotFound
from ..models import Activity, Entity, Household, SkillOffer, SkillOfferStatus
from . import checks

_LOGGER = logging.getLogger(__name__)
SHOWN = {SkillOfferStatus.NEW: "待处理", SkillOfferStatus.TAUGHT: "已开成活动",
         SkillOfferStatus.DECLINED: "暂不安排"}


def offer(session: Session, household: Household, skill: str, said: str, said_at: datetime, now: datetime,
          offer_id: Optional[str] = None) -> SkillOffer:
    """The speaker's `skill.offer`: what the elder can teach, in their words."""
    item = SkillOffer(id=checks.object_id("offer_id", offer_id) or None, community_id=household.community_id,
                      household_id=household.id, skill=checks.text("skill", skill, 1, 60, "技能"),
                      said=str(said or "")[:200], status=SkillOfferStatus.NEW, created_at=said_at,
                      received_at=now)
    session.add(item)
    session.flush()
    return item


def list_offers(session: Session, actor: Actor) -> List[Tuple[SkillOffer, Household]]:
    """The community's offers, the untreated first, newest first."""
    rows = session.execute(
        select(SkillOffer, Household).join(Household, Household.id == SkillOffer.household_id)
        .where(SkillOffer.community_id == actor.staff_community)
        .order_by(SkillOffer.received_at.desc(), SkillOffer.id).limit(500)).all()
    return sorted([(o, h) for o, h in rows], key=lambda row: row[0].status is not SkillOfferStatus.NEW)


def get_offer(session: Session, actor: Actor, offer_id: str) -> Tuple[SkillOffer, Household]:
    row = session.execute(
        select(SkillOffer, Household).join(Household, Household.id == SkillOffer.household_id)
        .where(SkillOffer.id == str(offer_id)[:36], SkillOffer.community_id == actor.staff_community)).first()
    if row is None:
        raise NotFound("没有这个技能教学的提议")
    return row[0], row[1]


def teach(session: Session, actor: Actor, offer_id: str, activity: Activity, now: datetime) -> SkillOffer:
    """Staff made `activity` of the offer: the elder is its teacher, and their speaker is told."""
    item, household = get_offer(session, actor, offer_id)
    if item.status is SkillOfferStatus.DECLINED:
        raise Conflict("这个提议已经标为暂不安排了")
    activity.teacher_household_id = household.id
    if item.status is SkillOfferStatus.NEW:
        item.status, item.activity_id = SkillOfferStatus.TAUGHT, activity.id
    item.handled_by, item.handled_at = actor.id, now
    record_change(session, item.community_id, None, Entity.ACTIVITY, activity.id, now)
    record_change(session, item.community_id, item.household_id, Entity.SKILL_OFFER, item.id, now)
    return item


def decline(session: Session, actor: Actor, offer_id: str, now: datetime) -> SkillOffer:
    """暂不安排: the elder hears thanks and that it cannot be arranged for now."""
    item, _ = get_offer(session, actor, offer_id)
    if item.status is not SkillOfferStatus.NEW:
        raise Conflict("这个提议已经处理过了")
    item.status, item.handled_by, item.handled_at = SkillOfferStatus.DECLINED, actor.id, now
    record_change(session, item.community_id, item.household_id, Entity.SKILL_OFFER, item.id, now)
    return item


def feed_items(session: Session, household_id: str, ids: Sequence[str], zone: Any) -> List[Dict[str, Any]]:
    """`skills[]` of the change feed: this household's offers that staff handled, with the activity made
    of one ({id, skill, status, activity_id, title, start})."""
    from .feed import local_time

    rows = session.execute(
        select(SkillOffer, Activity).outerjoin(Activity, Activity.id == SkillOffer.activity_id)
        .where(SkillOffer.household_id == household_id, SkillOffer.id.in_(list(ids)),
               SkillOffer.status != SkillOfferStatus.NEW)).all()
    out = []
    for item, act in rows:
        entry: Dict[str, Any] = {"id": item.id, "skill": item.skill, "status": item.status.value}
        if act is not None:
            entry.update(activity_id=act.id, title=act.title, start=local_time(act.starts_at, zone))
        out.append(entry)
    return out
