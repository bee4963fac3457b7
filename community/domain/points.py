"""Volunteer points ledger (append-only; corrections are negative entries)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Dict, List

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..actors import Actor, get_household, households_query
from ..changes import record_change
from ..errors import InvalidInput
from ..models import Entity, Household, PointsEntry
from . import checks

_LOGGER = logging.getLogger(__name__)


def add_points(
    session: Session, actor: Actor, household_id: str, points: int, reason: str, now: datetime
) -> PointsEntry:
    community_id = actor.staff_community
    household = get_household(session, actor, household_id)
    points = checks.number("points", points, -1000, 1000)
    if points == 0:
        raise InvalidInput("积分：不能是 0（加分填正数，扣分填负数）", "points: expected a non-zero number")
    entry = PointsEntry(
        community_id=community_id,
        household_id=household.id,
        points=points,
        reason=checks.text("reason", reason, 1, 100),
        recorded_by=actor.id,
        created_at=now,
    )
    session.add(entry)
    session.flush()
    record_change(session, community_id, household.id, Entity.POINTS, entry.id, now)
    return entry


def ledger(session: Session, actor: Actor, limit: int = 200) -> List[PointsEntry]:
    visible = households_query(actor).with_only_columns(Household.id)
    query = select(PointsEntry).where(PointsEntry.household_id.in_(visible))
    return list(session.scalars(query.order_by(PointsEntry.created_at.desc()).limit(limit)))


def balances(session: Session, actor: Actor) -> Dict[str, int]:
    """Household id → points total."""
    visible = households_query(actor).with_only_columns(Household.id)
    rows = session.execute(
        select(PointsEntry.household_id, func.sum(PointsEntry.points))
        .where(PointsEntry.household_id.in_(visible))
        .group_by(PointsEntry.household_id)
    )
    return {r[0]: int(r[1]) for r in rows}
