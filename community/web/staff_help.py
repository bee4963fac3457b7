"""Staff pages of issue 16: help requests (志愿帮扶) and volunteers with their points.

/staff/help lists every request of the community with its state, takes one down for an elder
(who asked by phone or at the desk), confirms one done (the volunteer's points, once) and cancels one
after a confirmation page. /staff/volunteers makes volunteer logins and lists them with their points;
a volunteer's page shows the ledger and adjusts it with a reason, after a confirmation page.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Dict, Optional

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ..actors import Actor, community_zone
from ..api import deps
from ..api.routing import ReleasingRoute
from ..domain import help_requests, volunteers
from ..domain.households import list_households
from ..errors import CommunityError, Conflict
from .render import check_csrf, form_int, form_local_datetime, posted_form, redirect
from .staff import page, staff_actor

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/staff", include_in_schema=False, route_class=ReleasingRoute)


def _help_page(
    request: Request,
    session: Session,
    who: Actor,
    at: datetime,
    fields: Dict[str, str],
    error: str = "",
    status: int = 200,
) -> Response:
    rows = help_requests.list_help(session, who)
    settings = request.app.state.settings
    context = {
        "rows": rows,
        "names": help_requests.volunteer_names(session, [r for r, _ in rows]),
        "late": {r.id for r, _ in rows if help_requests.needs_volunteer(r, at, settings)},
        "shown": help_requests.SHOWN,
        "homes": list_households(session, who),
        "f": fields,
        "error": error,
        "notice": request.query_params.get("notice", "")[:20],
        "tab": "help",
    }
    return page(request, session, who, "staff/help.html", context, status)


@router.get("/help")
def help_list(
    request: Request,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    return _help_page(request, session, who, at, {})


@router.post("/help")
def create_help(
    request: Request,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    """Staff take a request down for an elder."""
    check_csrf(fields, who)
    zone = community_zone(session, who.staff_community)
    try:
        wanted: Optional[datetime] = None
        if fields.get("wanted_at", "").strip():
            wanted = form_local_datetime(fields, "wanted_at", "希望的时间", zone)
        household = fields.get("household_id", "")[:36]
        help_requests.create_help(session, who, household or None, fields.get("what", ""), wanted, at)
    except CommunityError as exc:
        session.rollback()
        return _help_page(request, session, who, at, fields, exc.message, exc.status)
    session.commit()
    return redirect("/staff/help?notice=created")


@router.post("/help/{request_id}/confirm")
def confirm_help(
    request: Request,
    request_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    """确认完成: the volunteer's points, once (a second click, or after the elder's thanks: none)."""
    check_csrf(fields, who)
    try:
        _, given = help_requests.confirm(session, who, request_id, at, request.app.state.settings.help_points)
    except Conflict as exc:
        session.rollback()
        return _help_page(request, session, who, at, {}, exc.message, exc.status)
    session.commit()
    return redirect("/staff/help?notice=" + ("points" if given else "confirmed"))


@router.get("/help/{request_id}/cancel")
def confirm_cancel_help(
    request: Request,
    request_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
) -> Response:
    item = help_requests.get_help(session, who, request_id)
    lost = [f"“{item.what}”不再等人帮忙，志愿者页面上不再显示。"]
    if item.volunteer_id:
        lost.append(
            f"志愿者{help_requests.volunteer_of(session, item)}已经接了这件事：请打电话告诉他不用去了。"
        )
    return page(
        request,
        session,
        who,
        "staff/confirm.html",
        {
            "heading": "取消这个帮扶请求？",
            "lost": lost,
            "action": f"/staff/help/{item.id}/cancel",
            "button": "确定取消",
            "back": "/staff/help",
            "tab": "help",
        },
    )


@router.post("/help/{request_id}/cancel")
def cancel_help(
    request: Request,
    request_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    try:
        help_requests.cancel(session, who, request_id, at)
    except Conflict as exc:
        session.rollback()
        return _help_page(request, session, who, at, {}, exc.message, exc.status)
    session.commit()
    return redirect("/staff/help")


# ---------------------------------------------------------------------- volunteers and their points
def _volunteers_page(
    request: Request, session: Session, who: Actor, fields: Dict[str, str], error: str = "", status: int = 200
) -> Response:
    homes = list_households(session, who)
    context = {
        "volunteers": volunteers.list_volunteers(session, who),
        "homes": homes,
        "home_names": {h.id: h.elder_name for h in homes},
        "f": fields,
        "error": error,
        "tab": "help",
    }
    return page(request, session, who, "staff/volunteers.html", context, status)


@router.get("/volunteers")
def volunteer_list(
    request: Request, who: Actor = Depends(staff_actor), session: Session = Depends(deps.db_session)
) -> Response:
    return _volunteers_page(request, session, who, {})


@router.post("/volunteers")
def create_volunteer(
    request: Request,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    try:
        user = volunteers.create_volunteer(
            session,
            who,
            fields.get("name", "")[:100],
            fields.get("phone", "")[:40],
            fields.get("password", "")[:128],
            fields.get("household_id", "")[:36] or None,
        )
    except CommunityError as exc:
        session.rollback()
        kept = {k: v for k, v in fields.items() if k != "password"}
        return _volunteers_page(request, session, who, kept, exc.message, exc.status)
    session.commit()
    return redirect(f"/staff/volunteers/{user.id}")


def _volunteer_page(
    request: Request,
    session: Session,
    who: Actor,
    user_id: str,
    fields: Dict[str, str],
    error: str = "",
    status: int = 200,
) -> Response:
    person = volunteers.get_volunteer(session, who, user_id)
    entries = volunteers.ledger(session, who, person.user_id)
    homes = {h.id: h for h in list_households(session, who)}
    context = {
        "person": person,
        "entries": entries,
        "by": volunteers.names(session, [e.confirmed_by or "" for e in entries]),
        "own_home": homes.get(person.household_id or ""),
        "f": fields,
        "error": error,
        "tab": "help",
    }
    return page(request, session, who, "staff/volunteer.html", context, status)


@router.get("/volunteers/{user_id}")
def volunteer_detail(
    request: Request,
    user_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
) -> Response:
    return _volunteer_page(request, session, who, user_id, {})


@router.post("/volunteers/{user_id}/adjust")
def adjust_points(
    request: Request,
    user_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    """First press: a confirmation page saying what will change; 确定 (confirmed=1) records it."""
    check_csrf(fields, who)
    person = volunteers.get_volunteer(session, who, user_id)
    kept = {"points": fields.get("points", "")[:20], "reason": fields.get("reason", "")[:200]}
    try:
        delta = form_int(kept, "points", "积分")
        if fields.get("confirmed") != "1":
            volunteers.adjust(session, who, person.user_id, delta, kept["reason"], at)  # checks only
            session.rollback()
            after = person.points + delta
            return page(
                request,
                session,
                who,
                "staff/confirm.html",
                {
                    "heading": f"给{person.name}{'加' if delta > 0 else '扣'} {abs(delta)} 分？",
                    "lost": [
                        f"事由：{kept['reason'].strip()}",
                        f"现在 {person.points} 分，之后 {after} 分。",
                    ],
                    "kept": "积分记录不能删除；记错了可以再记一笔相反的。",
                    "action": f"/staff/volunteers/{person.user_id}/adjust",
                    "hidden": {**kept, "confirmed": "1"},
                    "button": "确定",
                    "back": f"/staff/volunteers/{person.user_id}",
                    "tab": "help",
                },
            )
        volunteers.adjust(session, who, person.user_id, delta, kept["reason"], at)
    except CommunityError as exc:
        session.rollback()
        return _volunteer_page(request, session, who, person.user_id, kept, exc.message, exc.status)
    session.commit()
    return redirect(f"/staff/volunteers/{person.user_id}")
