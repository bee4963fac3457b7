"""Staff pages: dashboard with open alerts, activities and announcements."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Dict, Optional

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from ..actors import Actor, community_zone
from ..api import deps
from ..api.routing import ReleasingRoute
from ..clock import to_local
from ..domain import (
    activities,
    announcements,
    checks,
    deliveries,
    escalation,
    help_requests,
    messages,
    series,
)
from ..domain.activities import ActivityInput
from ..domain.announcements import AnnouncementInput
from ..domain.households import list_households
from ..errors import CommunityError, Conflict, Forbidden, InvalidInput, NotFound
from ..models import Activity, ActivityCategory, AnnouncementTarget
from . import staff_live
from .family_common import duration_text
from .render import check_csrf, form_int, form_local_datetime, page_actor, posted_form, redirect, render

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/staff", include_in_schema=False, route_class=ReleasingRoute)
_LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def staff_actor(who: Actor = Depends(page_actor)) -> Actor:
    if not who.is_staff:
        raise Forbidden("只有社区工作人员可以打开这个页面")
    return who


def page(
    request: Request,
    session: Session,
    who: Actor,
    template: str,
    context: Dict[str, object],
    status: int = 200,
) -> Response:
    zone = community_zone(session, who.staff_community)
    return render(request, template, {"who": who, **context}, status, zone)


@router.get("")
def dashboard(
    request: Request,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    cancelled = [
        (a, h)
        for a, h in messages.list_alerts(session, who)
        if a.cancelled_at is not None and a.cancelled_at > at - timedelta(days=1)
    ]
    soon = activities.list_activities(session, who, start=at, end=at + timedelta(days=7))
    board = staff_live.staff_live(session, who, at, request.app.state.settings)
    settings = request.app.state.settings
    helps = [
        (r, h)
        for r, h in help_requests.list_help(session, who)
        if r.status.value in ("open", "accepted", "done")
    ]
    return page(
        request,
        session,
        who,
        "staff/dashboard.html",
        {
            "cancelled": cancelled,
            "helps": helps,
            "help_late": [(r, h) for r, h in helps if help_requests.needs_volunteer(r, at, settings)],
            "help_names": help_requests.volunteer_names(session, [r for r, _ in helps]),
            "help_shown": help_requests.SHOWN,
            "help_wait": duration_text(settings.help_escalate_after_minutes),
            "soon": soon,
            "tab": "home",
            **staff_live.live_context(board, at),
        },
    )


@router.get("/live")
def live_part(
    request: Request,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    """The dashboard's poll (static/app.js): {"ids": [...], "html": "<div id=live>…"}."""
    board = staff_live.staff_live(session, who, at, request.app.state.settings)
    html = staff_live.live_html(request, session, who, board, at)
    return JSONResponse({"ids": board.ids, "html": html})


