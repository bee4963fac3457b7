"""Staff pages for weekly activities: create a series, edit it, skip a day (with confirmation)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Dict, Optional

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ..actors import Actor, community_zone
from ..api import deps
from ..api.routing import ReleasingRoute
from ..clock import to_local
from ..domain import series
from ..domain.series import SeriesChange, SeriesInput
from ..errors import CommunityError, InvalidInput
from ..models import ActivityCategory, ActivitySeries, ActivityStatus
from .render import check_csrf, form_int, posted_form, redirect
from .staff import page, staff_actor

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/staff", include_in_schema=False, route_class=ReleasingRoute)


def form_date(fields: Dict[str, str], name: str, label: str) -> date:
    """An <input type=date> value; InvalidInput naming the label."""
    try:
        return date.fromisoformat(fields.get(name, "").strip())
    except ValueError as exc:
        raise InvalidInput(f"{label}：请选择日期") from exc


def _input(fields: Dict[str, str]) -> SeriesInput:
    category = fields.get("category", "")
    if category not in {c.value for c in ActivityCategory}:
        raise InvalidInput("类别：请选择活动类别")
    return SeriesInput(
        fields.get("title", ""),
        ActivityCategory(category),
        fields.get("place", ""),
        form_int(fields, "capacity", "名额"),
        tuple(d for d in range(1, 8) if fields.get(f"weekday{d}")),
        form_date(fields, "first_day", "开始日期"),
        form_date(fields, "last_day", "结束日期"),
        fields.get("start_time", "").strip(),
        form_int(fields, "minutes", "时长（分钟）"),
        fields.get("description", ""),
    )


def _form(
    request: Request,
    session: Session,
    who: Actor,
    item: Optional[ActivitySeries],
    fields: Dict[str, str],
    error: str = "",
    status: int = 200,
) -> Response:
    return page(
        request,
        session,
        who,
        "staff/series_form.html",
        {
            "series": item,
            "f": fields,
            "error": error,
            "tab": "activities",
            "categories": [c.value for c in ActivityCategory],
        },
        status,
    )


def _today(session: Session, who: Actor, at: datetime) -> date:
    return to_local(at, community_zone(session, who.staff_community)).date()


@router.get("/series/new")
def new_series(
    request: Request,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    first = _today(session, who, at) + timedelta(days=1)
    fields = {
        "first_day": first.isoformat(),
        "last_day": (first + timedelta(weeks=8)).isoformat(),
        "start_time": "09:00",
        "minutes": "60",
        "capacity": "20",
        "category": "exercise",
    }
    return _form(request, session, who, None, fields)


@router.post("/series/new")
def create_series(
    request: Request,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    try:
        item, change = series.create_series(session, who, _input(fields), at)
    except CommunityError as exc:
        session.rollback()
        return _form(request, session, who, None, fields, exc.message, exc.status)
    session.commit()
    return redirect(f"/staff/series/{item.id}?made={len(change.created)}")


def _detail(
    request: Request,
    session: Session,
    who: Actor,
    item: ActivitySeries,
    at: datetime,
    change: Optional[SeriesChange] = None,
    notice: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    rows = series.sessions(session, item)
    today = _today(session, who, at)
    upcoming = [a for a in rows if a.starts_at > at and a.status is ActivityStatus.SCHEDULED]
    return page(
        request,
        session,
        who,
        "staff/series_detail.html",
        {
            "series": item,
            "days_text": series.weekdays_text(item.weekdays),
            "upcoming": upcoming,
            "past": [a for a in rows if a.starts_at <= at],
            "cancelled": [a for a in rows if a.starts_at > at and a.status is ActivityStatus.CANCELLED],
            "skipped": [d for d in series.skipped_days(session, item) if d >= today],
            "change": change,
            "notice": notice,
            "error": error,
            "tab": "activities",
        },
        status,
    )


@router.get("/series/{series_id}")
def series_detail(
    request: Request,
    series_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    item = series.get_series(session, who, series_id[:36])
    made = request.query_params.get("made", "")
    notice = f"已建好 {int(made)} 场活动，音箱会同步到。" if made.isdigit() else ""
    try:  # a date, never text from the address
        skipped: Optional[date] = date.fromisoformat(request.query_params.get("skipped", "")[:10])
    except ValueError:
        skipped = None
    if skipped is not None:
        notice = f"已跳过 {skipped.isoformat()}，其他场次没有改动。"
    return _detail(request, session, who, item, at, notice=notice)


@router.get("/series/{series_id}/edit")
def edit_series(
    request: Request,
    series_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
) -> Response:
    item = series.get_series(session, who, series_id[:36])
    fields = {
        "title": item.title,
        "category": item.category.value,
        "place": item.place,
        "description": item.description,
        "capacity": str(item.capacity),
        "first_day": item.first_day.isoformat(),
        "last_day": item.last_day.isoformat(),
        "start_time": item.start_time,
        "minutes": str(item.minutes),
        **{f"weekday{d}": "on" for d in item.weekdays.split(",") if d},
    }
    return _form(request, session, who, item, fields)


@router.post("/series/{series_id}/edit")
def update_series(
    request: Request,
    series_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    item = series.get_series(session, who, series_id[:36])
    try:
        change = series.update_series(session, who, item.id, _input(fields), at)
    except CommunityError as exc:
        session.rollback()
        return _form(request, session, who, item, fields, exc.message, exc.status)
    session.commit()
    return _detail(request, session, who, item, at, change=change)


@router.get("/series/{series_id}/skip")
def confirm_skip(
    request: Request,
    series_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    item = series.get_series(session, who, series_id[:36])
    raw = request.query_params.get("day", "")
    try:
        day = form_date({"day": raw}, "day", "跳过哪一天")
    except InvalidInput as exc:
        return _detail(request, session, who, item, at, error=exc.message, status=exc.status)
    target = next((a for a in series.sessions(session, item) if a.series_day == day), None)
    lost = ["这一天的活动取消，音箱会告诉报了名的老人；其他场次不变。"]
    if target is not None and target.booked:
        lost.append(f"已有 {target.booked} 位老人报名，请通知他们。")
    return page(
        request,
        session,
        who,
        "staff/confirm.html",
        {
            "heading": f"跳过 {day.strftime('%m月%d日')} 的{item.title}？",
            "lost": lost,
            "action": f"/staff/series/{item.id}/skip",
            "hidden": {"day": day.isoformat()},
            "button": "确定跳过这一天",
            "back": f"/staff/series/{item.id}",
            "tab": "activities",
        },
    )


@router.post("/series/{series_id}/skip")
def skip_day(
    request: Request,
    series_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    item = series.get_series(session, who, series_id[:36])
    try:
        day = form_date(fields, "day", "跳过哪一天")
        series.skip_day(session, who, item.id, day, at)
    except CommunityError as exc:
        session.rollback()
        return _detail(request, session, who, item, at, error=exc.message, status=exc.status)
    session.commit()
    return redirect(f"/staff/series/{item.id}?skipped={day.isoformat()}")
