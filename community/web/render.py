"""Jinja2 set-up, form helpers and CSRF checks for the web pages."""

from __future__ import annotations

import logging
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Dict, Optional, Tuple, Union
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from ..actors import Actor, community_zone
from ..api import deps
from ..clock import to_local
from ..domain.accounts import actor_from_session
from ..domain.households import list_households
from ..errors import CommunityError, CsrfFailed, InvalidInput, NotAuthenticated
from ..models import ActivityCategory, Dialect, Origin, Repeat, ServiceKind, ServiceStatus
from ..security import same_secret

_LOGGER = logging.getLogger(__name__)
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
LABELS: Dict[str, Dict[str, str]] = {
    "category": {
        ActivityCategory.HEALTH.value: "健康",
        ActivityCategory.CULTURE.value: "文娱",
        ActivityCategory.LEARNING.value: "学习",
        ActivityCategory.EXERCISE.value: "运动",
        ActivityCategory.VOLUNTEER.value: "志愿",
        ActivityCategory.OTHER.value: "其他",
    },
    "repeat": {
        Repeat.ONCE.value: "一次",
        Repeat.DAILY.value: "每天",
        Repeat.WEEKDAYS.value: "工作日",
        Repeat.WEEKLY.value: "每周",
    },
    "dialect": {
        Dialect.MANDARIN.value: "普通话",
        Dialect.CANTONESE.value: "粤语",
        Dialect.MINNAN.value: "闽南话",
        Dialect.HAKKA.value: "客家话",
        Dialect.WU.value: "吴语",
        Dialect.OTHER.value: "其他",
    },
    "origin": {
        Origin.FAMILY.value: "家属设置",
        Origin.STAFF.value: "社区设置",
        Origin.DEVICE.value: "老人用音箱设置",
    },
    "service": {
        ServiceKind.HEALTH_CHECK.value: "体检",
        ServiceKind.MEAL.value: "送餐",
        ServiceKind.CAR.value: "用车",
        ServiceKind.REPAIR.value: "维修",
        ServiceKind.OTHER.value: "其他",
    },
    "service_status": {
        ServiceStatus.PENDING.value: "待处理",
        ServiceStatus.CONFIRMED.value: "已确认",
        ServiceStatus.REJECTED.value: "已拒绝",
        ServiceStatus.DONE.value: "已完成",
        ServiceStatus.CANCELLED.value: "已取消",
    },
    "weekday": {"1": "一", "2": "二", "3": "三", "4": "四", "5": "五", "6": "六", "7": "日"},
    "booking_error": {
        "full": "名额已满",
        "booked": "已经报过名了",
        "cancelled": "活动已取消",
        "started": "活动已经开始，不能报名了",
        "undone": "报名已经取消了",
        "not_found": "找不到这个活动，可能已经删除了",
        "conflict": "没有报上名，请刷新页面再试",
    },
}
_BOOKING_REFUSALS = {
    "已经报名了": "booked",
    "活动已取消": "cancelled",
    "活动已经开始，不能报名": "started",
    "报名已经取消了": "undone",
}


def booking_refusal(exc: CommunityError) -> str:
    """Why a booking from the page was refused, as a key of LABELS["booking_error"] (the page is
    redirected with ?error=<key>, so no text from the address is ever shown). A stale tab's second
    press on 报名 gives "booked": 已经报过名了."""
    if exc.code == "full":
        return "full"
    return _BOOKING_REFUSALS.get(exc.message, exc.code)


def booking_refusal_text(key: str) -> str:
    """What the bookings page says for ?error=<key>: a fixed sentence, never text from the address."""
    if not key:
        return ""
    reasons = LABELS["booking_error"]
    return reasons.get(key, reasons["conflict"])


DATE_TIME = "%m月%d日 %H:%M"
DAY = "%m月%d日"


def shown_time(
    value: Union[datetime, date, None], zone: ZoneInfo, now: datetime, pattern: str = DATE_TIME
) -> str:
    """A time (or a day) as the pages show it, with the year when it is not this year.

    value: aware datetime (shown in `zone`; naive is read as UTC) or a date
    zone: the community's zone; now: the current instant (decides "this year")
    pattern: strftime pattern; one starting with the month gets "%Y年" in front in another year
    """
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        local = to_local(value, zone)
    elif isinstance(value, date):
        local = datetime(value.year, value.month, value.day)
        pattern = pattern.replace(" %H:%M", "")
    else:
        return str(value)
    if pattern.startswith("%m") and local.year != to_local(now, zone).year:
        pattern = "%Y年" + pattern
    return local.strftime(pattern)


