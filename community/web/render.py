"""Jinja2 set-up, form helpers and CSRF checks for the web pages."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Optional
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from ..actors import Actor
from ..api import deps
from ..clock import to_local
from ..domain.accounts import actor_from_session
from ..errors import CsrfFailed, InvalidInput, NotAuthenticated
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
}


def _fmt(value: Optional[datetime], zone: ZoneInfo, pattern: str = "%m月%d日 %H:%M") -> str:
    return to_local(value, zone).strftime(pattern) if value else ""


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
    base = {"labels": LABELS, "fmt": lambda v, p="%m月%d日 %H:%M": _fmt(v, zone, p)}
    return TEMPLATES.TemplateResponse(request, template, {**base, **context}, status_code=status)


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", {"status": status, "message": message, "who": None}, status)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
