"""Long-poll wake-up: committed change rows wake the sync requests waiting for them.

Every transaction that appends to `changes` (community.changes.record_change) is seen by a
Session listener installed here. On SQLite (one process), after it commits, the in-process
`ChangeHub` of that database wakes the waiting long polls of the same community (and
household). On PostgreSQL the transaction runs `pg_notify('yc_changes', 'community:household')`,
which PostgreSQL delivers to every server process on commit, in commit order; each process
keeps one LISTEN connection (a daemon thread) and wakes its own waiters from it, its own
commits included (so that wakes keep commit order, see revocations below). When LISTEN (re)connects,
every held poll reads its feed once more, since nothing missed can be known.

Revoking a speaker (community.domain.devices.revoke_device) travels the same way, as
`community:household:<token key>`: every process adds the token to its revoked set and sets
the events that community.middleware.DeviceGuard watches, which ends the requests the token
has open (a held long poll included) with 401 at once. NOTIFYs arrive in commit order, so a
change committed after the revocation wakes a poll only after its process knows of the
revocation, and the guard checks the set again before any answer goes out.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple, Union

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from .models import Change

_LOGGER = logging.getLogger(__name__)
CHANNEL = "yc_changes"
_INFO_KEY = "yc_change_scopes"
_REVOKED_KEY = "yc_revoked_devices"
Scope = Tuple[str, Optional[str]]
"""(community_id, household_id or None for community-wide changes)."""
Revocation = Tuple[str, str, str]
"""(community_id, household_id, token_key(token)) of a speaker whose token was revoked."""


def token_key(token_hash: str) -> str:
    """The name of a device token in revocation messages: the first half of its stored SHA-256."""
    return token_hash[:32]


@dataclass(eq=False)
class _Waiter:
    household_id: str
    event: asyncio.Event = field(default_factory=asyncio.Event)


class ChangeHub:
    """Per-process registry of long polls waiting for changes of one database.

    `generation(community)` increases on every wake of that community, so a request that
    read the feed at generation g and sees g again before waiting knows nothing was missed.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._waiters: Dict[str, Set[_Waiter]] = {}
        self._generation: Dict[str, int] = {}
        self._listener: Optional[threading.Thread] = None
        self._stop = threading.Event()
        self._revoked: Set[str] = set()
        self._revoked_lock = threading.Lock()
        self._watchers: Dict[str, Set[asyncio.Event]] = {}
        self.ready = threading.Event()
        """Set while this process hears every commit: always on SQLite (one process); on
        PostgreSQL once LISTEN is established and the revoked tokens are loaded."""
        if not url.startswith("postgresql"):
            self.ready.set()
        self.wakes = 0
        """Number of wake calls handled (for tests and the benchmark)."""

    # ------------------------------------------------------------------ waiting (event loop)
    def generation(self, community_id: str) -> int:
        return self._generation.get(community_id, 0)

    async def wait(self, community_id: str, household_id: str, seen: int, timeout: float) -> bool:
        """Wait until a change of this household or its whole community, or timeout.

        seen: generation() read before the caller's last feed read; returns at once if it moved.
        Returns True when woken, False on timeout.
        """
        self._bind_loop()
        if self.generation(community_id) != seen:
            return True
        waiter = _Waiter(household_id)
        self._waiters.setdefault(community_id, set()).add(waiter)
        try:
            await asyncio.wait_for(waiter.event.wait(), timeout=max(0.0, timeout))
            return True
        except asyncio.TimeoutError:
            return False
        finally:
            group = self._waiters.get(community_id)
            if group is not None:
                group.discard(waiter)
                if not group:
                    self._waiters.pop(community_id, None)

    # ------------------------------------------------------------------ revoked tokens (event loop)
    def is_revoked(self, token_key: str) -> bool:
        """True once this process has heard that the token (token_key(token)) was revoked."""
        with self._revoked_lock:
            return token_key in self._revoked

    def watch(self, token_key: str) -> asyncio.Event:
        """An event set when this token is revoked (at once if it already was); unwatch() after."""
        self._bind_loop()
        event = asyncio.Event()
        self._watchers.setdefault(token_key, set()).add(event)
        if self.is_revoked(token_key):
            event.set()
        return event

    def unwatch(self, token_key: str, event: asyncio.Event) -> None:
        group = self._watchers.get(token_key)
        if group is not None:
            group.discard(event)
            if not group:
                self._watchers.pop(token_key, None)

    def waiting(self) -> int:
        """Long polls held right now."""
        return sum(len(group) for group in self._waiters.values())

    def _bind_loop(self) -> None:
        # One server process runs one loop; a test client may start a fresh loop per request.
        self._loop = asyncio.get_running_loop()
        if self._listener is None and self.url.startswith("postgresql"):
            self._start_listener()

    def _wake(self, scopes: Iterable[Scope], revoked: Iterable[Revocation] = ()) -> None:
        scopes = set(scopes)
        if scopes:
            self.wakes += 1
        for community_id, household_id in scopes:
            self._generation[community_id] = self.generation(community_id) + 1
            for waiter in list(self._waiters.get(community_id, ())):
                if household_id is None or waiter.household_id == household_id:
                    waiter.event.set()
        for _community_id, _household_id, token_key in revoked:
            for watcher in list(self._watchers.get(token_key, ())):
                watcher.set()

    # ------------------------------------------------------------------ waking (any thread)
    def wake_threadsafe(self, scopes: Iterable[Scope], revoked: Iterable[Revocation] = ()) -> None:
        """Wake from any thread (request worker threads, the LISTEN thread).

        revoked: speakers whose tokens were revoked; remembered at once (before the wake runs
        on the loop), so a feed read that finishes after this call cannot be answered to them.
        """
        ended = list(revoked)
        if ended:
            with self._revoked_lock:
                self._revoked.update(key for _c, _h, key in ended)
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        items = list(scopes)
        try:
            loop.call_soon_threadsafe(self._wake, items, ended)
        except RuntimeError:  # loop shut down between the check and the call
            pass

    # ------------------------------------------------------------------ PostgreSQL LISTEN
    def _start_listener(self) -> None:
        self._listener = threading.Thread(target=self._listen_forever, name="pg-listen", daemon=True)
        self._listener.start()

    def close(self) -> None:
        self._stop.set()
        with _HUBS_LOCK:
            if _HUBS.get(self.url) is self:
                del _HUBS[self.url]

    def _listen_forever(self) -> None:
        import psycopg

        dsn = self.url.replace("postgresql+psycopg://", "postgresql://", 1)
        delay = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    # Whatever committed before LISTEN was heard by no one here: load the
                    # revoked tokens, and let every held poll read its feed once more.
                    rows = conn.execute("SELECT token_hash FROM devices WHERE revoked_at IS NOT NULL")
                    known = [("", "", token_key(str(row[0]))) for row in rows]
                    self.wake_threadsafe([(c, None) for c in list(self._waiters)], known)
                    self.ready.set()
                    delay = 0.5
                    while not self._stop.is_set():
                        batch = [_parse(n.payload) for n in conn.notifies(timeout=1.0)]
                        if batch:
                            self.wake_threadsafe(
                                [b for b in batch if len(b) == 2],  # type: ignore[misc]
                                [b for b in batch if len(b) == 3],  # type: ignore[misc]
                            )
            except Exception:
                self.ready.clear()
                _LOGGER.exception("LISTEN %s failed; retrying in %.1f s", CHANNEL, delay)
                # Waiters may have missed a change while disconnected: wake everyone once.
                self.wake_threadsafe((c, None) for c in list(self._waiters))
                time.sleep(delay)
                delay = min(delay * 2, 10.0)


