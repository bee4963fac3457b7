"""Staff pages of issue 16: voice polls (活动调查) and skill offers (技能教学).

/staff/polls makes a poll (a question and 2–4 short spoken options, for all homes or one group) and
lists the polls with their results; a poll's page refreshes its results every few seconds
(static/app.js, data-refresh) and can close it. /staff/skills lists what elders offered to teach by
voice; 开成活动 opens the activity form filled in from the offer, and saving it makes the elder the
activity's teacher (their speaker is told, and hears its sign-up count); 暂不安排 declines it kindly.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Dict

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from ..actors import Actor, community_zone
from ..api import deps
from ..api.routing import ReleasingRoute
from ..clock import to_local
from ..domain import activities, polls, skills
from ..domain.households import list_households
from ..errors import CommunityError, InvalidInput
from ..models import ActivityCategory, AnnouncementTarget
from .render import DATE_TIME, TEMPLATES, check_csrf, posted_form, redirect, shown_time
from .staff import _activity_input, page, staff_actor

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/staff", include_in_schema=False, route_class=ReleasingRoute)
_LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def _polls_page(request: Request, session: Session, who: Actor, fields: Dict[str, str], error: str = "",
                status: int = 200) -> Response:
    groups = sorted({h.group_name for h in list_households(session, who) if h.group_name})
    context = {"rows": polls.list_polls(session, who), "groups": groups, "f": fields, "error": error,
               "notice": request.query_params.get("notice", "")[:20], "tab": "polls"}
    return page(request, session, who, "staff/polls.html", context, status)


@router.get("/polls")
def poll_list(request: Request, who: Actor = Depends(staff_actor),
              session: Session = Depends(deps.db_session)) -> Response:
    return _polls_page(request, session, who, {})


@router.post("/polls")
def create_poll(request: Request, who: Actor = Depends(staff_actor),
                session: Session = Depends(deps.db_session), at: datetime = Depends(deps.now),
                fields: Dict[str, str] = Depends(posted_form)) -> Response:
    check_csrf(fields, who)
    group = fields.get("group_name", "").strip()
    data = polls.PollInput(fields.get("question", ""),
                           [fields.get(f"option{i}", "") for i in range(1, polls.MAX_OPTIONS + 1)],
                           AnnouncementTarget.GROUP if group else AnnouncementTarget.ALL, group)
    try:
        poll = polls.create_poll(session, who, data, at)
    except CommunityError as exc:
        session.rollback()
        return _polls_page(request, session, who, fields, exc.message, exc.status)
    session.commit()
    return redirect(f"/staff/polls/{poll.id}?notice=created")


def _results_context(session: Session, who: Actor, poll_id: str) -> Dict[str, object]:
    result = polls.results(session, polls.get_poll(session, who, poll_id))
    return {"r": result, "shown": polls.CHOICES_SHOWN}


@router.get("/polls/{poll_id}")
def poll_detail(request: Request, poll_id: str, who: Actor = Depends(staff_actor),
                session: Session = Depends(deps.db_session)) -> Response:
    context = {**_results_context(session, who, poll_id), "tab": "polls",
               "notice": request.query_params.get("notice", "")[:20]}
    return page(request, session, who, "staff/poll.html", context)


@router.get("/polls/{poll_id}/results")
def poll_results(request: Request, poll_id: str, who: Actor = Depends(staff_actor),
                 session: Session = Depends(deps.db_session), at: datetime = Depends(deps.now)) -> Response:
    """The results part alone, for the page's refresh (static/app.js): {"html": "…"}."""
    zone = community_zone(session, who.staff_community)
    context = {"request": request, "who": who, "fmt": lambda v, p=DATE_TIME: shown_time(v, zone, at, p),
               **_results_context(session, who, poll_id)}
    html = TEMPLATES.env.get_template("staff/_poll_results.html").render(context)
    return JSONResponse({"html": html})


@router.post("/polls/{poll_id}/close")
def close_poll(request: Request, poll_id: str, who: Actor = Depends(staff_actor),
               session: Session = Depends(deps.db_session), at: datetime = Depends(deps.now),
               fields: Dict[str, str] = Depends(posted_form)) -> Response:
    check_csrf(fields, who)
    polls.close_poll(session, who, poll_id, at)
    session.commit()
    return redirect(f"/staff/polls/{poll_id}?notice=closed")


# ---------------------------------------------------------------------- skill offers
@router.get("/skills")
def skill_list(request: Request, who: Actor = Depends(staff_actor),
               session: Session = Depends(deps.db_session)) -> Response:
    context = {"rows": skills.list_offers(session, who), "shown": skills.SHOWN, "tab": "help",
               "notice": request.query_params.get("notice", "")[:20]}
    return page(request, session, who, "staff/skills.html", context)


def _offer_form(request: Request, session: Session, who: Actor, offer_id: str, fields: Dict[str, str],
                error: str = "", status: int = 200) -> Response:
    offer, household = skills.get_offer(session, who, offer_id)
    context = {"activity": None, "f": fields, "error": error, "tab": "activities",
               "categories": [c.value for c in ActivityCategory],
               "action": f"/staff/skills/{offer.id}/activity",
               "teacher": f"{household.elder_name}（{household.address_as}）", "offer": offer}
    return page(request, session, who, "staff/activity_form.html", context, status)


@router.get("/skills/{offer_id}/activity")
def offer_activity_form(request: Request, offer_id: str, who: Actor = Depends(staff_actor),
                        session: Session = Depends(deps.db_session),
                        at: datetime = Depends(deps.now)) -> Response:
    """开成活动: the activity form, filled in from the offer (the elder teaches it)."""
    offer, household = skills.get_offer(session, who, offer_id)
    start = to_local(at + timedelta(days=7), community_zone(session, who.staff_community)).replace(
        hour=10, minute=0, second=0, microsecond=0)
    fields = {"title": f"{offer.skill}班"[:60], "category": ActivityCategory.CULTURE.value,
              "starts_at": start.strftime(_LOCAL_INPUT),
              "ends_at": (start + timedelta(hours=1)).strftime(_LOCAL_INPUT),
              "capacity": "15", "description": f"由{household.address_as}来教{offer.skill}。"}
    return _offer_form(request, session, who, offer_id, fields)


@router.post("/skills/{offer_id}/activity")
def offer_activity(request: Request, offer_id: str, who: Actor = Depends(staff_actor),
                   session: Session = Depends(deps.db_session), at: datetime = Depends(deps.now),
                   fields: Dict[str, str] = Depends(posted_form)) -> Response:
    check_csrf(fields, who)
    try:
        skills.get_offer(session, who, offer_id)
        item = activities.create_activity(session, who, _activity_input(fields, session, who), at)
        skills.teach(session, who, offer_id, item, at)
    except CommunityError as exc:
        session.rollback()
        if isinstance(exc, InvalidInput):
            return _offer_form(request, session, who, offer_id, fields, exc.message, exc.status)
        raise
    session.commit()
    return redirect(f"/staff/activities/{item.id}")


@router.post("/skills/{offer_id}/decline")
def decline_offer(request: Request, offer_id: str, who: Actor = Depends(staff_actor),
                  session: Session = Depends(deps.db_session), at: datetime = Depends(deps.now),
                  fields: Dict[str, str] = Depends(posted_form)) -> Response:
    check_csrf(fields, who)
    skills.decline(session, who, offer_id, at)
    session.commit()
    return redirect("/staff/skills?notice=declined")
