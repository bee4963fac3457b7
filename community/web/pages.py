"""Login, logout and the landing page."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Dict

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ..actors import Actor
from ..api import deps
from ..api.accounts import BROWSER_COOKIE, cookie_secure, set_browser_cookie, set_session_cookie
from ..api.routing import ReleasingRoute
from ..config import Settings
from ..domain import accounts
from ..errors import CommunityError, CsrfFailed
from ..security import Throttle, new_token, same_secret
from .render import check_csrf, page_actor, posted_form, redirect, render

_LOGGER = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False, route_class=ReleasingRoute)
_PRE_COOKIE = "yc_login"


def _login_page(request: Request, error: str = "", status: int = 200, username: str = "") -> Response:
    token = request.cookies.get(_PRE_COOKIE) or new_token()
    response = render(
        request, "login.html", {"who": None, "error": error, "csrf": token, "username": username}, status
    )
    response.set_cookie(
        _PRE_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        max_age=3600,
        path="/login",
        secure=cookie_secure(request, request.app.state.settings),
    )
    return response


@router.get("/")
def home(request: Request) -> Response:
    return redirect("/login" if not request.cookies.get(deps.SESSION_COOKIE) else "/home")


def landing(who: Actor) -> str:
    """Where a login lands: by its first role (a volunteer-only login on its /volunteer page)."""
    if who.is_staff:
        return "/staff"
    if who.is_family:
        return "/family"
    return "/volunteer" if who.is_volunteer or not who.is_young else "/young"


@router.get("/home")
def home_for(who: Actor = Depends(page_actor)) -> Response:
    return redirect(landing(who))


@router.get("/login")
def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login")
def login_post(
    request: Request,
    at: datetime = Depends(deps.now),
    throttle: Throttle = Depends(deps.throttle),
    settings: Settings = Depends(deps.settings),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    # Login CSRF: double-submit of a random value bound to a path-scoped cookie.
    if not same_secret(fields.get("csrf_token", ""), request.cookies.get(_PRE_COOKIE, "") or "-"):
        raise CsrfFailed("登录页面已过期，请刷新后再试")
    username = fields.get("username", "")[:40]
    try:
        result = accounts.login(
            request.app.state.database,
            throttle,
            username,
            fields.get("password", "")[:128],
            deps.client_address(request),
            at,
            settings.session_hours,
            request.cookies.get(BROWSER_COOKIE, ""),
        )
    except CommunityError as exc:
        return _login_page(request, exc.message, exc.status, username)
    response = redirect(landing(result.actor))
    set_session_cookie(request, response, result.token, settings)
    set_browser_cookie(request, response, result.browser, settings)
    return response


@router.post("/logout")
def logout(
    request: Request,
    who: Actor = Depends(page_actor),
    session: Session = Depends(deps.db_session),
    fields: Dict[str, str] = Depends(posted_form),
) -> Response:
    check_csrf(fields, who)
    accounts.logout(session, request.cookies.get(deps.SESSION_COOKIE, ""))
    session.commit()
    response = redirect("/login")
    response.delete_cookie(deps.SESSION_COOKIE, path="/")
    return response