def _zone_and_now(context: Context, value: object) -> tuple:
    """The page's zone and time; in a macro imported without context, the value's own zone and now."""
    zone = context.get("_zone")
    if zone is None:
        own = value.tzinfo if isinstance(value, datetime) else None
        zone = own if isinstance(own, ZoneInfo) else ZoneInfo("Asia/Shanghai")
    return zone, context.get("_now") or datetime.now(timezone.utc)


@pass_context
def _when_filter(context: Context, value: Union[datetime, date, None], pattern: str = DATE_TIME) -> str:
    """`{{ x.created_at|when }}`: date and time, with the year when it is not this year."""
    return shown_time(value, *_zone_and_now(context, value), pattern)


@pass_context
def _day_filter(context: Context, value: Union[datetime, date, None]) -> str:
    """`{{ r.start_date|day }}`: the day only, with the year when it is not this year."""
    return shown_time(value, *_zone_and_now(context, value), DAY)


TEMPLATES.env.filters["when"] = _when_filter
TEMPLATES.env.filters["day"] = _day_filter


def page_actor(request: Request, at: datetime = Depends(deps.now)) -> Actor:
    """The web user from the session cookie (devices have no pages)."""
    cookie = request.cookies.get(deps.SESSION_COOKIE, "")
    if not cookie:
        raise NotAuthenticated("请先登录")
    with request.app.state.database.reader() as session:
        return actor_from_session(session, cookie[:200], at)


async def posted_form(request: Request) -> Dict[str, str]:
    """The posted form as text fields (read on the event loop so that handlers can stay sync)."""
    try:
        form = await request.form(max_files=0, max_fields=100)
    except Exception as exc:  # malformed multipart / urlencoded bodies
        raise InvalidInput("无法读取表单") from exc
    return {k: v for k, v in form.items() if isinstance(v, str)}


def check_csrf(fields: Dict[str, str], who: Actor) -> None:
    """Every form of a logged-in user carries the session's CSRF token."""
    if not same_secret(fields.get("csrf_token", ""), who.csrf_token):
        raise CsrfFailed("表单已过期，请刷新页面再试")


def form_int(fields: Dict[str, str], name: str, label: str) -> int:
    try:
        return int(fields.get(name, "").strip())
    except ValueError as exc:
        raise InvalidInput(f"{label}：请填写数字") from exc


def form_local_datetime(fields: Dict[str, str], name: str, label: str, zone: ZoneInfo) -> datetime:
    """A <input type=datetime-local> value read in the community's zone."""
    try:
        return datetime.fromisoformat(fields.get(name, "").strip()).replace(tzinfo=zone)
    except ValueError as exc:
        raise InvalidInput(f"{label}：请填写日期和时间") from exc


def render(
    request: Request,
    template: str,
    context: Dict[str, Any],
    status: int = 200,
    zone: Optional[ZoneInfo] = None,
) -> HTMLResponse:
    zone = zone or ZoneInfo("Asia/Shanghai")
    now = request.app.state.clock.now()
    base = {
        "labels": LABELS,
        "fmt": lambda v, p=DATE_TIME: shown_time(v, zone, now, p),
        "_zone": zone,
        "_now": now,
    }
    return TEMPLATES.TemplateResponse(request, template, {**base, **context}, status_code=status)


def _viewer(request: Request) -> Tuple[Optional[Actor], str]:
    """The logged-in user for an error page's header and, for family, the emergency banner of their
    elders (an open call must not vanish behind an error); (None, "") without a session or database."""
    cookie = request.cookies.get(deps.SESSION_COOKIE, "")
    if not cookie:
        return None, ""
    now = request.app.state.clock.now()
    try:
        with request.app.state.database.reader() as session:
            who = actor_from_session(session, cookie[:200], now)
            if who.is_staff or not who.household_ids:
                return who, ""
            from . import family_common  # it builds on this module

            homes = list_households(session, who)
            zone = community_zone(session, homes[0].community_id) if homes else ZoneInfo("Asia/Shanghai")
            board = family_common.live(session, who, homes, now, request.app.state.settings)
            return who, family_common.banner_html(request, who, board, "/family", zone, now)
    except (CommunityError, SQLAlchemyError):
        _LOGGER.warning("error page without the header", exc_info=True)
        return None, ""


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    """The error page; it keeps the header (name and 退出) of a logged-in user, and a family member's
    emergency banner. Blocking (database reads): run it in a thread."""
    who, banner = _viewer(request)
    context = {"status": status, "message": message, "who": who, "banner": Markup(banner)}
    return render(request, "error.html", context, status)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
