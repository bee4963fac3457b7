"""Request dependencies: database session, clock, and the authenticated actor."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import AsyncIterator
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from ..actors import Actor, ActorKind, community_zone
from ..config import Settings
from ..db import Database
from ..domain.accounts import actor_from_session
from ..domain.devices import device_actor
from ..errors import CsrfFailed, Forbidden, NotAuthenticated
from ..security import Throttle, same_secret

_LOGGER = logging.getLogger(__name__)
SESSION_COOKIE = "yc_session"
CSRF_HEADER = "X-CSRF-Token"
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


async def db_session(request: Request) -> AsyncIterator[Session]:
    """A session per request: a writer for unsafe methods; endpoints commit.

    Async on purpose: the session connects lazily inside the (threaded) endpoint, and the
    teardown rollback runs on the event loop. A sync teardown would need a worker thread
    while it may still hold SQLite's write lock, and under load every thread can be busy
    waiting for that very lock (a deadlock until the busy timeout).
    """
    database: Database = request.app.state.database
    session = database.reader() if request.method in _SAFE else database.writer()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


async def now(request: Request) -> datetime:
    return request.app.state.clock.now()


async def settings(request: Request) -> Settings:
    return request.app.state.settings


async def throttle(request: Request) -> Throttle:
    return request.app.state.throttle


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def actor(request: Request, at: datetime = Depends(now)) -> Actor:
    """Device (Authorization: Bearer) or web user (session cookie + X-CSRF-Token on unsafe methods).

    Looked up in a short session of its own that gives its connection back at once: a
    connection held while the request waits for its next worker thread could starve the
    pool (PostgreSQL) or hold a lock (SQLite) while every thread waits for it.
    """
    with request.app.state.database.reader() as session:
        who = _lookup(request, session, at)
    if who.kind is ActorKind.VOLUNTEER and request.url.path not in VOLUNTEER_API:
        raise Forbidden("志愿者请使用志愿者页面", "the JSON API is for family, staff and speakers")
    return who


VOLUNTEER_API = ("/api/v1/me", "/api/v1/auth/logout")
"""The only API paths a volunteer-only login may call (its pages are /volunteer, docs/server.md)."""


def _lookup(request: Request, session: Session, at: datetime) -> Actor:
    token = _bearer(request)
    if token:
        return device_actor(session, token[:200], at)
    cookie = request.cookies.get(SESSION_COOKIE, "")
    if not cookie:
        raise NotAuthenticated("请先登录", "session cookie or bearer token required")
    user = actor_from_session(session, cookie[:200], at)
    if request.method not in _SAFE and not same_secret(request.headers.get(CSRF_HEADER, ""), user.csrf_token):
        raise CsrfFailed("页面已过期，请刷新后再试", f"missing or wrong {CSRF_HEADER} header")
    return user


def device(request: Request, at: datetime = Depends(now)) -> Actor:
    """Only a paired, not revoked speaker."""
    token = _bearer(request)
    if not token:
        raise NotAuthenticated("只有配对过的音箱可以这样做", "device bearer token required")
    with request.app.state.database.reader() as session:
        return device_actor(session, token[:200], at)


def zone_of(session: Session, who: Actor) -> ZoneInfo:
    """The actor's community zone (used for naive times in input)."""
    if not who.community_ids:
        return ZoneInfo("Asia/Shanghai")
    return community_zone(session, sorted(who.community_ids)[0])
