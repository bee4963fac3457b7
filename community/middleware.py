"""ASGI middleware: request body size limit and security headers; revoked speakers cut off."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any, Awaitable, Callable, Dict, MutableMapping

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool

from .models import Device
from .security import token_hash
from .wakeup import ChangeHub, hub_for, token_key

_LOGGER = logging.getLogger(__name__)
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    ),
]


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Answer 413 when Content-Length or the streamed body passes `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: Dict[bytes, bytes] = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"0")
        if not length.isdigit() or int(length) > self.max_bytes:
            await _reject(send, self.max_bytes)
            return
        seen = 0
        started = False
        rejected = False
        private_ok = str(scope.get("path", "")).startswith("/static/")

        async def limited_receive() -> Message:
            # A streamed (chunked) body has no Content-Length: count it as it arrives, answer
            # 413 ourselves at once, and from then on the app only sees a disconnect and its
            # own answer is dropped (the body parsers would otherwise turn the error into 400).
            nonlocal seen, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    if not started:
                        rejected = True
                        await _reject(send, self.max_bytes)
                    raise _TooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if rejected:
                return
            if message["type"] == "http.response.start":
                started = True
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + _HEADERS
                if not private_ok:
                    # Schedules, health reminders and alerts must not stay in shared caches.
                    message["headers"].append((b"cache-control", b"no-store"))
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except Exception as exc:
            if not (rejected or isinstance(exc, _TooLarge)):
                raise


async def _reject(send: Send, max_bytes: int) -> None:
    body = json.dumps(
        {
            "error": {
                "code": "body_too_large",
                "message": f"填写的内容太长了，最多 {max_bytes // 1024} KB"
                f" (request body over {max_bytes} bytes)",
            }
        },
        ensure_ascii=False,
    ).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class DeviceGuard:
    """A speaker's requests end with 401 the moment its token is revoked.

    Every request with a bearer token watches the token in the database's ChangeHub, which
    hears revocations from every server process (community.wakeup). A held long poll is
    cancelled at once, and an answer about to go out to a revoked token is replaced by 401,
    so a change committed after the revocation never reaches the revoked speaker.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        digest = _bearer_hash(scope) if scope["type"] == "http" else ""
        if not digest:
            await self.app(scope, receive, send)
            return
        key = token_key(digest)
        hub = _hub(scope)
        revoked = hub.watch(key)
        started = False
        answered = False

        async def guarded_send(message: Message) -> None:
            nonlocal started, answered
            if answered:
                return
            if message["type"] == "http.response.start":
                if hub.is_revoked(key) or (not hub.ready.is_set() and await _revoked_in_db(scope, digest)):
                    answered = True
                    await _unauthorized(send)
                    return
                started = True
            await send(message)

        request = asyncio.ensure_future(self.app(scope, receive, guarded_send))
        cut = asyncio.ensure_future(revoked.wait())
        try:
            await asyncio.wait({request, cut}, return_when=asyncio.FIRST_COMPLETED)
            if not request.done():
                request.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await request
                if not started and not answered:
                    answered = True
                    await _unauthorized(send)
                return
            request.result()
        finally:
            cut.cancel()
            if not request.done():
                request.cancel()
            hub.unwatch(key, revoked)


def _bearer_hash(scope: Scope) -> str:
    """SHA-256 of the bearer token, as api.deps.device reads it ("" without one)."""
    for name, value in scope.get("headers") or []:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token_hash(token.strip()[:200])
    return ""


async def _revoked_in_db(scope: Scope, digest: str) -> bool:
    """Asked only while the hub cannot hear revocations yet (LISTEN still connecting)."""
    database = scope["app"].state.database

    def lookup() -> bool:
        with database.reader() as session:
            found = session.scalar(sa.select(Device.revoked_at).where(Device.token_hash == digest))
        return found is not None

    return await run_in_threadpool(lookup)


def _hub(scope: Scope) -> ChangeHub:
    state = scope["app"].state
    hub = getattr(state, "sync_hub", None)
    if hub is None:
        hub = hub_for(state.database.engine.url.render_as_string(hide_password=False))
        state.sync_hub = hub
    return hub  # type: ignore[no-any-return]


async def _unauthorized(send: Send) -> None:
    body = json.dumps(
        {
            "error": {
                "code": "not_authenticated",
                "message": "音箱已经停用，请重新配对 (device token unknown or revoked; pair again)",
            }
        },
        ensure_ascii=False,
    ).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"www-authenticate", b"Bearer"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
