"""Family self-service (issue 15, point 5): service requests, the whole reminder history, who can
see the elder, and changing one's own password."""

from __future__ import annotations

import logging
import math
from datetime import datetime
from typing import Dict

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ..actors import Actor, get_household
from ..api import deps
from ..api.routing import ReleasingRoute
from ..domain import family_account, happenings, help_requests, presence, reminders, service_requests, young
from ..domain.households import list_households
from ..domain.reminders import OccurrenceState
from ..errors import CommunityError, Forbidden
from ..models import ServiceStatus
from ..security import Throttle
from .family_common import family_actor, family_page
from .render import check_csrf, posted_form, redirect

_LOGGER = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False, route_class=ReleasingRoute)
HISTORY_DAYS = 180
"""How far back the reminder history goes, days."""
PAGE_SIZE = 30
"""Occurrences per history page."""


# ---------------------------------------------------------------------- service requests
def _services_page(
    request: Request, session: Session, who: Actor, household_id: str, error: str = "", status: int = 200
) -> Response:
    household = get_household(session, who, household_id)
    items = [r for r in service_requests.list_requests(session, who) if r.household_id == household.id]
    helps = [r for r, _ in help_requests.list_help(session, who, household.id)]
    return family_page(
        request,
        session,
        who,
        household.id,
        "family/services.html",
        {
            "requests": items,
            "helps": helps,
            "help_names": help_requests.volunteer_names(session, helps),
            "help_shown": help_requests.SHOWN,
            "tab": "services",
            "error": error,
            "notice": request.query_params.get("done", ""),
        },
        status,
        household,
        back=f"/family/h/{household.id}/services",
    )


@router.get("/h/{household_id}/services")
def services_page(
    request: Request,
    household_id: str,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
) -> Response:
    return _services_page(request, session, who, household_id)


@router.post("/services/{request_id}/cancel")
def cancel_service(
    request: Request,
    request_id: str,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    """Cancel a request still waiting for staff (the page asks first); staff see it cancelled."""
    check_csrf(fields, who)
    item = service_requests.get_request(session, who, request_id[:36])
    household_id = item.household_id
    if item.status is not ServiceStatus.PENDING:
        session.rollback()
        shown = {
            ServiceStatus.CONFIRMED: "社区已经确认了这个申请，不能在网页上取消；需要取消请联系社区工作人员",
            ServiceStatus.CANCELLED: "这个申请已经取消了",
        }.get(item.status, "这个申请已经处理完了，不能再取消")
        return _services_page(request, session, who, household_id, shown, 409)
    try:
        service_requests.set_request_status(session, who, item.id, ServiceStatus.CANCELLED, at)
    except CommunityError as exc:
        session.rollback()
        return _services_page(request, session, who, household_id, exc.message, exc.status)
    session.commit()
    return redirect(f"/family/h/{household_id}/services?done=cancelled")


# ---------------------------------------------------------------------- reminder history
def _page_number(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) < 6 else 1


@router.get("/h/{household_id}/history")
def history_page(
    request: Request,
    household_id: str,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    """Every past occurrence of the last HISTORY_DAYS days, newest first, PAGE_SIZE a page;
    ?only=unconfirmed keeps those nobody confirmed (未确认, 已错过, 未配对音箱)."""
    household = get_household(session, who, household_id)
    only = request.query_params.get("only", "")
    only = only if only == "unconfirmed" else ""
    rows = [
        o
        for o in reminders.occurrences(session, who, household.id, at, days_back=HISTORY_DAYS, days_ahead=0)
        if o.state is not OccurrenceState.UPCOMING
        and (not only or o.state is OccurrenceState.UNACKNOWLEDGED)
    ]
    pages = max(1, math.ceil(len(rows) / PAGE_SIZE))
    number = min(_page_number(request.query_params.get("page", "1")), pages)
    shown = rows[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    return family_page(
        request,
        session,
        who,
        household.id,
        "family/history.html",
        {
            "occurrences": shown,
            "total": len(rows),
            "page": number,
            "pages": pages,
            "only": only,
            "days": HISTORY_DAYS,
            "speakers_then": presence.history(session, household.id),
            "tab": "reminders",
        },
        household=household,
    )


# ---------------------------------------------------------------------- 新动向 (issue 16)
@router.get("/h/{household_id}/news")
def news_page(
    request: Request,
    household_id: str,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    """What the elder has been doing, newest first: activities, reminders, help, messages, polls, skills."""
    household = get_household(session, who, household_id)
    return family_page(
        request,
        session,
        who,
        household.id,
        "family/news.html",
        {"items": happenings.happenings(session, who, household.id, at), "days": happenings.DAYS,
         "tab": "news"},
        household=household,
    )


# ---------------------------------------------------------------------- who can see the elder
@router.get("/h/{household_id}/people")
def people_page(
    request: Request,
    household_id: str,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    household = get_household(session, who, household_id)
    speakers = presence.live_devices(session, [household.id])[household.id]
    return family_page(
        request,
        session,
        who,
        household.id,
        "family/people.html",
        {
            "viewers": family_account.viewers(session, who, household.id),
            "young_people": young.allowed(session, who, household.id),
            "devices": [(d, presence.device_status(d, at)) for d in speakers],
            "tab": "people",
        },
        household=household,
    )


# ---------------------------------------------------------------------- own password
def _first_home(session: Session, who: Actor, wanted: str) -> str:
    homes = [h.id for h in list_households(session, who)]
    if not homes:
        raise Forbidden("您的账号还没有关联老人，请联系社区工作人员")
    return wanted if wanted in homes else homes[0]


def _password_page(
    request: Request, session: Session, who: Actor, household_id: str, error: str = "", status: int = 200,
    notice: str = "",
) -> Response:
    return family_page(
        request,
        session,
        who,
        household_id,
        "family/password.html",
        {"tab": "people", "error": error, "notice": notice},
        status,
    )


@router.get("/password")
def password_form(
    request: Request, who: Actor = Depends(family_actor), session: Session = Depends(deps.db_session)
) -> Response:
    home = _first_home(session, who, request.query_params.get("h", ""))
    notice = "密码已经改好了。" if request.query_params.get("done") else ""
    ended = request.query_params.get("ended", "")
    if notice and ended.isdigit() and int(ended) > 0:
        notice += f"其他 {int(ended)} 处手机或电脑上的登录已经退出。"
    return _password_page(request, session, who, home, notice=notice)


@router.post("/password")
def change_password(
    request: Request,
    who: Actor = Depends(family_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    throttle: Throttle = Depends(deps.throttle),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    home = _first_home(session, who, fields.get("h", ""))
    session.close()  # the change runs in transactions of its own (the throttle's count is kept)
    try:
        ended = family_account.change_password(
            request.app.state.database,
            throttle,
            who,
            request.cookies.get(deps.SESSION_COOKIE, ""),
            fields.get("old_password", "")[:200],
            fields.get("new_password", "")[:200],
            fields.get("new_password2", "")[:200],
            at,
        )
    except CommunityError as exc:
        with request.app.state.database.reader() as fresh:
            return _password_page(request, fresh, who, home, exc.message, exc.status)
    return redirect(f"/family/password?h={home}&done=1&ended={ended}")
