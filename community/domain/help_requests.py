"""Help requests (志愿帮扶): an elder asks for a helping hand, a volunteer of the community takes it.

open → accepted (a volunteer, with the time they will come; the speaker is told through the change
feed) → done (the volunteer says so) → thanked (the elder's thanks on the speaker); staff may confirm
a request done instead of the thanks, or cancel one. The volunteer's points are given once, on the
thanks or the staff confirmation (community.domain.volunteers.award_for_help).

Scope: a speaker its own household; family the households they are linked to (read only); staff their
community; a volunteer only its community's open requests and the ones it took — and of those only
what a helper needs (HelpView): the elder's form of address, the building / group, what and when.
An open request no volunteer took within Settings.help_escalate_after_minutes shows on the staff
dashboard as needing a volunteer, computed on read with the injected clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional, Tuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..actors import Actor, ActorKind, default_household, get_household, households_query
from ..changes import record_change
from ..config import Settings
from ..errors import Conflict, Forbidden, NotFound
from ..models import Entity, HelpRequest, HelpStatus, Household, Origin, User
from . import checks, volunteers

_LOGGER = logging.getLogger(__name__)
SHOWN = {
    HelpStatus.OPEN: "等志愿者接单",
    HelpStatus.ACCEPTED: "志愿者已接单",
    HelpStatus.DONE: "已完成",
    HelpStatus.THANKED: "老人已道谢",
    HelpStatus.CANCELLED: "已取消",
}
"""A request's state as the pages say it."""


@dataclass(frozen=True)
class HelpView:
    """What a volunteer sees of a request: never a name in full, a phone number or other private data."""

    id: str
    address_as: str
    """How the elder likes to be called (王阿姨, 李伯伯)."""
    area: str
    """The household's building / group (households.group_name)."""
    what: str
    wanted_at: Optional[datetime]
    status: HelpStatus
    visit_at: Optional[datetime]
    mine: bool


def _record(session: Session, item: HelpRequest, now: datetime) -> None:
    record_change(session, item.community_id, item.household_id, Entity.HELP_REQUEST, item.id, now)


