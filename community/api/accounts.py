"""Login, logout and who-am-I for the JSON API."""

from __future__ import annotations

import logging
from datetime import datetime

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from ..actors import Actor
from ..config import Settings
from ..domain import accounts
from ..security import Throttle
from . import deps
from .routing import ReleasingRoute
from .schemas import LoginIn, MeOut


class EndedOut(BaseModel):
    ended: int
    """Web sessions that were open and are now ended."""


_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["accounts"], route_class=ReleasingRoute)


BROWSER_COOKIE = "yc_browser"
"""Known-browser cookie: logins from it are not delayed by wrong passwords typed elsewhere."""


def cookie_secure(request: Request, settings: Settings) -> bool:
    """Secure cookies when configured, or when the request came over https.

    Behind the documented nginx (deploy/server/nginx-yuechao.conf) uvicorn trusts
    X-Forwarded-Proto from 127.0.0.1 and sets the request's scheme from it.
    """
    return settings.cookie_secure or request.url.scheme == "https"


def set_session_cookie(request: Request, response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        deps.SESSION_COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request, settings),
        path="/",
    )


def set_browser_cookie(request: Request, response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        BROWSER_COOKIE,
        token,
        max_age=settings.known_browser_days * 86400,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request, settings),
        path="/",
    )


def me_out(who: Actor) -> MeOut:
    return MeOut(
        id=who.id,
        kind=who.kind.value,
        name=who.name,
        community_ids=sorted(who.community_ids),
        household_ids=sorted(who.household_ids),
        csrf_token=who.csrf_token,
    )


@router.post("/auth/login", response_model=MeOut)
def api_login(
    body: LoginIn,
    request: Request,
    response: Response,
    at: datetime = Depends(deps.now),
    throttle: Throttle = Depends(deps.throttle),
    settings: Settings = Depends(deps.settings),
) -> MeOut:
    """Open a session: sets the HttpOnly cookie; send `csrf_token` as X-CSRF-Token on writes."""
    result = accounts.login(
        request.app.state.database,
        throttle,
        body.username,
        body.password,
        deps.client_address(request),
        at,
        settings.session_hours,
        request.cookies.get(BROWSER_COOKIE, ""),
    )
    set_session_cookie(request, response, result.token, settings)
    set_browser_cookie(request, response, result.browser, settings)
    return me_out(result.actor)


@router.post("/auth/logout", status_code=204)
def api_logout(
    request: Request,
    response: Response,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
) -> None:
    accounts.logout(session, request.cookies.get(deps.SESSION_COOKIE, ""))
    session.commit()
    response.delete_cookie(deps.SESSION_COOKIE, path="/")


@router.get("/me", response_model=MeOut)
def api_me(who: Actor = Depends(deps.actor)) -> MeOut:
    return me_out(who)


@router.post("/family-logins/{user_id}/end-sessions", response_model=EndedOut)
def api_end_sessions(
    user_id: str,
    who: Actor = Depends(deps.actor),
    session: Session = Depends(deps.db_session),
) -> EndedOut:
    """Staff log a family login out everywhere (its sessions and known browsers end)."""
    ended = accounts.end_sessions(session, who, user_id[:36])
    session.commit()
    return EndedOut(ended=ended.sessions)
