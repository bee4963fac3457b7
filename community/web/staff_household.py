"""Staff pages for one household: its page (family logins, speakers), edit, delete and restore,
family password reset, and the confirmation pages before ending sessions and stopping a speaker."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Dict

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ..actors import Actor, get_household
from ..api import deps
from ..api.routing import ReleasingRoute
from ..domain import accounts, devices, households, points
from ..domain.households import HouseholdInput
from ..errors import CommunityError, InvalidInput, NotFound
from ..models import Dialect, Household
from .render import check_csrf, posted_form, redirect
from .staff import page, staff_actor

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/staff", include_in_schema=False, route_class=ReleasingRoute)


def _household_page(
    request: Request,
    session: Session,
    who: Actor,
    home: Household,
    at: datetime,
    fields: Dict[str, str],
    error: str = "",
    status: int = 200,
) -> Response:
    speakers = [d for d in devices.list_devices(session, who) if d.household_id == home.id]
    return page(
        request,
        session,
        who,
        "staff/household.html",
        {
            "home": home,
            "logins": accounts.logins_of_household(session, who, home.id, at),
            "speakers": speakers,
            "balance": points.balances(session, who).get(home.id, 0),
            "f": fields,
            "error": error,
            "dialects": [d.value for d in Dialect],
            "now": at,
            "tab": "households",
        },
        status,
    )


@router.get("/households/{household_id}")
def household_page(
    request: Request,
    household_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    home = get_household(session, who, household_id[:36])
    fields = {
        "elder_name": home.elder_name,
        "address_as": home.address_as,
        "dialect": home.dialect.value,
        "group_name": home.group_name,
    }
    return _household_page(request, session, who, home, at, fields)


@router.post("/households/{household_id}/edit")
def edit_household(
    request: Request,
    household_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    home = get_household(session, who, household_id[:36])
    try:
        dialect = fields.get("dialect", "")
        if dialect not in {d.value for d in Dialect}:
            raise InvalidInput("方言：请选择方言")
        households.update_household(
            session,
            who,
            home.id,
            HouseholdInput(
                fields.get("elder_name", ""),
                fields.get("address_as", ""),
                Dialect(dialect),
                fields.get("group_name", ""),
            ),
            at,
        )
    except CommunityError as exc:
        session.rollback()
        home = get_household(session, who, household_id[:36])
        return _household_page(request, session, who, home, at, fields, exc.message, exc.status)
    session.commit()
    return redirect(f"/staff/households/{home.id}?saved=1")


@router.get("/households/{household_id}/delete")
def confirm_delete(
    request: Request,
    household_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    what = households.removal(session, who, household_id[:36], at)
    home = what.household
    lost = []
    if what.open_alerts:
        lost.append(
            f"注意：这户有 {what.open_alerts} 个还没人处理的紧急呼叫，"
            "删除后首页和家属页面都不再显示。请先处理。"
        )
    lost.append(
        f"{home.elder_name}（{home.address_as}）从住户、活动报名、志愿积分、通知等页面消失，也不能再选。"
    )
    if what.speakers:
        lost.append(f"{what.speakers} 台音箱马上停用：不再提醒、不再播报、不能呼叫求助。")
    if what.future_bookings:
        lost.append(f"{what.future_bookings} 个还没开始的活动报名被取消，名额退回。")
    if what.family:
        lost.append(f"家属 {'、'.join(what.family)} 不能再看到这位老人。")
    if what.family_only_here:
        lost.append(f"其中 {'、'.join(what.family_only_here)} 没有关联其他老人，登录后将什么也看不到。")
    kept = (
        f"保留的记录：{what.reminders} 个提醒及其历史、留言、紧急呼叫记录、"
        f"{what.points} 分志愿积分都留在数据库里，"
        "可以在住户页面下方“已删除的住户”里恢复（恢复后音箱需要重新配对）。"
    )
    return page(
        request,
        session,
        who,
        "staff/confirm.html",
        {
            "heading": f"删除住户 {home.elder_name}？",
            "lost": lost,
            "kept": kept,
            "action": f"/staff/households/{home.id}/delete",
            "button": "确定删除",
            "back": f"/staff/households/{home.id}",
            "tab": "households",
        },
    )


@router.post("/households/{household_id}/delete")
def delete_household(
    household_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    households.delete_household(session, who, household_id[:36], at)
    session.commit()
    return redirect("/staff/households?deleted=1")


@router.post("/households/{household_id}/restore")
def restore_household(
    household_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    home = households.restore_household(session, who, household_id[:36], at)
    session.commit()
    return redirect(f"/staff/households/{home.id}?restored=1")


@router.get("/family/{user_id}/end-sessions")
def confirm_end_sessions(
    request: Request,
    user_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    login = accounts.family_login(session, who, user_id[:36], at)
    return page(
        request,
        session,
        who,
        "staff/confirm.html",
        {
            "heading": f"让 {login.display_name}（{login.username}）在所有手机和电脑上退出登录？",
            "lost": [
                f"现在有 {login.sessions} 处登录着，全部会退出；账号和密码不变，可以重新登录。",
                "手机丢了或者密码让别人知道了，请同时重置密码。",
            ],
            "action": f"/staff/family/{login.user_id}/end-sessions",
            "button": "确定全部退出登录",
            "back": f"/staff/households/{login.household_id}",
            "tab": "households",
        },
    )


def _password_page(
    request: Request,
    session: Session,
    who: Actor,
    login: accounts.FamilyLogin,
    error: str = "",
    status: int = 200,
    done: object = None,
) -> Response:
    return page(
        request,
        session,
        who,
        "staff/password_reset.html",
        {"login": login, "error": error, "done": done, "tab": "households"},
        status,
    )


@router.get("/family/{user_id}/password")
def password_form(
    request: Request,
    user_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
) -> Response:
    return _password_page(request, session, who, accounts.family_login(session, who, user_id[:36], at))


@router.post("/family/{user_id}/password")
def reset_password(
    request: Request,
    user_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
    at: datetime = Depends(deps.now),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    """Set the typed password, or make one when none is typed; the login's sessions end."""
    check_csrf(fields, who)
    login = accounts.family_login(session, who, user_id[:36], at)
    try:
        done = accounts.reset_password(session, who, login.user_id, fields.get("password", "").strip()[:128])
    except CommunityError as exc:
        session.rollback()
        return _password_page(request, session, who, login, exc.message, exc.status)
    session.commit()
    return _password_page(request, session, who, login, done=done)


@router.get("/devices/{device_id}/revoke")
def confirm_revoke(
    request: Request,
    device_id: str,
    who: Actor = Depends(staff_actor),
    session: Session = Depends(deps.db_session),
) -> Response:
    device = next((d for d in devices.list_devices(session, who) if d.id == device_id[:36]), None)
    if device is None:
        raise NotFound("找不到这个音箱")
    if device.revoked_at is not None:
        return redirect("/staff/devices")
    try:
        home = get_household(session, who, device.household_id)
        whose = f"{home.elder_name}（{home.address_as}）家的"
    except NotFound:
        whose = ""
    return page(
        request,
        session,
        who,
        "staff/confirm.html",
        {
            "heading": f"停用{whose}音箱“{device.name or '音箱'}”？",
            "lost": [
                "音箱马上断开：不再提醒吃药、不再播报通知、不能报名，也不能呼叫求助。",
                "停用后不能恢复；要再用，需要生成新的配对码重新配对。",
            ],
            "action": f"/staff/devices/{device.id}/revoke",
            "button": "确定停用",
            "back": "/staff/devices",
            "tab": "devices",
        },
    )
