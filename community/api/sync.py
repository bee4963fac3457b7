"""POST /api/v1/device/sync: push outbox ops, get their results and every change since the cursor.

The endpoint is async so that a held long poll costs a coroutine, not a worker thread or a
database connection: the database work runs in the thread pool, and the wait happens on
the event loop (community.wakeup.ChangeHub).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple, Union

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import Field, field_validator
from sqlalchemy import update
from starlette.concurrency import run_in_threadpool

from ..actors import Actor
from ..db import Database
from ..domain.fanout import SharedPage, next_publish, page_for, publish_due, read_shared
from ..domain.feed import Cursor, DeviceScope, FeedPage, device_scope, read_feed
from ..domain.sync import OP_TYPES, BadOp, apply_op, check_op
from ..models import Device
from ..notify import EmergencyNotice, notify_all
from ..wakeup import ChangeHub, hub_for
from . import deps
from .schemas import Strict

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["sync"])
MAX_WAIT = 55.0
"""Longest long poll, seconds (below common proxy idle timeouts of 60 s)."""
MAX_OPS = 100
SEEN_EVERY = 60.0
"""Device.last_seen_at is refreshed at most this often, seconds (spares a write per poll)."""


MAX_CURSOR = 2**63 - 1
"""Cursors are change-row seqs: non-negative 63-bit integers."""
OP_ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


_ID = {"type": "string", "format": "uuid"}
_TIME = {"type": "string", "format": "date-time", "description": "Local time of the device, 2000–2100"}
PAYLOAD_FIELDS: Dict[str, Any] = {
    "booking_id": _ID,
    "activity_id": {"type": "string", "maxLength": 36},
    "reminder_id": _ID,
    "message_id": _ID,
    "request_id": _ID,
    "emergency_id": _ID,
    "announcement_id": _ID,
    "due_at": _TIME,
    "wanted_at": _TIME,
    "at": _TIME,
    "date": {"type": "string", "format": "date", "description": "Local date, 2000–2100"},
    "time": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
    "content": {"type": "string", "maxLength": 100},
    "text": {"type": "string", "maxLength": 500},
    "to": {"type": "string"},
    "service": {"type": "string", "enum": ["checkup", "meal", "transport", "haircut", "housekeeping"]},
    "repeat": {"type": "string", "description": "daily, weekdays or weekly:1,3,5 (1 = Monday)"},
}
"""The payload fields the op types read (documentation; each handler checks its own)."""


class OpIn(Strict):
    """One outbox op (documentation of an element of `ops`; each element is checked on its own,
    so a bad one is a rejected result, not a refused request)."""

    op_id: str = Field(pattern=OP_ID_PATTERN, description="Lowercase canonical UUID made by the device")
    type: str = Field(min_length=1, max_length=40, json_schema_extra={"enum": list(OP_TYPES)})
    payload: Dict[str, Any] = Field(default_factory=dict, json_schema_extra={"properties": PAYLOAD_FIELDS})


class SyncIn(Strict):
    cursor: Optional[Union[int, str]] = Field(
        default=None,
        description="As returned by the last sync: ASCII digits (a non-negative 63-bit integer); "
        "null or absent for a first sync",
    )
    ops: List[Any] = Field(
        default_factory=list,
        max_length=MAX_OPS,
        json_schema_extra={"items": OpIn.model_json_schema()},
        description="Applied one by one: each gets its own result, applied or rejected with a code",
    )
    wait: float = Field(default=0.0, ge=0.0, le=MAX_WAIT)
    """Seconds to hold the request open when there is nothing new (0: answer at once)."""
    limit: int = Field(default=500, ge=1, le=2000)
    """Most change rows per answer; `more: true` says to sync again at once."""

    @field_validator("cursor", mode="before")
    @classmethod
    def _cursor(cls, value: Any) -> Optional[str]:
        """None, or the cursor as canonical digits ("<seq>" or the older "<seq>:<n>")."""
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError("expected the cursor text the server gave")
        parts = str(value).split(":") if isinstance(value, str) else [str(value)]
        if len(parts) > 2 or not all(p and p.isascii() and p.isdigit() and len(p) <= 19 for p in parts):
            raise ValueError("expected ASCII digits as given by the server")
        if any(int(p) > MAX_CURSOR for p in parts):
            raise ValueError("cursor out of range (at most 2^63 - 1)")
        return str(int(parts[0]))


def _hub(request: Request) -> ChangeHub:
    hub = getattr(request.app.state, "sync_hub", None)
    if hub is None:
        database: Database = request.app.state.database
        hub = hub_for(database.engine.url.render_as_string(hide_password=False))
        request.app.state.sync_hub = hub
    return hub


def _touch(database: Database, device_id: str, now: datetime) -> None:
    """Refresh Device.last_seen_at, at most once per SEEN_EVERY per device and process."""
    mono = time.monotonic()
    with _SEEN_LOCK:
        if mono - _SEEN.get(device_id, float("-inf")) < SEEN_EVERY:
            return
        _SEEN[device_id] = mono
    with database.write() as session:
        session.execute(
            update(Device)
            .where(Device.id == device_id)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )


_SEEN: Dict[str, float] = {}
_SEEN_LOCK = threading.Lock()
_SCOPES: Dict[str, Tuple[float, DeviceScope]] = {}
SCOPE_SECONDS = 60.0
"""A device's scope (household, group, zone) is looked up again after this many seconds."""