@router.post("/care/handle")
def handle_escalation(
    request: Request,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    """我来处理 on an escalation the family did not handle in time (someone quicker: no error)."""
    check_csrf(fields, who)
    try:
        household_id, key = fields.get("household_id", "")[:36], fields.get("key", "")
        escalation.handle(session, who, household_id, key, at, request.app.state.settings)
    except (Conflict, NotFound):  # someone was quicker, or it is over (the speaker is back)
        session.rollback()
    session.commit()
    return redirect("/staff")


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge(
    request: Request,
    alert_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    try:
        messages.acknowledge_alert(session, who, alert_id, at)
    except Conflict:  # someone was quicker (or the elder took it back): the dashboard shows it
        session.rollback()
    session.commit()
    return redirect("/staff")


@router.get("/activities")
def activity_list(
    request: Request,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    items = activities.list_activities(
        session, who, start=at - timedelta(days=1), end=at + timedelta(days=62)
    )
    today = to_local(at, community_zone(session, who.staff_community)).date()
    return page(
        request,
        session,
        who,
        "staff/activities.html",
        {
            "activities": items,
            "series": [(s, series.weekdays_text(s.weekdays)) for s in series.list_series(session, who)],
            "export_from": (today - timedelta(days=30)).isoformat(),
            "export_to": today.isoformat(),
            "today": today,
            "tab": "activities",
        },
    )


def _activity_input(fields: Dict[str, str], session: Session, who: Actor) -> ActivityInput:
    zone = community_zone(session, who.staff_community)
    category = fields.get("category", "")
    if category not in {c.value for c in ActivityCategory}:
        raise InvalidInput("请选择活动类别")
    return ActivityInput(
        fields.get("title", ""),
        ActivityCategory(category),
        fields.get("place", ""),
        form_local_datetime(fields, "starts_at", "开始时间", zone),
        form_local_datetime(fields, "ends_at", "结束时间", zone),
        form_int(fields, "capacity", "名额"),
        fields.get("description", ""),
    )


def _activity_form(
    request: Request,
    session: Session,
    who: Actor,
    item: Optional[Activity],
    fields: Dict[str, str],
    error: str = "",
    status: int = 200,
) -> Response:
    return page(
        request,
        session,
        who,
        "staff/activity_form.html",
        {
            "activity": item,
            "f": fields,
            "error": error,
            "tab": "activities",
            "categories": [c.value for c in ActivityCategory],
        },
        status,
    )


@router.get("/activities/new")
def new_activity(
    request: Request,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    start = to_local(at + timedelta(days=1), community_zone(session, who.staff_community)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    fields = {
        "starts_at": start.strftime(_LOCAL_INPUT),
        "ends_at": (start + timedelta(hours=1)).strftime(_LOCAL_INPUT),
        "capacity": "20",
        "category": "culture",
    }
    return _activity_form(request, session, who, None, fields)


@router.post("/activities/new")
def create_activity(
    request: Request,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    try:
        item = activities.create_activity(session, who, _activity_input(fields, session, who), at)
    except CommunityError as exc:
        session.rollback()
        return _activity_form(request, session, who, None, fields, exc.message, exc.status)
    session.commit()
    return redirect(f"/staff/activities/{item.id}")


# GET /staff/activities/{id} (details, check-in, points) is in web/staff_attendance.py.


@router.get("/activities/{activity_id}/edit")
def edit_activity(
    request: Request,
    activity_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
) -> Response:
    item = activities.get_activity(session, who, activity_id)
    zone = community_zone(session, item.community_id)
    fields = {
        "title": item.title,
        "category": item.category.value,
        "place": item.place,
        "description": item.description,
        "capacity": str(item.capacity),
        "starts_at": to_local(item.starts_at, zone).strftime(_LOCAL_INPUT),
        "ends_at": to_local(item.ends_at, zone).strftime(_LOCAL_INPUT),
    }
    return _activity_form(request, session, who, item, fields)


@router.post("/activities/{activity_id}/edit")
def update_activity(
    request: Request,
    activity_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    item = activities.get_activity(session, who, activity_id)
    try:
        activities.update_activity(session, who, activity_id, _activity_input(fields, session, who), at)
    except CommunityError as exc:
        session.rollback()
        return _activity_form(request, session, who, item, fields, exc.message, exc.status)
    session.commit()
    return redirect(f"/staff/activities/{activity_id}")


@router.post("/activities/{activity_id}/cancel")
def cancel_activity(
    request: Request,
    activity_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    activities.cancel_activity(session, who, activity_id, at)
    session.commit()
    return redirect(f"/staff/activities/{activity_id}")


def _announcements(
    request: Request,
    session: Session,
    who: Actor,
    at: datetime,
    fields: Dict[str, str],
    error: str = "",
    status: int = 200,
) -> Response:
    items = announcements.list_announcements(session, who, at)
    groups = sorted({h.group_name for h in list_households(session, who) if h.group_name})
    delivered = deliveries.counts(session, who, items)
    return page(
        request,
        session,
        who,
        "staff/announcements.html",
        {
            "announcements": items,
            "delivered": delivered,
            "groups": groups,
            "f": fields,
            "error": error,
            "now": at,
            "tab": "announcements",
        },
        status,
    )


@router.get("/announcements")
def announcement_list(
    request: Request,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    return _announcements(request, session, who, at, {"target": "all", "days": "7"})


@router.post("/announcements")
def create_announcement(
    request: Request,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    zone = community_zone(session, who.staff_community)
    try:
        publish = (
            form_local_datetime(fields, "publish_at", "发布时间", zone) if fields.get("publish_at") else at
        )
        checks.moment("publish_at", publish, at)
        days = form_int(fields, "days", "有效天数")
        if not 1 <= days <= 365:
            raise InvalidInput("有效天数：1–365")
        group = fields.get("group_name", "")
        target = AnnouncementTarget.GROUP if group else AnnouncementTarget.ALL
        data = AnnouncementInput(
            fields.get("title", ""),
            fields.get("body", ""),
            target,
            publish,
            publish + timedelta(days=days),
            bool(fields.get("urgent")),
            group,
        )
        announcements.create_announcement(session, who, data, at)
    except CommunityError as exc:
        session.rollback()
        return _announcements(request, session, who, at, fields, exc.message, exc.status)
    session.commit()
    return redirect("/staff/announcements")


@router.post("/announcements/{announcement_id}/delete")
def delete_announcement(
    request: Request,
    announcement_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    announcements.delete_announcement(session, who, announcement_id, at)
    session.commit()
    return redirect("/staff/announcements")


@router.get("/announcements/{announcement_id}")
def announcement_detail(
    request: Request,
    announcement_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    """Which speakers received and read out one announcement (as they reported it)."""
    item = announcements.get_announcement(session, who, announcement_id[:36])
    rows = deliveries.per_speaker(session, who, item)
    return page(
        request,
        session,
        who,
        "staff/announcement_detail.html",
        {
            "a": item,
            "rows": rows,
            "count": deliveries.counts(session, who, [item])[item.id],
            "now": at,
            "tab": "announcements",
        },
    )


@router.get("/announcements/{announcement_id}/delete")
def confirm_withdraw(
    request: Request,
    announcement_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
) -> Response:
    item = announcements.get_announcement(session, who, announcement_id[:36])
    count = deliveries.counts(session, who, [item])[item.id]
    lost = ["通知从音箱和家属页面上撤下，还没播报的音箱不会再播报。"]
    if count.played:
        lost.append(f"已经有 {count.played} 台音箱播报过了，撤回不能让老人“没听过”；需要更正请另发一条通知。")
    return page(
        request,
        session,
        who,
        "staff/confirm.html",
        {
            "heading": f"撤回通知“{item.title}”？",
            "lost": lost,
            "action": f"/staff/announcements/{item.id}/delete",
            "button": "确定撤回",
            "back": "/staff/announcements",
            "tab": "announcements",
        },
    )
