"""Long-poll wake-up: committed change rows wake the sync requests waiting for them.

Every transaction that appends to `changes` (community.changes.record_change) is seen by a
Session listener installed here. After it commits, the in-process `ChangeHub` of that
database wakes the waiting long polls of the same community (and household). On PostgreSQL
the transaction also runs `pg_notify('yc_changes', 'community:household')`, which PostgreSQL
delivers to every server process on commit; each process keeps one LISTEN connection (a
daemon thread) and wakes its own waiters. A single SQLite process needs only the in-process
signal.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from .models import Change

_LOGGER = logging.getLogger(__name__)
CHANNEL = "yc_changes"
_INFO_KEY = "yc_change_scopes"
Scope = Tuple[str, Optional[str]]
"""(community_id, household_id or None for community-wide changes)."""


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

    def waiting(self) -> int:
        """Long polls held right now."""
        return sum(len(group) for group in self._waiters.values())

    def _bind_loop(self) -> None:
        # One server process runs one loop; a test client may start a fresh loop per request.
        self._loop = asyncio.get_running_loop()
        if self._listener is None and self.url.startswith("postgresql"):
            self._start_listener()

    def _wake(self, scopes: Iterable[Scope]) -> None:
        self.wakes += 1
        for community_id, household_id in set(scopes):
            self._generation[community_id] = self.generation(community_id) + 1
            for waiter in list(self._waiters.get(community_id, ())):
                if household_id is None or waiter.household_id == household_id:
                    waiter.event.set()

    # ------------------------------------------------------------------ waking (any thread)
    def wake_threadsafe(self, scopes: Iterable[Scope]) -> None:
        """Wake from any thread (request worker threads, the LISTEN thread)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        items = list(scopes)
        try:
            loop.call_soon_threadsafe(self._wake, items)
        except RuntimeError:  # loop shut down between the check and the call
            pass

    # ------------------------------------------------------------------ PostgreSQL LISTEN
    def _start_listener(self) -> None:
        self._listener = threading.Thread(target=self._listen_forever, name="pg-listen", daemon=True)
        self._listener.start()

    def close(self) -> None:
        self._stop.set()
        _HUBS.pop(self.url, None)

    def _listen_forever(self) -> None:
        import psycopg

        dsn = self.url.replace("postgresql+psycopg://", "postgresql://", 1)
        delay = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    delay = 0.5
                    while not self._stop.is_set():
                        batch = [_parse(n.payload) for n in conn.notifies(timeout=1.0)]
                        if batch:
                            self.wake_threadsafe(batch)
            except Exception:
                _LOGGER.exception("LISTEN %s failed; retrying in %.1f s", CHANNEL, delay)
                # Waiters may have missed a change while disconnected: wake everyone once.
                self.wake_threadsafe((c, None) for c in list(self._waiters))
                time.sleep(delay)
                delay = min(delay * 2, 10.0)


def _parse(payload: str) -> Scope:
    community_id, _, household_id = payload.partition(":")
    return community_id, household_id or None


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
    if not scopes:
        return
    session.info[_INFO_KEY] = scopes
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        for community_id, household_id in scopes:
            session.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": CHANNEL, "payload": f"{community_id}:{household_id or ''}"},
            )


def _after_commit(session: Session) -> None:
    scopes = session.info.pop(_INFO_KEY, None)
    if not scopes:
        return
    try:
        url = session.get_bind().engine.url.render_as_string(hide_password=False)
    except Exception:  # no bind: nothing to wake
        return
    hub = _HUBS.get(url)
    if hub is not None:
        hub.wake_threadsafe(scopes)


def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_INFO_KEY, None)


# Installed on import: every process that writes changes (server workers, CLI, tests) then
# sends pg_notify with its commits, so long polls in other processes wake up.
_install_listeners()
