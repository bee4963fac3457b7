"""Young participants (青年参与者, issue 16): young people of the community who join and help. Staff make
their logins (the phone number is the login name; they may be volunteers too). An elder's family
allow one to follow the elder's 新动向 (`young_links`), and take it back; the young participant's page
shows those elders' happenings and nothing else of theirs — no reminders, bookings or calls for help.

Scope: staff their community's young participants; family the links of their own elders; a young
participant only the households linked to them (anything else is NotFound).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import List, Tuple

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..actors import Actor, ActorKind, get_household
from ..errors import Forbidden, InvalidInput, NotFound
from ..models import Household, Role, User, YoungLink
from . import accounts
from .volunteers import _check_phone, holders

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Young:
    id: str
    name: str
    phone: str


def create_young(session: Session, actor: Actor, name: str, phone: str, password: str,
                 volunteer: bool = False) -> User:
    """Staff make a young participant's login in their community (also a volunteer when asked)."""
    community = actor.staff_community
    user = accounts._new_user(session, _check_phone(phone), name, password, Role.YOUNG, community)
    if volunteer:
        accounts.grant_role(session, user.id, Role.VOLUNTEER, community)
    return user


def _young_query(community_id: str):  # type: ignore[no-untyped-def]
    return holders(community_id, Role.YOUNG)


def list_young(session: Session, actor: Actor) -> List[Young]:
    users = session.scalars(_young_query(actor.staff_community).order_by(User.display_name, User.username))
    return [Young(u.id, u.display_name, u.username) for u in users]


def allowed(session: Session, actor: Actor, household_id: str) -> List[Young]:
    """The young participants who may follow this elder (the family's people page)."""
    household = get_household(session, actor, household_id)
    users = session.scalars(select(User).join(YoungLink, YoungLink.user_id == User.id)
                            .where(YoungLink.household_id == household.id).order_by(User.display_name))
    return [Young(u.id, u.display_name, u.username) for u in users]


def allow(session: Session, actor: Actor, household_id: str, phone: str, now: datetime) -> Young:
    """A family member lets a young participant of the elder's community follow the elder's 新动向."""
    if actor.kind is not ActorKind.FAMILY:
        raise Forbidden("只有老人的家属可以决定谁能看老人的新动向")
    household = get_household(session, actor, household_id)
    user = session.scalar(_young_query(household.community_id).where(User.username == phone.strip()))
    if user is None:
        raise InvalidInput("手机号：社区里没有这位青年参与者，请先请社区工作人员开账号",
                           "phone: no young participant of this community has this number")
    if session.scalar(select(YoungLink.id).where(YoungLink.user_id == user.id,
                                                 YoungLink.household_id == household.id)) is None:
        session.add(YoungLink(user_id=user.id, household_id=household.id, allowed_by=actor.id,
                              created_at=now))
        session.flush()
    return Young(user.id, user.display_name, user.username)


def disallow(session: Session, actor: Actor, household_id: str, user_id: str) -> None:
    if actor.kind is not ActorKind.FAMILY:
        raise Forbidden("只有老人的家属可以决定谁能看老人的新动向")
    household = get_household(session, actor, household_id)
    session.execute(delete(YoungLink).where(YoungLink.household_id == household.id,
                                            YoungLink.user_id == str(user_id)[:36]))


def homes(session: Session, actor: Actor) -> List[Household]:
    """The elders this young participant may follow."""
    if not actor.is_young:
        raise Forbidden("这是青年参与者的页面")
    return list(session.scalars(select(Household).join(YoungLink, YoungLink.household_id == Household.id)
                                .where(YoungLink.user_id == actor.id, Household.deleted_at.is_(None))
                                .order_by(Household.address_as)))


def reader_for(session: Session, actor: Actor, household_id: str) -> Tuple[Household, Actor]:
    """The household, and an actor that reads it alone (as its family would), for a young participant it
    was allowed to; NotFound otherwise."""
    found = [h for h in homes(session, actor) if h.id == household_id]
    if not found:
        raise NotFound("找不到这位老人的资料，或者您没有查看的权限", f"household {household_id!r} not found")
    home = found[0]
    return home, Actor(ActorKind.FAMILY, actor.id, actor.name, frozenset({home.community_id}),
                       frozenset({home.id}))
