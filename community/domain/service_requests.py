"""Service requests (体检, 送餐, 用车 …) from a household, handled by staff."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor, ActorKind, default_household, get_household, households_query
from ..changes import record_change
from ..errors import Conflict, Forbidden, NotFound
from ..models import Entity, Household, Origin, ServiceKind, ServiceRequest, ServiceStatus
from . import checks

_LOGGER = logging.getLogger(__name__)
_ORIGIN = {ActorKind.FAMILY: Origin.FAMILY, ActorKind.STAFF: Origin.STAFF, ActorKind.DEVICE: Origin.DEVICE}
_STAFF_MOVES = {
    ServiceStatus.PENDING: {ServiceStatus.CONFIRMED, ServiceStatus.REJECTED},
    ServiceStatus.CONFIRMED: {ServiceStatus.DONE, ServiceStatus.CANCELLED},
}


def create_request(
    session: Session,
    actor: Actor,
    household_id: Optional[str],
    kind: ServiceKind,
    details: str,
    wanted_at: Optional[datetime],
    now: datetime,
    request_id: Optional[str] = None,
) -> ServiceRequest:
    household = get_household(session, actor, default_household(actor, household_id))
    item = ServiceRequest(
        id=checks.object_id("id", request_id) or None,
        household_id=household.id,
        kind=checks.choice("kind", ServiceKind, kind),
        details=checks.text("details", details, 0, 500),
        wanted_at=checks.moment("wanted_at", wanted_at, now) if wanted_at else None,
        status=ServiceStatus.PENDING,
        origin=_ORIGIN[actor.kind],
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    record_change(session, household.community_id, household.id, Entity.SERVICE_REQUEST, item.id, now)
    return item


_SHOWN = {
    ServiceStatus.PENDING: "还在等待处理",
    ServiceStatus.CONFIRMED: "已确认",
    ServiceStatus.REJECTED: "已拒绝",
    ServiceStatus.DONE: "已完成",
    ServiceStatus.CANCELLED: "已取消",
}
"""A request's state in a sentence ("这个申请已完成，不能再取消")."""


def get_request(session: Session, actor: Actor, request_id: str) -> ServiceRequest:
    visible = households_query(actor).with_only_columns(Household.id)
    item = session.scalar(
        select(ServiceRequest).where(
            ServiceRequest.id == request_id, ServiceRequest.household_id.in_(visible)
        )
    )
    if item is None:
        raise NotFound("找不到这个服务申请", f"service request {request_id!r} not found")
    return item


def list_requests(session: Session, actor: Actor) -> List[ServiceRequest]:
    visible = households_query(actor).with_only_columns(Household.id)
    query = select(ServiceRequest).where(ServiceRequest.household_id.in_(visible))
    return list(session.scalars(query.order_by(ServiceRequest.created_at.desc()).limit(200)))


def cancel_for_household(
    session: Session, actor: Actor, request_id: str, now: datetime
) -> Tuple[ServiceRequest, bool]:
    """The elder cancels by voice ('体检我不去了'): a pending or confirmed request of the household becomes
    cancelled (staff see it on their services page); (request, already) — one cancelled before is left
    as it is; a finished or rejected one cannot be cancelled."""
    item = get_request(session, actor, request_id)
    if item.status is ServiceStatus.CANCELLED:
        return item, True
    if item.status not in (ServiceStatus.PENDING, ServiceStatus.CONFIRMED):
        raise Conflict(
            f"这个申请{_SHOWN[item.status]}，不能再取消", f"cannot cancel a {item.status.value} request"
        )
    item.status, item.updated_at = ServiceStatus.CANCELLED, now
    household = get_household(session, actor, item.household_id)
    record_change(session, household.community_id, household.id, Entity.SERVICE_REQUEST, item.id, now)
    return item, False


def set_request_status(
    session: Session, actor: Actor, request_id: str, status: ServiceStatus, now: datetime
) -> ServiceRequest:
    """Staff confirm/reject/finish; the household may only cancel a pending request."""
    item = get_request(session, actor, request_id)
    status = checks.choice("status", ServiceStatus, status)
    if actor.is_staff:
        allowed = _STAFF_MOVES.get(item.status, set())
    elif status is ServiceStatus.CANCELLED:
        allowed = {ServiceStatus.CANCELLED} if item.status is ServiceStatus.PENDING else set()
    else:
        raise Forbidden("只有社区工作人员可以处理服务申请")
    if status not in allowed:
        raise Conflict(
            f"这个申请{_SHOWN[item.status]}，不能再改成“{_SHOWN[status].removeprefix('已')}”",
            f"cannot change a {item.status.value} request to {status.value}",
        )
    item.status, item.updated_at = status, now
    household = get_household(session, actor, item.household_id)
    record_change(session, household.community_id, household.id, Entity.SERVICE_REQUEST, item.id, now)
    return item
