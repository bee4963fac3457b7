"""Staff pages for homes: households, family logins, speakers and pairing codes, volunteer points."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Dict
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ..actors import Actor
from ..api import deps
from ..api.routing import ReleasingRoute
from ..config import Settings
from ..domain import accounts, devices, points, service_requests
from ..domain.households import HouseholdInput, create_household, deleted_households, list_households
from ..errors import CommunityError, InvalidInput
from ..models import Dialect, ServiceStatus
from .render import check_csrf, form_int, posted_form, redirect
from .staff import page, staff_actor

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/staff", include_in_schema=False, route_class=ReleasingRoute)


def _households(
    request: Request,
    session: Session,
    who: Actor,
    fields: Dict[str, str],
    error: str = "",
    status: int = 200,
    notice: str = "",
) -> Response:
    homes = list_households(session, who)
    logins = accounts.family_logins(session, who, request.app.state.clock.now())
    ended = request.query_params.get("ended", "")
    for login in logins:
        if login.user_id == ended and not notice:
            notice = f"已让 {login.display_name}（{login.username}）在所有手机和电脑上退出登录。"
    if request.query_params.get("deleted") and not notice:
        notice = "已删除。它的记录还在，可以在本页下方“已删除的住户”里恢复。"
    return page(
        request,
        session,
        who,
        "staff/households.html",
        {
            "homes": homes,
            "homes_by_id": {h.id: h for h in homes},
            "deleted": deleted_households(session, who),
            "logins": logins,
            "balances": points.balances(session, who),
            "f": fields,
            "error": error,
            "notice": notice,
            "dialects": [d.value for d in Dialect],
            "tab": "households",
        },
        status,
    )


@router.get("/households")
def household_list(
    request: Request, who: Actor = Depends(staff_actor), session: Session = Depends(deps.db_session)
) -> Response:
    return _households(request, session, who, {"dialect": "mandarin"})


@router.post("/households")
def add_household(
    request: Request,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    try:
        dialect = fields.get("dialect", "")
        if dialect not in {d.value for d in Dialect}:
            raise InvalidInput("请选择方言")
        create_household(
            session,
            who,
            HouseholdInput(
                fields.get("elder_name", ""),
                fields.get("address_as", ""),
                Dialect(dialect),
                fields.get("group_name", ""),
            ),
            at,
        )
    except CommunityError as exc:
        session.rollback()
        return _households(request, session, who, fields, exc.message, exc.status)
    session.commit()
    return redirect("/staff/households")


def _devices(
    request: Request, session: Session, who: Actor, context: Dict[str, object], status: int = 200
) -> Response:
    homes = {h.id: h for h in list_households(session, who)}
    return page(
        request,
        session,
        who,
        "staff/devices.html",
        {
            "devices": devices.list_devices(session, who),
            "codes": devices.recent_codes(session, who, request.app.state.clock.now()),
            "guesses_per_code": request.app.state.throttle.rules.guesses_per_code,
            "homes": homes,
            "tab": "devices",
            "code": None,
            "error": "",
            **context,
        },
        status,
    )


@router.get("/devices")
def device_list(
    request: Request, who: Actor = Depends(staff_actor), session: Session = Depends(deps.db_session)
) -> Response:
    return _devices(request, session, who, {})


@router.post("/pairing-codes")
def make_code(
    request: Request,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    settings: Settings = Depends(deps.settings),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    issued = devices.create_pairing_code(
        session, who, fields.get("household_id", "")[:36], at, settings.pairing_minutes
    )
    session.commit()
    return _devices(request, session, who, {"code": issued})


@router.post("/devices/{device_id}/revoke")
def revoke(
    request: Request,
    device_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    devices.revoke_device(session, who, device_id, at)
    session.commit()
    return redirect("/staff/devices")


def _points(
    request: Request, session: Session, who: Actor, fields: Dict[str, str], error: str = "", status: int = 200
) -> Response:
    homes = {h.id: h for h in list_households(session, who)}
    return page(
        request,
        session,
        who,
        "staff/points.html",
        {
            "ledger": points.ledger(session, who),
            "balances": points.balances(session, who),
            "homes": homes,
            "f": fields,
            "error": error,
            "tab": "points",
        },
        status,
    )


@router.get("/points")
def pointspage(
    request: Request, who: Actor = Depends(staff_actor), session: Session = Depends(deps.db_session)
) -> Response:
    return _points(request, session, who, {})


@router.post("/points")
def add_points(
    request: Request,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    try:
        points.add_points(
            session,
            who,
            fields.get("household_id", "")[:36],
            form_int(fields, "points", "积分"),
            fields.get("reason", ""),
            at,
        )
    except CommunityError as exc:
        session.rollback()
        return _points(request, session, who, fields, exc.message, exc.status)
    session.commit()
    return redirect("/staff/points")


@router.post("/family")
def add_family(
    request: Request,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    try:
        accounts.invite_family(
            session,
            who,
            fields.get("household_id", "")[:36],
            fields.get("username", ""),
            fields.get("display_name", ""),
            fields.get("password", ""),
            fields.get("relation", ""),
        )
    except CommunityError as exc:
        session.rollback()
        return _households(request, session, who, fields, exc.message, exc.status)
    session.commit()
    return redirect("/staff/households")


@router.post("/family/{user_id}/end-sessions")
def end_family_sessions(
    user_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    """Log a family login out everywhere (lost phone, a shared computer, a password given away)."""
    check_csrf(fields, who)
    accounts.end_sessions(session, who, user_id[:36])
    session.commit()
    return redirect(f"/staff/households?ended={quote(user_id[:36])}")


@router.get("/services")
def services_page(
    request: Request, who: Actor = Depends(staff_actor), session: Session = Depends(deps.db_session)
) -> Response:
    homes = {h.id: h for h in list_households(session, who)}
    items = service_requests.list_requests(session, who)
    return page(
        request, session, who, "staff/services.html", {"items": items, "homes": homes, "tab": "services"}
    )


@router.post("/services/{request_id}/{status}")
def set_service_status(
    request: Request,
    request_id: str,
    status: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    if status not in {s.value for s in ServiceStatus}:
        raise InvalidInput("不认识的状态，请从服务申请页面重新操作", f"unknown status {status!r}")
    service_requests.set_request_status(session, who, request_id, ServiceStatus(status), at)
    session.commit()
    return redirect("/staff/services")
