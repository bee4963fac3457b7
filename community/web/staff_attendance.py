"""Staff pages around one activity: check-in (已到 / 未到), points for attendees, CSV exports,
and the confirmation before cancelling."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Dict
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ..actors import Actor, community_zone
from ..api import deps
from ..api.routing import ReleasingRoute
from ..clock import to_local
from ..domain import activities, attendance, exports
from ..errors import CommunityError, InvalidInput
from ..models import ActivityStatus, AttendanceStatus
from .render import check_csrf, form_int, posted_form, redirect
from .staff import page, staff_actor
from .staff_series import form_date

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/staff", include_in_schema=False, route_class=ReleasingRoute)


def activity_page(
    request: Request,
    session: Session,
    who: Actor,
    activity_id: str,
    at: datetime,
    error: str = "",
    status: int = 200,
) -> Response:
    """The activity's page: details, the check-in list (one tap per elder), points for attendees."""
    item = activities.get_activity(session, who, activity_id[:36])
    given, already = request.query_params.get("given", ""), request.query_params.get("already", "")
    notice = ""
    if given.isdigit() and already.isdigit():
        notice = f"已给 {int(given)} 位老人加了积分。"
        if int(already):
            notice += f"{int(already)} 位之前已经加过，没有重复加。"
    return page(
        request,
        session,
        who,
        "staff/activity_detail.html",
        {
            "activity": item,
            "roster": attendance.roster(session, who, item.id),
            "counts": attendance.counts(session, item.id),
            "check_in_open": attendance.check_in_open(item, at),
            "opens_at": item.starts_at - attendance.OPENS_BEFORE,
            "reason": attendance.default_reason(session, item),
            "notice": notice,
            "error": error,
            "tab": "activities",
        },
        status,
    )


@router.get("/activities/{activity_id}")
def activity_detail(
    request: Request,
    activity_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    return activity_page(request, session, who, activity_id, at)


@router.post("/activities/{activity_id}/attendance")
def mark_attendance(
    request: Request,
    activity_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    """One tap: 已到 or 未到 for one signed-up household (tapping the other one changes it)."""
    check_csrf(fields, who)
    household_id = fields.get("household_id", "")[:36]
    try:
        status = fields.get("status", "")
        if status not in {s.value for s in AttendanceStatus}:
            raise InvalidInput("请点“已到”或“未到”")
        attendance.mark(session, who, activity_id[:36], household_id, AttendanceStatus(status), at)
    except CommunityError as exc:
        session.rollback()
        return activity_page(request, session, who, activity_id, at, exc.message, exc.status)
    session.commit()
    return redirect(f"/staff/activities/{quote(activity_id[:36])}#h-{quote(household_id)}")


@router.post("/activities/{activity_id}/award")
def award_points(
    request: Request,
    activity_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    """Points for everyone checked in as 已到, never twice for the same activity and elder."""
    check_csrf(fields, who)
    try:
        result = attendance.award_present(
            session,
            who,
            activity_id[:36],
            form_int(fields, "points", "每人积分"),
            fields.get("reason", ""),
            at,
        )
    except CommunityError as exc:
        session.rollback()
        return activity_page(request, session, who, activity_id, at, exc.message, exc.status)
    session.commit()
    target = f"/staff/activities/{quote(activity_id[:36])}"
    return redirect(f"{target}?given={len(result.given)}&already={len(result.already)}#award")


@router.get("/activities/{activity_id}/cancel")
def confirm_cancel(
    request: Request,
    activity_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
) -> Response:
    item = activities.get_activity(session, who, activity_id[:36])
    if item.status is ActivityStatus.CANCELLED:
        return redirect(f"/staff/activities/{item.id}")
    zone = community_zone(session, item.community_id)
    lost = ["音箱会告诉报了名的老人这个活动取消了，老人不能再报名。"]
    if item.booked:
        lost.append(f"已有 {item.booked} 位老人报名；报名名单会保留，方便您通知他们。")
    if item.series_id:
        lost.append("这是每周活动中的一场：只取消这一场，其他场次不变。")
    return page(
        request,
        session,
        who,
        "staff/confirm.html",
        {
            "heading": f"取消 {to_local(item.starts_at, zone).strftime('%m月%d日 %H:%M')} 的{item.title}？",
            "lost": lost,
            "action": f"/staff/activities/{item.id}/cancel",
            "button": "确定取消活动",
            "back": f"/staff/activities/{item.id}",
            "tab": "activities",
        },
    )


def _csv(body: bytes, name: str) -> Response:
    ascii_name = "export.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename={ascii_name}; filename*=UTF-8''{quote(name)}"},
    )


@router.get("/activities/{activity_id}/export.csv")
def export_activity(
    activity_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    item = activities.get_activity(session, who, activity_id[:36])
    zone = community_zone(session, item.community_id)
    body = exports.signups_csv(session, who, date.min, date.max, item.id)
    return _csv(body, f"{item.title}-{to_local(item.starts_at, zone).strftime('%Y%m%d')}-报名签到.csv")


@router.get("/exports/signups.csv")
def export_signups(
    request: Request,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    """Sign-ups, check-in and activity points of activities on local days from–to."""
    params = dict(request.query_params)
    zone = community_zone(session, who.staff_community)
    today = to_local(at, zone).date()
    first = form_date(params, "from", "开始日期") if params.get("from") else today - timedelta(days=30)
    last = form_date(params, "to", "结束日期") if params.get("to") else today
    body = exports.signups_csv(session, who, first, last)
    return _csv(body, f"活动报名签到-{first.strftime('%Y%m%d')}-{last.strftime('%Y%m%d')}.csv")


@router.get("/exports/points.csv")
def export_points(
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    zone = community_zone(session, who.staff_community)
    return _csv(exports.points_csv(session, who), exports.filename("志愿积分", at, zone))
