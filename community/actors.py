"""Who is asking, and the scoping rules every query goes through.

Family users see only their linked households, staff only their community, a device only
its household. Anything outside the scope is reported as NotFound (never Forbidden), so
ids of other households cannot be probed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import Enum
from typing import Dict, FrozenSet, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from .errors import Forbidden, NotFound
from .models import Community, Household, Origin

_LOGGER = logging.getLogger(__name__)


class ActorKind(str, Enum):
    FAMILY = "family"
    STAFF = "staff"
    DEVICE = "device"
    VOLUNTEER = "volunteer"
    """A login whose first role is neither family nor staff (volunteer; teacher / young later): no
    household scope at all, only its community's open help requests (community.domain.help_requests)."""


@dataclass(frozen=True)
class Actor:
    """The authenticated caller of one request."""

    kind: ActorKind
    id: str
    """User id or device id."""
    name: str
    community_ids: FrozenSet[str]
    """Staff and device: their one community; family: the communities of their households."""
    household_ids: FrozenSet[str] = field(default_factory=frozenset)
    """Family: linked households; device: its household; staff: empty (whole community)."""
    csrf_token: str = ""
    roles: FrozenSet[str] = field(default_factory=frozenset)
    """Every role the login holds (users.role and user_roles; docs/server.md, "Roles"); empty for devices."""
    home_community: str = ""
    """users.community_id: a staff member's or a volunteer's community ('' for family-only logins)."""

    @property
    def is_staff(self) -> bool:
        return self.kind is ActorKind.STAFF

    @property
    def is_family(self) -> bool:
        return self.kind is ActorKind.FAMILY

    @property
    def is_volunteer(self) -> bool:
        """Holds the volunteer role and belongs to a community (the one whose requests it sees)."""
        return "volunteer" in self.roles and bool(self.home_community)

    @property
    def is_young(self) -> bool:
        """Holds the young-participant role (青年参与者): sees only the 新动向 of the elders whose family
        allowed it."""
        return "young" in self.roles and self.kind is not ActorKind.DEVICE

    @property
    def volunteer_community(self) -> str:
        """The volunteer's community id; Forbidden for anyone else."""
        if not self.is_volunteer:
            raise Forbidden("只有志愿者可以这样做")
        return self.home_community

    @property
    def staff_community(self) -> str:
        """The staff member's community id; Forbidden for anyone else."""
        if not self.is_staff:
            raise Forbidden("只有社区工作人员可以这样做")
        return next(iter(self.community_ids))


def households_query(actor: Actor) -> Select[Household]:
    """Households visible to the actor (a deleted household is visible to no one: docs/server.md)."""
    query = select(Household).where(Household.deleted_at.is_(None))
    if actor.is_staff:
        return query.where(Household.community_id.in_(actor.community_ids))
    return query.where(Household.id.in_(actor.household_ids))


def get_household(session: Session, actor: Actor, household_id: str) -> Household:
    """The household if visible, else NotFound."""
    household = session.scalar(households_query(actor).where(Household.id == household_id))
    if household is None:
        raise NotFound("找不到这位老人的资料，或者您没有查看的权限", f"household {household_id!r} not found")
    return household


_ZONES: Dict[str, ZoneInfo] = {}


def community_zone(session: Session, community_id: str) -> ZoneInfo:
    """The community's time zone (cached: zones are set when a community is made)."""
    zone = _ZONES.get(community_id)
    if zone is None:
        community = session.get(Community, community_id)
        zone = ZoneInfo(community.timezone if community else "Asia/Shanghai")
        if community is not None:
            _ZONES[community_id] = zone
    return zone


def default_household(actor: Actor, requested: Optional[str]) -> str:
    """A device acts for its own household; others must name one."""
    if requested:
        return requested
    if actor.kind is ActorKind.DEVICE:
        return next(iter(actor.household_ids))
    raise NotFound("请选择住户", "household_id is required")


def origin_of(actor: Actor) -> Origin:
    """Who made a row, as stored."""
    return {ActorKind.FAMILY: Origin.FAMILY, ActorKind.STAFF: Origin.STAFF, ActorKind.DEVICE: Origin.DEVICE}[
        actor.kind
    ]
