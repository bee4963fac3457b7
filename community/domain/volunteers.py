"""Volunteers (志愿者) and their points per person (issue 16).

A volunteer is a login holding the volunteer role, of one community (users.community_id); an elder
who volunteers is still a volunteer login, with users.household_id naming their own household (that
gives no family scope: a volunteer never sees a household's pages). Points are an append-only ledger
per login (`volunteer_points`): help an elder thanked for or staff confirmed (one entry per request,
unique), and staff adjustments with a reason. The per-household ledger (domain/points.py) is apart.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..actors import Actor, get_household
from ..changes import record_change
from ..errors import Forbidden, InvalidInput, NotFound
from ..models import Entity, HelpRequest, Role, User, UserRole, VolunteerPoints
from . import accounts, checks

_LOGGER = logging.getLogger(__name__)
_PHONE = re.compile(r"^[0-9]{5,20}$")


@dataclass(frozen=True)
class Volunteer:
    """A volunteer login as staff pages list it."""

    user_id: str
    name: str
    phone: str
    """The login name (volunteers log in with their phone number)."""
    household_id: Optional[str]
    """The volunteer is the elder of this household (None: not an elder of the community)."""
    points: int


def _check_phone(phone: str) -> str:
    phone = (phone or "").strip().replace(" ", "").replace("-", "")
    if not _PHONE.match(phone):
        raise InvalidInput("手机号：请填写 5 到 20 位数字", "phone: expected 5–20 digits")
    return phone


def create_volunteer(
    session: Session,
    actor: Actor,
    name: str,
    phone: str,
    password: str,
    household_id: Optional[str] = None,
) -> User:
    """Staff make a volunteer login of their community; it logs in with the phone number.

    household_id: this volunteer is the elder of that household (one of the staff member's)
    """
    community = actor.staff_community
    home = get_household(session, actor, household_id).id if household_id else None
    user = accounts._new_user(session, _check_phone(phone), name, password, Role.VOLUNTEER, community)
    user.household_id = home
    session.flush()
    return user


def _volunteers_query(community_id: str):  # type: ignore[no-untyped-def]
    return holders(community_id, Role.VOLUNTEER)


def holders(community_id: str, role: Role):  # type: ignore[no-untyped-def]
    """The community's logins holding `role`, as their first role or a further one."""
    further = select(UserRole.user_id).where(UserRole.role == role)
    return select(User).where(User.community_id == community_id, or_(User.role == role, User.id.in_(further)))


def list_volunteers(session: Session, actor: Actor) -> List[Volunteer]:
    """The staff member's community's volunteers, with their points."""
    community = actor.staff_community
    users = list(session.scalars(_volunteers_query(community).order_by(User.display_name, User.username)))
    totals = balances(session, community, [u.id for u in users])
    return [Volunteer(u.id, u.display_name, u.username, u.household_id, totals.get(u.id, 0)) for u in users]


def get_volunteer(session: Session, actor: Actor, user_id: str) -> Volunteer:
    """One volunteer: staff of their community, or the volunteer themself; else NotFound."""
    if actor.is_staff:
        community = actor.staff_community
    elif actor.is_volunteer and actor.id == user_id:
        community = actor.volunteer_community
    else:
        raise NotFound("找不到这位志愿者", f"volunteer {user_id!r} not found")
    user = session.scalar(_volunteers_query(community).where(User.id == user_id[:36]))
    if user is None:
        raise NotFound("找不到这位志愿者", f"volunteer {user_id!r} not found")
    total = balances(session, community, [user.id]).get(user.id, 0)
    return Volunteer(user.id, user.display_name, user.username, user.household_id, total)


def balances(session: Session, community_id: str, user_ids: List[str]) -> Dict[str, int]:
    """Login id → points total in the community."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(VolunteerPoints.user_id, func.sum(VolunteerPoints.delta))
        .where(VolunteerPoints.community_id == community_id, VolunteerPoints.user_id.in_(user_ids))
        .group_by(VolunteerPoints.user_id)
    )
    return {r[0]: int(r[1]) for r in rows}


def ledger(session: Session, actor: Actor, user_id: str, limit: int = 200) -> List[VolunteerPoints]:
    """One volunteer's entries, newest first (staff of the community, or the volunteer themself)."""
    volunteer = get_volunteer(session, actor, user_id)
    return list(
        session.scalars(
            select(VolunteerPoints)
            .where(VolunteerPoints.user_id == volunteer.user_id)
            .order_by(VolunteerPoints.at.desc(), VolunteerPoints.id)
            .limit(limit)
        )
    )


def names(session: Session, user_ids: List[str]) -> Dict[str, str]:
    """Login id → display name (for 'who confirmed it')."""
    ids = [i for i in set(user_ids) if i]
    if not ids:
        return {}
    return {u.id: u.display_name for u in session.scalars(select(User).where(User.id.in_(ids)))}


def adjust(
    session: Session, actor: Actor, user_id: str, delta: int, reason: str, now: datetime
) -> VolunteerPoints:
    """Staff add or take away points with a reason (after the confirmation page)."""
    if not actor.is_staff:
        raise Forbidden("只有社区工作人员可以调整积分")
    volunteer = get_volunteer(session, actor, user_id)
    delta = checks.number("points", delta, -1000, 1000)
    if delta == 0:
        raise InvalidInput("积分：不能是 0（加分填正数，扣分填负数）", "points: expected a non-zero number")
    entry = VolunteerPoints(
        community_id=actor.staff_community,
        user_id=volunteer.user_id,
        delta=delta,
        reason=checks.text("reason", reason, 1, 100),
        confirmed_by=actor.id,
        at=now,
    )
    session.add(entry)
    session.flush()
    _tell_own_speaker(session, entry.community_id, volunteer.household_id, entry.id, now)
    return entry


def _tell_own_speaker(session: Session, community_id: str, household_id: Optional[str], entry_id: str,
                      now: datetime) -> None:
    """An elder who volunteers hears their own points on their speaker ('我有多少积分'): a points change
    for their household."""
    if household_id:
        record_change(session, community_id, household_id, Entity.POINTS, entry_id, now)


def award_for_help(
    session: Session, item: HelpRequest, points: int, confirmed_by: Optional[str], now: datetime
) -> bool:
    """Give the volunteer of a finished help request its points, exactly once (unique per request):
    False when it had them already (the elder thanked after staff confirmed, two clicks at once)."""
    if item.volunteer_id is None:
        return False
    if session.scalar(select(VolunteerPoints.id).where(VolunteerPoints.help_request_id == item.id)):
        return False
    reason = f"志愿帮扶：{item.what}"[:100]
    try:
        with session.begin_nested():
            session.add(
                VolunteerPoints(
                    community_id=item.community_id,
                    user_id=item.volunteer_id,
                    delta=points,
                    reason=reason,
                    confirmed_by=confirmed_by,
                    help_request_id=item.id,
                    at=now,
                )
            )
    except IntegrityError:  # another transaction gave them first
        return False
    helper = session.get(User, item.volunteer_id)
    _tell_own_speaker(session, item.community_id, helper.household_id if helper else None, item.id, now)
    return True