def _cached_scope(device_id: str) -> Optional[DeviceScope]:
    cached = _SCOPES.get(device_id)
    if cached is not None and time.monotonic() - cached[0] < SCOPE_SECONDS:
        return cached[1]
    return None


def _scope(database: Database, actor: Actor) -> DeviceScope:
    cached = _cached_scope(actor.id)
    if cached is not None:
        return cached
    with database.reader() as session:
        scope = device_scope(session, actor)
    _SCOPES[actor.id] = (time.monotonic(), scope)
    return scope


def _apply_ops(
    database: Database, actor: Actor, ops: List[Any], now: datetime, help_points: int = 10
) -> Tuple[List[Dict[str, Any]], List[EmergencyNotice], DeviceScope]:
    """Apply the ops in order, each on its own (thread pool): one result per element of ops."""
    scope = _scope(database, actor)
    results: List[Dict[str, Any]] = []
    notices: List[EmergencyNotice] = []
    for index, raw in enumerate(ops):
        try:
            op = check_op(index, raw)
        except BadOp as bad:
            results.append(bad.result)
            continue
        result, notice = apply_op(database, actor, scope, op, now, help_points)
        results.append(result)
        if notice is not None:
            notices.append(notice)
    _touch(database, scope.device_id, now)
    return results, notices, scope


def _read(database: Database, scope: DeviceScope, cursor: Cursor, now: datetime, limit: int) -> FeedPage:
    publish_due(database, scope.community_id, now)
    with database.reader() as session:
        return read_feed(session, scope, cursor, now, limit)


def _shared(database: Database, scope: DeviceScope, cursor: Cursor, now: datetime, limit: int) -> SharedPage:
    publish_due(database, scope.community_id, now, force=True)  # once per wake: sees new schedules
    with database.reader() as session:
        return read_shared(session, scope.community_id, scope.zone, cursor, now, limit)


class SharedReads:
    """Single-flight cache of shared feed reads, per process (see community.domain.fanout).

    Keyed by (community, cursor, wake generation): a read made after wake g serves every poll
    that saw generation g. Entries live TTL seconds, so a change committed by a process that
    cannot notify (SQLite + a CLI writer) is still seen by the next poll.
    """

    TTL = 2.0

    def __init__(self) -> None:
        self._entries: Dict[Tuple[Any, ...], Tuple[float, "asyncio.Future[SharedPage]"]] = {}

    async def page(
        self,
        database: Database,
        scope: DeviceScope,
        cursor: Cursor,
        generation: int,
        now: datetime,
        limit: int,
    ) -> Optional[FeedPage]:
        loop = asyncio.get_running_loop()
        moment = loop.time()
        for key, (made, _future) in list(self._entries.items()):
            if moment - made > self.TTL:
                del self._entries[key]
        key = (id(loop), scope.community_id, cursor.seq, generation, limit)
        entry = self._entries.get(key)
        if entry is None:
            future = asyncio.ensure_future(run_in_threadpool(_shared, database, scope, cursor, now, limit))
            self._entries[key] = entry = (moment, future)
        try:
            shared = await asyncio.shield(entry[1])
        except Exception:
            self._entries.pop(key, None)
            raise
        return page_for(shared, scope, cursor)