def create_help(
    session: Session,
    actor: Actor,
    household_id: Optional[str],
    what: str,
    wanted_at: Optional[datetime],
    now: datetime,
    request_id: Optional[str] = None,
    said_at: Optional[datetime] = None,
) -> HelpRequest:
    """A speaker (its household) or staff (on an elder's behalf) ask for help.

    said_at: when the elder asked, by the speaker's clock (created_at; server time when None)
    """
    if actor.kind not in (ActorKind.DEVICE, ActorKind.STAFF):
        raise Forbidden("只有老人的音箱或社区工作人员可以登记志愿帮扶")
    household = get_household(session, actor, default_household(actor, household_id))
    item = HelpRequest(
        id=checks.object_id("id", request_id) or None,
        community_id=household.community_id,
        household_id=household.id,
        what=checks.text("what", what, 1, 200),
        wanted_at=checks.moment("wanted_at", wanted_at, now) if wanted_at else None,
        status=HelpStatus.OPEN,
        origin=Origin.DEVICE if actor.kind is ActorKind.DEVICE else Origin.STAFF,
        created_by=None if actor.kind is ActorKind.DEVICE else actor.id,
        created_at=said_at or now,
        received_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    _record(session, item, now)
    return item


def get_help(session: Session, actor: Actor, request_id: str) -> HelpRequest:
    """A request of a household the actor may see (speaker, family, staff); else NotFound."""
    visible = households_query(actor).with_only_columns(Household.id)
    item = session.scalar(
        select(HelpRequest).where(HelpRequest.id == request_id[:36], HelpRequest.household_id.in_(visible))
    )
    if item is None:
        raise NotFound("找不到这个帮扶请求", f"help request {request_id!r} not found")
    return item


def list_help(
    session: Session, actor: Actor, household_id: Optional[str] = None, limit: int = 200
) -> List[Tuple[HelpRequest, Household]]:
    """Requests of the households the actor may see (one household's when named), newest first."""
    visible = households_query(actor)
    if household_id is not None:
        visible = visible.where(Household.id == get_household(session, actor, household_id).id)
    homes = visible.subquery()
    rows = session.execute(
        select(HelpRequest, Household)
        .join(Household, Household.id == HelpRequest.household_id)
        .where(HelpRequest.household_id.in_(select(homes.c.id)))
        .order_by(HelpRequest.received_at.desc(), HelpRequest.id)
        .limit(limit)
    ).all()
    return [(r[0], r[1]) for r in rows]


def volunteer_names(session: Session, items: List[HelpRequest]) -> dict:
    """Login id → display name of the volunteers and confirming staff of these requests."""
    return volunteers.names(
        session, [i.volunteer_id or "" for i in items] + [i.confirmed_by or "" for i in items]
    )


def needs_volunteer(item: HelpRequest, now: datetime, settings: Settings) -> bool:
    """Open and not taken by anyone within Settings.help_escalate_after_minutes of its arrival."""
    wait = timedelta(minutes=settings.help_escalate_after_minutes)
    return item.status is HelpStatus.OPEN and now - item.received_at >= wait


# ---------------------------------------------------------------------- the volunteer's side
def _volunteer_rows(session: Session, actor: Actor) -> List[Tuple[HelpRequest, Household]]:
    community = actor.volunteer_community
    rows = session.execute(
        select(HelpRequest, Household)
        .join(Household, Household.id == HelpRequest.household_id)
        .where(
            HelpRequest.community_id == community,
            Household.deleted_at.is_(None),
            (HelpRequest.status == HelpStatus.OPEN)
            | (
                (HelpRequest.volunteer_id == actor.id)
                & HelpRequest.status.in_([HelpStatus.ACCEPTED, HelpStatus.DONE, HelpStatus.THANKED])
            ),
        )
        .order_by(HelpRequest.received_at, HelpRequest.id)
        .limit(300)
    ).all()
    return [(r[0], r[1]) for r in rows]


def _view(item: HelpRequest, home: Household, actor: Actor) -> HelpView:
    return HelpView(
        item.id,
        home.address_as,
        home.group_name,
        item.what,
        item.wanted_at,
        item.status,
        item.visit_at,
        item.volunteer_id == actor.id,
    )


def for_volunteer(session: Session, actor: Actor) -> List[HelpView]:
    """Open requests of the volunteer's community (oldest first) and the ones they took."""
    return [_view(item, home, actor) for item, home in _volunteer_rows(session, actor)]


def view_for_volunteer(session: Session, actor: Actor, request_id: str) -> HelpView:
    """One request the volunteer may see (open, or theirs); else NotFound."""
    for item, home in _volunteer_rows(session, actor):
        if item.id == request_id[:36]:
            return _view(item, home, actor)
    raise NotFound("找不到这个帮扶请求，可能已经有人接了", f"help request {request_id!r} not found")


def accept(session: Session, actor: Actor, request_id: str, visit_at: datetime, now: datetime) -> HelpRequest:
    """我来帮忙: the volunteer takes an open request and says when they will come. Exactly one of two
    volunteers pressing at once gets it (conditional UPDATE); the speaker hears who and when."""
    community = actor.volunteer_community
    visit_at = checks.moment("visit_at", visit_at, now, "上门时间")
    if visit_at < now - timedelta(minutes=5):
        raise Conflict("上门时间：不能早于现在", "visit_at: in the past")
    done = session.execute(
        update(HelpRequest)
        .where(
            HelpRequest.id == request_id[:36],
            HelpRequest.community_id == community,
            HelpRequest.status == HelpStatus.OPEN,
        )
        .values(
            status=HelpStatus.ACCEPTED,
            volunteer_id=actor.id,
            visit_at=visit_at,
            accepted_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        view_for_volunteer(session, actor, request_id)  # NotFound when it is not theirs to see
        raise Conflict("这个请求已经有志愿者接了", "help request is not open")
    item = session.get(HelpRequest, request_id[:36], populate_existing=True)
    assert item is not None
    _record(session, item, now)
    return item


def finish(session: Session, actor: Actor, request_id: str, now: datetime) -> HelpRequest:
    """已完成: the volunteer who took it says it is done (a second press changes nothing)."""
    community = actor.volunteer_community
    item = session.scalar(
        select(HelpRequest).where(
            HelpRequest.id == request_id[:36],
            HelpRequest.community_id == community,
            HelpRequest.volunteer_id == actor.id,
        )
    )
    if item is None:
        raise NotFound("找不到这个帮扶请求", f"help request {request_id!r} not found")
    if item.status in (HelpStatus.DONE, HelpStatus.THANKED):
        return item
    if item.status is not HelpStatus.ACCEPTED:
        raise Conflict(f"这个请求{SHOWN[item.status]}", f"cannot finish a {item.status.value} request")
    item.status, item.done_at, item.updated_at = HelpStatus.DONE, now, now
    _record(session, item, now)
    return item


# ---------------------------------------------------------------------- the elder's and staff's side
def thank(
    session: Session, actor: Actor, request_id: str, at: datetime, now: datetime, points: int
) -> Tuple[HelpRequest, bool]:
    """'谢谢小李': the elder thanks for an accepted or finished request (the speaker's `help.thanked`
    op); the volunteer gets the points once. (request, already): thanked before → nothing changes."""
    if actor.kind is not ActorKind.DEVICE:
        raise Forbidden("道谢由老人的音箱发出")
    item = get_help(session, actor, request_id)
    if item.status is HelpStatus.THANKED:
        return item, True
    if item.status not in (HelpStatus.ACCEPTED, HelpStatus.DONE):
        raise Conflict(
            f"这个请求{SHOWN[item.status]}，不能道谢", f"cannot thank a {item.status.value} request"
        )
    item.status, item.thanked_at, item.updated_at = HelpStatus.THANKED, at, now
    item.done_at = item.done_at or now
    volunteers.award_for_help(session, item, points, None, now)
    _record(session, item, now)
    return item, False


def confirm(
    session: Session, actor: Actor, request_id: str, now: datetime, points: int
) -> Tuple[HelpRequest, bool]:
    """Staff confirm an accepted or finished request was done; the volunteer gets the points once.
    (request, given): given False when the points were given already (thanks, another click)."""
    _ = actor.staff_community
    item = get_help(session, actor, request_id)
    if item.status not in (HelpStatus.ACCEPTED, HelpStatus.DONE, HelpStatus.THANKED):
        raise Conflict(
            f"这个请求{SHOWN[item.status]}，不能确认完成", f"cannot confirm a {item.status.value} request"
        )
    if item.status is HelpStatus.ACCEPTED:
        item.status, item.done_at = HelpStatus.DONE, now
    item.confirmed_by = item.confirmed_by or actor.id
    item.updated_at = now
    given = volunteers.award_for_help(session, item, points, actor.id, now)
    _record(session, item, now)
    return item, given


def cancel(session: Session, actor: Actor, request_id: str, now: datetime) -> HelpRequest:
    """Staff cancel an open or accepted request (the elder no longer needs it)."""
    _ = actor.staff_community
    item = get_help(session, actor, request_id)
    if item.status is HelpStatus.CANCELLED:
        return item
    if item.status not in (HelpStatus.OPEN, HelpStatus.ACCEPTED):
        raise Conflict(
            f"这个请求{SHOWN[item.status]}，不能取消", f"cannot cancel a {item.status.value} request"
        )
    item.status, item.cancelled_at, item.updated_at = HelpStatus.CANCELLED, now, now
    _record(session, item, now)
    return item


def volunteer_of(session: Session, item: HelpRequest) -> str:
    """The display name of the volunteer who took it ('' when none)."""
    if item.volunteer_id is None:
        return ""
    user = session.get(User, item.volunteer_id)
    return user.display_name if user else ""
