"""Volunteer pages (/volunteer, issue 16): open help requests of the community, 我来帮忙 with a visit
time, 已完成, and the volunteer's own points. A phone page: one column, no script needed.

Only logins holding the volunteer role reach them (family and staff get 403; staff see every request
and every volunteer's ledger on their own pages). What a volunteer sees of an elder is
community.domain.help_requests.HelpView: the form of address, the building / group, what and when.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Dict

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ..actors import Actor, community_zone
from ..api import deps
from ..api.routing import ReleasingRoute
from ..clock import to_local
from ..domain import help_requests, volunteers
from ..errors import CommunityError, Forbidden
from .render import check_csrf, form_local_datetime, page_actor, posted_form, redirect, render

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/volunteer", include_in_schema=False, route_class=ReleasingRoute)
_LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def volunteer_actor(who: Actor = Depends(page_actor)) -> Actor:
    if not who.is_volunteer:
        raise Forbidden("这是志愿者页面；只有志愿者可以打开")
    return who


def _page(
    request: Request,
    session: Session,
    who: Actor,
    template: str,
    context: Dict[str, object],
    status: int = 200,
) -> Response:
    zone = community_zone(session, who.volunteer_community)
    return render(request, template, {"who": who, "shown": help_requests.SHOWN, **context}, status, zone)


@router.get("")
def volunteer_home(
    request: Request,
    who: Actor = Depends(volunteer_actor),
    session: Session = Depends(deps.db_session),
) -> Response:
    items = help_requests.for_volunteer(session, who)
    return _page(
        request,
        session,
        who,
        "volunteer/home.html",
        {
            "open": [i for i in items if not i.mine],
            "mine": [i for i in items if i.mine],
            "notice": request.query_params.get("notice", "")[:20],
            "tab": "help",
        },
    )


def _accept_page(
    request: Request,
    session: Session,
    who: Actor,
    request_id: str,
    fields: Dict[str, str],
    error: str = "",
    status: int = 200,
) -> Response:
    item = help_requests.view_for_volunteer(session, who, request_id)
    context = {"item": item, "f": fields, "error": error, "tab": "help"}
    return _page(request, session, who, "volunteer/accept.html", context, status)


@router.get("/help/{request_id}")
def accept_form(
    request: Request,
    request_id: str,
    who: Actor = Depends(volunteer_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    """我来帮忙: what the elder asked for and the visit time to give (the confirmation, no script)."""
    item = help_requests.view_for_volunteer(session, who, request_id)
    zone = community_zone(session, who.volunteer_community)
    default = item.wanted_at if item.wanted_at and item.wanted_at > at else None
    if default is None:
        default = to_local(at + timedelta(days=1), zone).replace(hour=10, minute=0, second=0, microsecond=0)
    return _accept_page(
        request, session, who, request_id, {"visit_at": to_local(default, zone).strftime(_LOCAL_INPUT)}
    )


@router.post("/help/{request_id}/accept")
def accept(
    request: Request,
    request_id: str,
    who: Actor = Depends(volunteer_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    zone = community_zone(session, who.volunteer_community)
    try:
        visit = form_local_datetime(fields, "visit_at", "上门时间", zone)
        help_requests.accept(session, who, request_id, visit, at)
    except CommunityError as exc:
        session.rollback()
        if exc.code == "not_found":
            raise
        return _accept_page(request, session, who, request_id, fields, exc.message, exc.status)
    session.commit()
    return redirect("/volunteer?notice=accepted")


@router.post("/help/{request_id}/done")
def finish(
    request: Request,
    request_id: str,
    who: Actor = Depends(volunteer_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    help_requests.finish(session, who, request_id, at)
    session.commit()
    return redirect("/volunteer?notice=done")


@router.get("/points")
def my_points(
    request: Request,
    who: Actor = Depends(volunteer_actor),
    session: Session = Depends(deps.db_session),
) -> Response:
    me = volunteers.get_volunteer(session, who, who.id)
    entries = volunteers.ledger(session, who, who.id)
    by = volunteers.names(session, [e.confirmed_by or "" for e in entries])
    context = {"me": me, "entries": entries, "by": by, "tab": "points"}
    return _page(request, session, who, "volunteer/points.html", context)