def _parse(payload: str) -> Union[Scope, Revocation]:
    """'c:h' or 'c:' is a change scope; 'c:h:k' is the revocation of the device token with key k."""
    parts = payload.split(":")
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    community_id, _, household_id = payload.partition(":")
    return community_id, household_id or None


def note_revocation(session: Session, community_id: str, household_id: str, token_hash: str) -> None:
    """Call in the transaction that revokes a device token (its stored SHA-256): on commit, the
    requests it has open end with 401 in every server process (community.middleware.DeviceGuard)."""
    session.info.setdefault(_REVOKED_KEY, set()).add((community_id, household_id, token_key(token_hash)))


_HUBS: Dict[str, ChangeHub] = {}
_HUBS_LOCK = threading.Lock()


def hub_for(url: str) -> ChangeHub:
    """The process-wide hub of one database URL (created on first use)."""
    with _HUBS_LOCK:
        hub = _HUBS.get(url)
        if hub is None:
            hub = _HUBS[url] = ChangeHub(url)
        return hub


# ---------------------------------------------------------------------- Session listeners
_INSTALLED = False


def _install_listeners() -> None:
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _after_rollback)


def _scopes_of(objects: Iterable[Any]) -> List[Scope]:
    return [(o.community_id, o.household_id) for o in objects if isinstance(o, Change)]


def _after_flush(session: Session, _context: Any) -> None:
    found = _scopes_of(session.new)
    if found:
        session.info.setdefault(_INFO_KEY, set()).update(found)


def _before_commit(session: Session) -> None:
    scopes: Set[Scope] = set(session.info.get(_INFO_KEY, ())) | set(_scopes_of(session.new))
    revoked: Set[Revocation] = set(session.info.get(_REVOKED_KEY, ()))
    if not scopes and not revoked:
        return
    session.info[_INFO_KEY] = scopes
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        payloads = [f"{c}:{h}:{d}" for c, h, d in sorted(revoked)]  # revocations first
        payloads += [f"{community_id}:{household_id or ''}" for community_id, household_id in scopes]
        for payload in payloads:
            session.execute(
                text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload}
            )


def _after_commit(session: Session) -> None:
    scopes = session.info.pop(_INFO_KEY, None)
    revoked = session.info.pop(_REVOKED_KEY, None)
    if not scopes and not revoked:
        return
    try:
        url = session.get_bind().engine.url.render_as_string(hide_password=False)
    except Exception:  # no bind: nothing to wake
        return
    hub = _HUBS.get(url)
    if hub is None:
        return
    if session.get_bind().dialect.name == "postgresql":
        # Changes wake this process through its own LISTEN, like every other process: NOTIFYs
        # come in commit order, so a revocation committed anywhere is always heard before a
        # change committed after it (a direct wake here could overtake it). A revocation made
        # here is also remembered at once.
        hub.wake_threadsafe((), revoked or ())
    else:
        hub.wake_threadsafe(scopes or (), revoked or ())


def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_INFO_KEY, None)
    session.info.pop(_REVOKED_KEY, None)


# Installed on import: every process that writes changes (server workers, CLI, tests) then
# sends pg_notify with its commits, so long polls in other processes wake up.
_install_listeners()
