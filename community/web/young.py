"""Pages of issue 16's young participants (青年参与者).

/young: the elders whose family allowed this young participant, each with their 新动向; /young/h/{id}: one
elder's 新动向. Staff make the logins on /staff/young; an elder's family allow and take back on the
family's people page (/family/h/{id}/young).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Dict

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ..actors import Actor
from ..api import deps
from ..api.routing import ReleasingRoute
from ..domain import happenings, young
from ..errors import CommunityError, Forbidden
from .family_common import family_actor
from .render import check_csrf, page_actor, posted_form, redirect, render
from .staff import page, staff_actor

_LOGGER = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False, route_class=ReleasingRoute)


def young_actor(who: Actor = Depends(page_actor)) -> Actor:
    if not who.is_young:
        raise Forbidden("这是青年参与者页面；只有青年参与者可以打开")
    return who


@router.get("/young")
def young_home(request: Request, who: Actor = Depends(young_actor),
               session: Session = Depends(deps.db_session)) -> Response:
    return render(request, "young/home.html", {"who": who, "homes": young.homes(session, who)})


@router.get("/young/h/{household_id}")
def young_news(request: Request, household_id: str, who: Actor = Depends(young_actor),
               session: Session = Depends(deps.db_session), at: datetime = Depends(deps.now)) -> Response:
    home, reader = young.reader_for(session, who, household_id)
    items = happenings.happenings(session, reader, home.id, at)
    context = {"who": who, "home": home, "items": items, "days": happenings.DAYS}
    return render(request, "young/news.html", context)


# ---------------------------------------------------------------------- the family allows
@router.post("/family/h/{household_id}/young")
def allow_young(request: Request, household_id: str, who: Actor = Depends(family_actor),
                session: Session = Depends(deps.db_session), at: datetime = Depends(deps.now),
                fields: Dict[str, str] = Depends(posted_form)) -> Response:
    check_csrf(fields, who)
    try:
        young.allow(session, who, household_id, fields.get("phone", "")[:40], at)
    except CommunityError as exc:
        session.rollback()
        return redirect(f"/family/h/{household_id}/people?young_error={exc.status}")
    session.commit()
    return redirect(f"/family/h/{household_id}/people?notice=young")


@router.post("/family/h/{household_id}/young/{user_id}/remove")
def disallow_young(household_id: str, user_id: str, who: Actor = Depends(family_actor),
                   session: Session = Depends(deps.db_session),
                   fields: Dict[str, str] = Depends(posted_form)) -> Response:
    check_csrf(fields, who)
    young.disallow(session, who, household_id, user_id)
    session.commit()
    return redirect(f"/family/h/{household_id}/people?notice=young_removed")


# ---------------------------------------------------------------------- staff make the logins
def _young_page(request: Request, session: Session, who: Actor, fields: Dict[str, str], error: str = "",
                status: int = 200) -> Response:
    context = {"people": young.list_young(session, who), "f": fields, "error": error, "tab": "help"}
    return page(request, session, who, "staff/young.html", context, status)


@router.get("/staff/young")
def young_list(request: Request, who: Actor = Depends(staff_actor),
               session: Session = Depends(deps.db_session)) -> Response:
    return _young_page(request, session, who, {})


@router.post("/staff/young")
def create_young(request: Request, who: Actor = Depends(staff_actor),
                 session: Session = Depends(deps.db_session),
                 fields: Dict[str, str] = Depends(posted_form)) -> Response:
    check_csrf(fields, who)
    try:
        young.create_young(session, who, fields.get("name", "")[:100], fields.get("phone", "")[:40],
                           fields.get("password", "")[:128], fields.get("volunteer") == "1")
    except CommunityError as exc:
        session.rollback()
        kept = {k: v for k, v in fields.items() if k != "password"}
        return _young_page(request, session, who, kept, exc.message, exc.status)
    session.commit()
    return redirect("/staff/young")
