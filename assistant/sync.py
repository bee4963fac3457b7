"""Device sync worker: push the outbox, long-poll for changes, apply them, tell the dialog.

Two threads beside the dialog:
- the *poller* runs one round trip after another (`POST /api/v1/device/sync` with the
  pending ops, the cursor and `wait` = long-poll seconds) and backs off with jitter while the
  server is unreachable;
- the *pusher* waits for new outbox ops (Assistant.outbox_changed) and, while the poller is
  held in a long poll, sends them at once in a short round trip (wait = 0), so an emergency
  or a booking never waits for the long poll to end.

Every op gets a result of its own. One the server rejected for good is acknowledged (never
sent again), logged, and shown by `python -m assistant doctor`; one it could not apply for now
(`"retry": true`: database busy, server error) stays in the outbox and is sent again with a
per-op backoff (assistant.outbox.RetryPlan), while the ops behind it go on.

Every answer is applied with assistant.changes.apply_changes() in one store transaction. Its
changes are applied only if it started from the cursor now stored: an older answer that
arrives late keeps its op results but drops its changes, which the newer answer (or the
next one) covers, so the store never steps back to older data.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import random
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Set, Tuple
from zoneinfo import ZoneInfo

from intents.schema import Activity

from .changes import (
    CURSOR_KEY,
    AlertChange,
    BookingChange,
    HelpChange,
    PollChange,
    ReminderChange,
    ServerChanges,
    SkillChange,
    apply_changes,
)
from .clock import Clock
from .events import AnnouncementArrived, Event, SyncFinished
from .outbox import RetryPlan, is_temporary, note_retry
from .records import OutboxOp
from .store import AssistantError, Store

_LOGGER = logging.getLogger(__name__)
TOKEN_FILE = "device_token"
"""The bearer token from pairing, in settings.data_dir, mode 0600."""
SERVER_KEY = "sync.server_url"
"""Store setting: the server this device was paired with."""
OFFSET_KEY = "sync.clock_offset_seconds"
"""Store setting: server time minus device time at the last sync (seconds)."""
URGENT_BACKOFF_MAX = 5.0
"""While an urgent op (emergency, its cancel) waits in the outbox, a failed round trip is retried
after at most this many seconds (times the jitter), not after up to backoff_max (issue 14)."""
UNPAIRED_TEXT = "这个音箱需要重新配对，请联系社区工作人员。"


class SyncError(AssistantError):
    """A sync round trip failed (network, server error, bad answer)."""


class Unpaired(SyncError):
    """The server refused the token (revoked or unknown): pair again."""


@dataclass(frozen=True)
class SyncSettings:
    """Timing of the sync worker (seconds)."""

    long_poll: float = 25.0
    """How long the server may hold a poll open when nothing is new."""
    backoff_min: float = 1.0
    backoff_max: float = 60.0
    """Retry delay grows 1, 2, 4 … up to this, each times a random 0.5–1.0 (jitter)."""
    batch: int = 50
    """Most ops per round trip."""
    connect_timeout: float = 5.0


# ---------------------------------------------------------------------- token file
def token_path(data_dir: Path) -> Path:
    return Path(data_dir) / TOKEN_FILE


def read_token(data_dir: Path) -> Optional[str]:
    """The stored device token, or None when not paired."""
    path = token_path(data_dir)
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return token or None


def write_token(data_dir: Path, token: str) -> Path:
    """Store the token atomically with mode 0600 (never readable by other users)."""
    path = token_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


# ---------------------------------------------------------------------- one round trip
class SyncClient:
    """HTTP side of the round trips: one keep-alive connection (http.client, blocking).

    The standard library client is used because its socket is reachable: close() from
    another thread shuts the socket down, which ends a long poll at once (on both sides).
    """

    def __init__(self, server_url: str, token: str, settings: SyncSettings = SyncSettings()) -> None:
        parts = urllib.parse.urlsplit(server_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SyncError(f"server_url {server_url!r}: expected http://host[:port] or https://…")
        self.server_url = server_url.rstrip("/")
        self._https = parts.scheme == "https"
        self._host, self._port, self._path = parts.hostname, parts.port, parts.path + "/api/v1/device/sync"
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self._timeout = settings.long_poll + 15.0
        self._conn: Optional[http.client.HTTPConnection] = None
        self._closed = False

    def _connection(self) -> http.client.HTTPConnection:
        if self._closed:
            raise SyncError("sync client closed")
        if self._conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = cls(self._host, self._port, timeout=self._timeout)
        return self._conn

    def round_trip(self, cursor: Optional[str], ops: List[OutboxOp], wait: float) -> Dict[str, Any]:
        """POST the ops; returns the answer; Unpaired on 401, SyncError on anything else."""
        body = json.dumps({"cursor": cursor, "ops": [op.to_wire() for op in ops], "wait": wait},
                          ensure_ascii=False).encode("utf-8")
        for attempt in (1, 2):
            reused = self._conn is not None
            try:
                conn = self._connection()
                conn.request("POST", self._path, body, self._headers)
                response = conn.getresponse()
                raw = response.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                self._drop()
                # A kept-alive connection the server closed while idle fails on first use:
                # retry once on a fresh one (ops are idempotent, so a resend is harmless).
                if attempt == 1 and reused and not self._closed:
                    continue
                raise SyncError(f"server unreachable: {exc.__class__.__name__}: {exc}") from exc
        if response.status == 401:
            raise Unpaired("the server refused the device token")
        if response.status != 200:
            raise SyncError(f"sync answered {response.status}: {raw[:200].decode('utf-8', 'replace')}")
        try:
            data = json.loads(raw)
            _ = data["cursor"], data["results"], data["changes"]
        except (ValueError, KeyError, TypeError) as exc:
            raise SyncError(f"malformed sync answer: {exc}") from exc
        return data  # type: ignore[no-any-return]

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def close(self) -> None:
        """Close; safe from another thread, where it cuts a long poll in flight."""
        self._closed = True
        conn = self._conn
        sock = getattr(conn, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._drop()


def server_changes(
    answer: Mapping[str, Any], sent: List[OutboxOp], with_feed: bool, cancelling: Set[str]
) -> ServerChanges:
    """The answer as a ServerChanges.

    with_feed: False keeps only op results (an answer that arrived out of order).
    cancelling: reminder ids with a voice cancel still waiting for the server; a family
    edit of them in this answer is ignored (the cancel wins, see docs/sync.md).
    """
    types = {op.op_id: op for op in sent}
    bookings: List[Tuple[str, str, str]] = []
    services: List[Tuple[str, str, str]] = []
    acked: List[Tuple[str, Mapping[str, Any]]] = []
    for result in answer["results"]:
        op = types.get(str(result.get("op_id")))
        if op is None or is_temporary(result):  # not an answer yet: the op is sent again later
            continue
        acked.append((op.op_id, result))
        rejected = result.get("status") == "rejected"
        if op.type == "booking.create":
            bid = str(op.payload.get("booking_id"))
            code = str(result.get("code", ""))
            bookings.append((bid, "rejected", code) if rejected else (bid, "confirmed", ""))
        elif op.type == "service.request" and rejected:
            services.append((str(op.payload.get("request_id")), "rejected", str(result.get("code", ""))))
    if not with_feed:
        return ServerChanges(bookings=tuple(bookings), services=tuple(services), acknowledged=tuple(acked))
    feed = answer["changes"]
    activities = None
    taken: Dict[str, int] = {}
    teaching: Tuple[str, ...] = ()
    if feed.get("activities") is not None:
        activities = tuple(
            Activity(a["id"], a["title"], a["category"], datetime.fromisoformat(a["start"]), a["place"],
                     a["capacity"])
            for a in feed["activities"]
        )
        taken = {a["id"]: int(a.get("taken", 0)) for a in feed["activities"]}
        teaching = tuple(str(a["id"]) for a in feed["activities"] if a.get("teacher"))
    bookings += [(b["id"], b["status"], b.get("reason", "")) for b in feed.get("bookings", [])]
    booking_changes = tuple(_booking_change(b) for b in feed.get("bookings", []) if b.get("activity"))
    services += [(s["id"], s["status"], s.get("reason", "")) for s in feed.get("services", [])]
    reminders = tuple(
        ReminderChange(r["id"], r["content"], r["time"], r["date"], r.get("repeat"),
                       bool(r.get("active", True)), r.get("since"))
        for r in feed.get("reminders", [])
        if r["id"] not in cancelling
    )
    return ServerChanges(
        cursor=str(answer["cursor"]),
        activities=activities,
        taken=taken,
        bookings=tuple(bookings),
        services=tuple(services),
        reminders=reminders,
        deleted_reminders=tuple(feed.get("deleted_reminders", [])),
        announcements=tuple(
            (a["id"], a["text"], bool(a.get("urgent")), datetime.fromisoformat(a["created_at"]))
            for a in feed.get("announcements", [])
        ),
        messages=tuple(
            (m["id"], m["sender"], m["text"], datetime.fromisoformat(m["created_at"]))
            for m in feed.get("messages", [])
        ),
        points=feed.get("points"),
        booking_changes=booking_changes,
        routine={str(k): str(v) for k, v in feed["routine"].items()} if feed.get("routine") is not None
        else None,
        alerts=tuple(
            AlertChange(str(a["id"]), str(a["status"]), str(a.get("by") or ""), str(a.get("by_role") or ""),
                        datetime.fromisoformat(a["at"]) if a.get("at") else None)
            for a in feed.get("alerts", [])
        ),
        help=tuple(
            HelpChange(str(h["id"]), str(h["status"]), str(h.get("what") or ""),
                       str(h.get("volunteer") or ""),
                       datetime.fromisoformat(h["visit_at"]) if h.get("visit_at") else None)
            for h in feed.get("help", [])
        ),
        polls=tuple(
            PollChange(str(p["id"]), str(p.get("question") or ""),
                       tuple(str(o) for o in p.get("options") or ()), bool(p.get("closed")))
            for p in feed.get("polls", [])
        ),
        skills=tuple(
            SkillChange(str(k["id"]), str(k.get("skill") or ""), str(k.get("status") or ""),
                        str(k.get("title") or ""),
                        datetime.fromisoformat(k["start"]) if k.get("start") else None)
            for k in feed.get("skills", [])
        ),
        teaching=teaching,
        acknowledged=tuple(acked),
    )


def _booking_change(item: Mapping[str, Any]) -> BookingChange:
    act = item["activity"]
    activity = Activity(act["id"], act["title"], act["category"], datetime.fromisoformat(act["start"]),
                        act["place"], act["capacity"])
    return BookingChange(str(item["id"]), str(item["status"]), activity, int(act.get("taken", 0)),
                         str(item.get("by") or ""), str(item.get("by_role") or ""),
                         str(item.get("reason") or ""))


def _server_time(answer: Mapping[str, Any]) -> Optional[datetime]:
    """Server time as a naive local time of the community (the device's clock form)."""
    try:
        moment = datetime.fromisoformat(str(answer["server_time"]))
        zone = ZoneInfo(str(answer.get("timezone") or "Asia/Shanghai"))
    except (KeyError, ValueError):
        return None
    return moment.astimezone(zone).replace(tzinfo=None)


def _kinds(changes: ServerChanges) -> Tuple[str, ...]:
    names = []
    for name in ("activities", "bookings", "services", "reminders", "deleted_reminders", "announcements",
                 "messages", "points", "routine", "alerts", "help", "polls", "skills"):
        value = getattr(changes, name)
        if value not in (None, (), {}):
            names.append(name)
    return tuple(names)


# ---------------------------------------------------------------------- the worker
class SyncWorker:
    """Keeps one device store in sync with its community server (see the module docstring)."""

    def __init__(self, store: Store, clock: Clock, post: Callable[[Event], None], server_url: str,
                 data_dir: Path, kick: Optional[threading.Event] = None,
                 settings: SyncSettings = SyncSettings()) -> None:
        self.store, self.clock, self._post = store, clock, post
        self.server_url, self.data_dir, self.settings = server_url, Path(data_dir), settings
        self._kick = kick if kick is not None else threading.Event()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._polling = threading.Event()
        self._apply_lock = threading.Lock()
        self._clients: Dict[str, SyncClient] = {}
        self._threads: List[threading.Thread] = []
        self._failing = False
        self._told_unpaired = False
        self._retries = RetryPlan(settings.backoff_min, settings.backoff_max)
        self._retry_lock = threading.Lock()
        self._in_flight: Set[str] = set()
        """Op ids in a round trip of one thread, so the other does not send them at the same time."""
        self.rounds = 0
        """Round trips answered (for tests and logs)."""

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        if self._threads:
            return
        self._stop.clear()
        for target, name in ((self._poll_loop, "sync-poll"), (self._push_loop, "sync-push")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        _LOGGER.info("sync with %s started", self.server_url)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop both threads; a long poll in flight is cut by closing its connection."""
        self._stop.set()
        self._wake.set()
        self._kick.set()
        for client in list(self._clients.values()):
            client.close()
        for thread in self._threads:
            thread.join(timeout=timeout)
        self._threads = []
        self._clients.clear()

    def kick(self) -> None:
        """New outbox ops: send them now."""
        self._kick.set()

    # ------------------------------------------------------------------ one round trip
    def sync_once(self, wait: float = 0.0, role: str = "poll") -> bool:
        """Push pending ops, fetch and apply changes; True if there is more to fetch at once.

        wait: long-poll seconds, used only when there are no ops to send.
        Raises Unpaired or SyncError.
        """
        client = self._client(role)
        cursor = self.store.get_setting(CURSOR_KEY)
        ops = self._due_ops()
        try:
            if ops:
                self.store.mark_sent([op.op_id for op in ops], self.clock.now())
            answer = client.round_trip(cursor, ops, 0.0 if ops else self._wait(wait))
            if self._stop.is_set():
                return False  # stopping: the store may be closing; the ops are resent next time
            self._apply(cursor, ops, answer)
        finally:
            with self._retry_lock:
                self._in_flight.difference_update(op.op_id for op in ops)
        return bool(ops) or bool(answer.get("more"))

    def _due_ops(self) -> List[OutboxOp]:
        """Pending ops to send now (urgent first), leaving out those waiting for a retry and those
        the other thread is sending."""
        with self._retry_lock:
            skip = len(self._retries) + len(self._in_flight)
            moment = time.monotonic()
            ops = [op for op in self.store.pending_ops(self.settings.batch + skip)
                   if op.op_id not in self._in_flight and self._retries.due(op.op_id, moment)]
            ops = ops[: self.settings.batch]
            self._in_flight.update(op.op_id for op in ops)
            return ops

    def _wait(self, wait: float) -> float:
        """The long poll, cut short to the next retry of a held op. A retry already due is the
        other thread's (in flight) or the pusher's to send: never a poll of 0 s in a loop."""
        with self._retry_lock:
            due = self._retries.next_due()
        left = None if due is None else due - time.monotonic()
        return wait if left is None or left <= 0 else min(wait, left)

    def _results(self, sent: List[OutboxOp], answer: Mapping[str, Any]) -> None:
        """Log ops rejected for good; keep temporary failures for a retry with backoff."""
        types = {op.op_id: op for op in sent}
        for result in answer.get("results", []):
            op = types.get(str(result.get("op_id")))
            if op is None:
                continue
            if is_temporary(result):
                with self._retry_lock:
                    delay = self._retries.failed(op.op_id, time.monotonic())
                note_retry(self.store, op.op_id, result)
                _LOGGER.warning("op %s (%s) not applied for now (%s: %s); retrying in %.1f s", op.op_id,
                                op.type, result.get("code"), result.get("message"), delay)
                continue
            with self._retry_lock:
                self._retries.done(op.op_id)
            if result.get("status") == "rejected":
                _LOGGER.warning("op %s (%s) rejected for good, dropped: %s: %s", op.op_id, op.type,
                                result.get("code"), result.get("message"))

    def _client(self, role: str) -> SyncClient:
        client = self._clients.get(role)
        if client is None:
            token = read_token(self.data_dir)
            if token is None:
                raise Unpaired(f"no device token in {token_path(self.data_dir)}")
            client = self._clients[role] = SyncClient(self.server_url, token, self.settings)
        return client

    def _apply(self, cursor: Optional[str], sent: List[OutboxOp], answer: Mapping[str, Any]) -> None:
        with self._apply_lock:
            in_order = self.store.get_setting(CURSOR_KEY) == cursor
            cancelling = {str(op.payload.get("reminder_id")) for op in self.store.pending_ops(1000)
                          if op.type == "reminder.cancel"}
            changes = server_changes(answer, sent, in_order, cancelling)
            now = self.clock.now()
            events = apply_changes(self.store, changes, now)
            self._results(sent, answer)
            server_time = _server_time(answer)
            if server_time is not None:
                offset = round((server_time - now).total_seconds(), 3)
                rest = abs(offset) % 1800  # zones differ by whole half hours
                if abs(offset) >= 1795 and min(rest, 1800 - rest) < 5 and self.rounds == 0:
                    _LOGGER.warning("clock %+.0f s from the server: is the device's time zone the "
                                    "community's (%s)?", offset, answer.get("timezone"))
                self.store.set_setting(OFFSET_KEY, offset)
            self.rounds += 1
        self._failing = False
        self._told_unpaired = False
        for event in events:
            self._post(event)
        self._post(SyncFinished(True, _kinds(changes), "", server_time))

    # ------------------------------------------------------------------ threads
    def _poll_loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self._polling.set()
                more = self.sync_once(self.settings.long_poll, "poll")
                failures = 0
                if more:
                    continue
                delay = 0.0
            except Unpaired as exc:
                self._on_unpaired(exc)
                delay = self.settings.backoff_max
            except Exception as exc:  # network, server, or a bug: log, back off, retry
                if self._stop.is_set():
                    return  # stop() closed the connection under a long poll
                failures += 1
                delay = self._backoff(failures)
                self._on_failure(exc, delay)
            finally:
                self._polling.clear()
            if delay > 0 and self._wake.wait(delay):
                self._wake.clear()

    def _backoff(self, failures: int) -> float:
        base = min(self.settings.backoff_max, self.settings.backoff_min * 2 ** min(failures - 1, 16))
        if base > URGENT_BACKOFF_MAX and self._urgent_waiting():
            base = URGENT_BACKOFF_MAX  # an emergency waits in the outbox: keep trying every few seconds
        return base * random.uniform(0.5, 1.0)

    def _urgent_waiting(self) -> bool:
        try:
            return any(op.urgent for op in self.store.pending_ops(1))  # urgent ops come first
        except Exception:  # the store closing under us: the usual backoff will do
            return False

    def _push_loop(self) -> None:
        nudged: Optional[float] = None  # the retry time already acted on (once each: no busy loop)
        while not self._stop.is_set():
            with self._retry_lock:
                due = self._retries.next_due()
            wait = 0.5 if due is None or due == nudged else min(0.5, max(0.01, due - time.monotonic()))
            kicked = self._kick.wait(wait)
            if self._stop.is_set():
                continue
            if kicked:
                self._kick.clear()
            elif due is None or due == nudged or due > time.monotonic():
                continue
            else:
                nudged = due  # a held op's retry is due: send it now, not after the long poll
            if not self._polling.is_set():
                self._wake.set()  # the poller is between rounds or backing off: go now
                continue
            try:
                while self.sync_once(0.0, "push") and not self._stop.is_set():
                    pass
            except Unpaired as exc:
                self._on_unpaired(exc)
            except Exception as exc:  # the poller retries with backoff; this thread lives on
                _LOGGER.info("push failed (%s); the poller will retry", exc)
                self._wake.set()

    def _on_failure(self, exc: Exception, delay: float) -> None:
        if isinstance(exc, SyncError):
            _LOGGER.warning("sync failed: %s; retrying in %.1f s", exc, delay)
        else:
            _LOGGER.exception("sync crashed; retrying in %.1f s", delay)
        self._drop_clients()
        if not self._failing:
            self._failing = True
            self._post(SyncFinished(False, (), str(exc)[:200]))

    def _on_unpaired(self, exc: Exception) -> None:
        _LOGGER.warning("%s: pair again with `python -m assistant pair`", exc)
        self._drop_clients()
        if self._told_unpaired:
            return
        self._told_unpaired = True
        now = self.clock.now()
        self._post(SyncFinished(False, (), "unpaired"))
        self._post(AnnouncementArrived(f"unpaired-{now:%Y%m%d%H%M%S}", UNPAIRED_TEXT, False, now))

    def _drop_clients(self) -> None:
        for role in list(self._clients):
            client = self._clients.pop(role, None)  # both threads may get here at once
            if client is not None:
                client.close()


def sync_target(settings: Any, store: Store) -> Optional[Tuple[str, Path]]:
    """(server_url, data_dir) when this device is paired with a server, else None."""
    server = settings.server_url or store.get_setting(SERVER_KEY)
    if not server or read_token(settings.data_dir) is None:
        return None
    return str(server), Path(settings.data_dir)


DEFAULT_SETTINGS = SyncSettings()
"""What Assistant.start() uses (tests set shorter polls and backoff here)."""


def start_for(assistant: Any, settings: Optional[SyncSettings] = None) -> Optional[SyncWorker]:
    """Start syncing an Assistant if it is paired; None (offline only) otherwise."""
    target = sync_target(assistant.settings, assistant.store)
    if target is None:
        _LOGGER.info("not paired with a community server: offline only")
        return None
    worker = SyncWorker(assistant.store, assistant.clock, assistant.post, target[0], target[1],
                        kick=assistant.outbox_changed, settings=settings or DEFAULT_SETTINGS)
    worker.start()
    return worker


def describe(answer: Mapping[str, Any]) -> str:
    """One log line for an answer (used by the pair command)."""
    return json.dumps({"cursor": answer.get("cursor"), "results": len(answer.get("results", []))},
                      ensure_ascii=False)