class Publisher:
    """Per process: a timer at the next scheduled announcement's publish time.

    When it fires, publish_due() records the announcement's change row, whose wake-up
    reaches every held poll (of every process, through NOTIFY) like any other change.
    """

    def __init__(self) -> None:
        self._timers: Dict[str, Tuple[datetime, asyncio.TimerHandle]] = {}

    def ensure(self, database: Database, clock: Any, community_id: str) -> None:
        upcoming = next_publish(community_id)
        current = self._timers.get(community_id)
        if upcoming is None or (current is not None and current[0] <= upcoming):
            return
        if current is not None:
            current[1].cancel()
        delay = max(0.0, (upcoming - clock.now()).total_seconds()) + 0.01
        handle = asyncio.get_running_loop().call_later(
            delay, lambda: asyncio.ensure_future(self._fire(database, clock, community_id))
        )
        self._timers[community_id] = (upcoming, handle)

    async def _fire(self, database: Database, clock: Any, community_id: str) -> None:
        self._timers.pop(community_id, None)
        try:
            await run_in_threadpool(publish_due, database, community_id, clock.now(), True)
        except Exception:
            _LOGGER.exception("publishing scheduled announcements of %s failed", community_id)
        self.ensure(database, clock, community_id)


def _publisher(request: Request) -> Publisher:
    publisher = getattr(request.app.state, "sync_publisher", None)
    if publisher is None:
        publisher = request.app.state.sync_publisher = Publisher()
    return publisher  # type: ignore[no-any-return]


def _shared_reads(request: Request) -> SharedReads:
    reads = getattr(request.app.state, "sync_shared_reads", None)
    if reads is None:
        reads = request.app.state.sync_shared_reads = SharedReads()
    return reads  # type: ignore[no-any-return]


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


async def _next_page(
    reads: SharedReads,
    database: Database,
    scope: DeviceScope,
    cursor: Cursor,
    seen: int,
    now: datetime,
    limit: int,
) -> FeedPage:
    """The shared read when it serves this speaker, else its own read (thread pool)."""
    page = await reads.page(database, scope, cursor, seen, now, limit)
    if page is None:
        page = await run_in_threadpool(_read, database, scope, cursor, now, limit)
    return page


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
    shared_reads = _shared_reads(request)
    if body.ops or cursor.seq < 0:
        results, notices, scope = await run_in_threadpool(
            _apply_ops, database, who, body.ops, clock.now(), request.app.state.settings.help_points
        )
        for notice in notices:  # before the read: a failed read must not cost an emergency its notice
            await run_in_threadpool(notify_all, notice)
        page = await run_in_threadpool(_read, database, scope, cursor, clock.now(), body.limit)
    else:  # a poll: served from the shared read of this cursor when it can be (no DB work of its own)
        results = []
        cached = _cached_scope(who.id)
        scope = cached if cached is not None else await run_in_threadpool(_scope, database, who)
        if time.monotonic() - _SEEN.get(who.id, float("-inf")) >= SEEN_EVERY:
            await run_in_threadpool(_touch, database, who.id, clock.now())
        page = await _next_page(shared_reads, database, scope, cursor, seen, clock.now(), body.limit)
    while page.empty and not page.more and not body.ops:
        remaining = body.wait - (asyncio.get_running_loop().time() - started)
        if remaining <= 0:
            break
        _publisher(request).ensure(database, clock, community_id)
        if not await _wait(request, hub, community_id, scope.household_id, seen, remaining):
            break
        seen = hub.generation(community_id)
        page = await _next_page(shared_reads, database, scope, page.cursor, seen, clock.now(), body.limit)
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
