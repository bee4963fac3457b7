"""POST /api/v1/device/sync: push outbox ops, get their results and every change since the cursor.

The endpoint is async so that a held long poll costs a coroutine, not a worker thread or a
database connection: the database work runs in the thread pool, and the wait happens on
the event loop (community.wakeup.ChangeHub).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple, Union

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy import update
from starlette.concurrency import run_in_threadpool

from ..actors import Actor
from ..db import Database
from ..domain.feed import Cursor, DeviceScope, FeedPage, device_scope, read_feed
from ..domain.sync import DeviceOpIn, apply_op
from ..models import Device
from ..notify import EmergencyNotice, notify_all
from ..wakeup import ChangeHub, hub_for
from . import deps
from .schemas import UUID_PATTERN, Strict

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["sync"])
MAX_WAIT = 55.0
"""Longest long poll, seconds (below common proxy idle timeouts of 60 s)."""
MAX_OPS = 100
SEEN_EVERY = 60.0
"""Device.last_seen_at is refreshed at most this often, seconds (spares a write per poll)."""


class OpIn(Strict):
    op_id: str = Field(pattern=UUID_PATTERN)
    type: str = Field(min_length=1, max_length=40)
    payload: Dict[str, Any] = Field(default_factory=dict)


class SyncIn(Strict):
    cursor: Optional[Union[int, str]] = Field(default=None)
    """As returned by the last sync ("<seq>:<time>"); null or absent for a first sync."""
    ops: List[OpIn] = Field(default_factory=list, max_length=MAX_OPS)
    wait: float = Field(default=0.0, ge=0.0, le=MAX_WAIT)
    """Seconds to hold the request open when there is nothing new (0: answer at once)."""
    limit: int = Field(default=500, ge=1, le=2000)
    """Most change rows per answer; `more: true` says to sync again at once."""


def _hub(request: Request) -> ChangeHub:
    hub = getattr(request.app.state, "sync_hub", None)
    if hub is None:
        database: Database = request.app.state.database
        hub = hub_for(database.engine.url.render_as_string(hide_password=False))
        request.app.state.sync_hub = hub
    return hub


def _touch(database: Database, device_id: str, now: datetime) -> None:
    with database.reader() as session:
        seen = session.get(Device, device_id)
        fresh = (
            seen is not None
            and seen.last_seen_at is not None
            and (now - seen.last_seen_at).total_seconds() < SEEN_EVERY
        )
    if not fresh:
        with database.write() as session:
            session.execute(
                update(Device)
                .where(Device.id == device_id)
                .values(last_seen_at=now)
                .execution_options(synchronize_session=False)
            )


def _round(
    database: Database, actor: Actor, ops: List[OpIn], cursor: Cursor, now: datetime, limit: int
) -> Tuple[List[Dict[str, Any]], List[EmergencyNotice], DeviceScope, FeedPage]:
    """Apply the ops in order, then read the feed (thread pool)."""
    with database.reader() as session:
        scope = device_scope(session, actor)
    results: List[Dict[str, Any]] = []
    notices: List[EmergencyNotice] = []
    for op in ops:
        result, notice = apply_op(
            database, actor, scope, DeviceOpIn(op.op_id.lower(), op.type, op.payload), now
        )
        results.append(result)
        if notice is not None:
            notices.append(notice)
    _touch(database, scope.device_id, now)
    return results, notices, scope, _read(database, scope, cursor, now, limit)


def _read(database: Database, scope: DeviceScope, cursor: Cursor, now: datetime, limit: int) -> FeedPage:
    with database.reader() as session:
        return read_feed(session, scope, cursor, now, limit)


async def _gone(request: Request) -> None:
    """Returns when the client hangs up (the body is read already, so only a disconnect comes)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def _wait(
    request: Request, hub: ChangeHub, community_id: str, household_id: str, seen: int, timeout: float
) -> bool:
    """hub.wait(), cut short when the speaker hangs up (its poll is then no longer held)."""
    waiting = asyncio.ensure_future(hub.wait(community_id, household_id, seen, timeout))
    gone = asyncio.ensure_future(_gone(request))
    try:
        await asyncio.wait({waiting, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
        if not waiting.done():
            waiting.cancel()
    return waiting.done() and not waiting.cancelled() and waiting.result()


@router.post("/device/sync")
async def sync(body: SyncIn, request: Request, who: Actor = Depends(deps.device)) -> JSONResponse:
    """One round trip: results of the ops (first results for replays) and the changes since the cursor."""
    database: Database = request.app.state.database
    clock = request.app.state.clock
    hub = _hub(request)
    community_id = next(iter(who.community_ids))
    cursor = Cursor.parse(body.cursor)
    started = asyncio.get_running_loop().time()
    seen = hub.generation(community_id)
    results, notices, scope, page = await run_in_threadpool(
        _round, database, who, body.ops, cursor, clock.now(), body.limit
    )
    for notice in notices:
        await run_in_threadpool(notify_all, notice)
    while page.empty and not page.more and not body.ops:
        remaining = body.wait - (asyncio.get_running_loop().time() - started)
        if remaining <= 0 or not await _wait(request, hub, community_id, scope.household_id, seen, remaining):
            break
        seen = hub.generation(community_id)
        page = await run_in_threadpool(_read, database, scope, page.cursor, clock.now(), body.limit)
    return JSONResponse(
        {
            "server_time": clock.now().isoformat(),
            "timezone": scope.zone.key,
            "cursor": str(page.cursor),
            "more": page.more,
            "results": results,
            "changes": page.changes,
        }
    )
