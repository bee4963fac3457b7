"""The device runtime: one event queue, one dialog thread, the scheduler driven by clock moves."""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from intents.schema import Catalog, Parse

from .clock import Clock
from .config import Settings
from .dialog import LINK_OFFLINE, LINK_ONLINE, LINK_UNPAIRED, Dialog, Link, Parser, Reply
from .events import (
    AlertHandled,
    AnnouncementArrived,
    BookingChanged,
    BookingResolved,
    ClockMoved,
    Event,
    HelpAccepted,
    MessageArrived,
    ReminderAdded,
    ReminderDue,
    SkillHandled,
    SyncFinished,
    UtteranceHeard,
)
from .news import News
from .phrases import say as phrase
from .scheduler import Scheduler, in_quiet_hours
from .store import Store

_LOGGER = logging.getLogger(__name__)

TICK_SECONDS = 1.0
"""The real clock is looked at this often (reminders fire within ± 1 s)."""
JUMP_SECONDS = 2.0
"""Wall time moving this much more (or less) than monotonic time counts as a clock jump."""
POLL_AFTER_SECONDS = 20.0
"""A voice poll is asked once the conversation has been quiet this long …"""
POLL_PRESENT_SECONDS = 15 * 60.0
"""… and the senior spoke within this long (they are at home to hear it; never to an empty room)."""


@dataclass(frozen=True)
class Turn:
    """One utterance and what came of it (chat --jsonl prints to_dict())."""

    heard: str
    parse: Optional[Parse]
    replies: Tuple[Reply, ...] = ()
    events: Tuple[Dict[str, Any], ...] = field(default_factory=tuple)
    """Outbox ops written during the turn: {op_id, type, payload}."""

    def to_dict(self) -> Dict[str, Any]:
        return {"heard": self.heard,
                "intent": self.parse.intent.value if self.parse is not None else None,
                "slots": dict(self.parse.slots) if self.parse is not None else {},
                "reply": "".join(r.text for r in self.replies),
                "events": list(self.events)}


class Assistant(Link):
    """The speaker's brain. post() from any thread; replies go to on_reply from the dialog thread."""

    def __init__(self, settings: Settings, clock: Clock, on_reply: Callable[[Reply], None],
                 store: Store, parser: Optional[Parser] = None) -> None:
        self.settings = settings
        self.clock = clock
        self.store = store
        self._on_reply = on_reply
        self._lock = threading.RLock()
        self._queue: "queue.Queue[Optional[Event]]" = queue.Queue()
        self._stop = threading.Event()
        self._tick_queued = threading.Event()
        self._threads: List[threading.Thread] = []
        self._catalog: Optional[Catalog] = None
        self._catalog_version = 0
        self._at: Optional[datetime] = None
        self._last_wall, self._last_mono = clock.now(), clock.monotonic()
        self._closed = False
        self.sync: Optional[Any] = None
        """The assistant.sync worker while paired and started (None: offline only)."""
        self.outbox_changed = threading.Event()
        """Set whenever an event wrote outbox ops (assistant.sync waits on it)."""
        self.heartbeat: Callable[[], None] = lambda: None
        """Called by the dialog thread for every event it takes (at least once a second on a real
        clock); `run` points it at the systemd watchdog so a hung dialog gets the service restarted."""
        self._paired = self._is_paired()
        self._synced: Optional[bool] = None
        """Whether the latest sync round succeeded (None: none finished yet)."""
        self._synced_once = False
        self._polls_looked: Optional[float] = None
        """heard_at of the utterance after which the store held no poll to ask (looked once, not every
        tick; a sync clears it)."""
        self._dialog = Dialog(store, clock, settings, self.catalog, parser, link=self)
        self._scheduler = Scheduler(store, clock, settings.dialog)
        self._news = News(store, settings.dialog, self._dialog.reply)
        self._refresh_demo_catalog()
        if hasattr(clock, "on_advance"):
            clock.on_advance(self._on_clock)

    @classmethod
    def open(cls, settings: Settings, clock: Clock, on_reply: Callable[[Reply], None],
             db_path: Optional[Path] = None, parser: Optional[Parser] = None) -> "Assistant":
        """Open (or create) the store (default settings.db_path) and build the assistant."""
        store = Store.open(Path(db_path) if db_path is not None else settings.db_path)
        return cls(settings, clock, on_reply, store, parser)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start the dialog thread (and, on a real clock, the 1 s ticker); catches up at once."""
        if self._threads:
            return
        self._stop.clear()
        self._threads.append(threading.Thread(target=self._loop, name="dialog", daemon=True))
        if not hasattr(self.clock, "on_advance"):
            self._threads.append(threading.Thread(target=self._ticker, name="ticker", daemon=True))
        for thread in self._threads:
            thread.start()
        now = self.clock.now()
        self.post(ClockMoved(now, now, jump=True))
        from .sync import start_for  # paired with a server (token + server_url): sync beside the dialog

        self.sync = start_for(self)
        self._paired = self.sync is not None or self._is_paired()

    def stop(self) -> None:
        """Finish the event in hand, stop the threads and close the store."""
        self._closed = True
        if self.sync is not None:
            self.sync.stop()
            self.sync = None
        self._stop.set()
        self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []
        self.store.close()

    def post(self, event: Event) -> None:
        """Queue an event for the dialog thread (thread-safe)."""
        self._queue.put(event)

    def tick(self) -> List[Reply]:
        """Without threads (chat, tests): catch the scheduler up to clock.now(); replies go to on_reply."""
        now, mono = self.clock.now(), self.clock.monotonic()
        jump = self._is_jump(self._last_wall, now, mono)
        replies = self.process(ClockMoved(self._last_wall, now, jump=jump))
        self._deliver(replies)
        return replies

    def _is_jump(self, old: datetime, new: datetime, mono: float) -> bool:
        wall = (new - old).total_seconds()
        jump = abs(wall - (mono - self._last_mono)) > JUMP_SECONDS
        self._last_wall, self._last_mono = new, mono
        return jump

    def _on_clock(self, old: datetime, new: datetime) -> None:
        if self._closed:  # a stopped assistant stays registered on a FakeClock; ignore it
            return
        event = ClockMoved(old, new, jump=self._is_jump(old, new, self.clock.monotonic()))
        if self._threads:
            self.post(event)
        else:
            self._deliver(self.process(event))

    def _ticker(self) -> None:
        # Wake just after each wall-clock second: reminders are due on whole minutes, so this
        # keeps the firing delay at a few milliseconds instead of up to a whole tick.
        while not self._stop.wait(TICK_SECONDS - self.clock.now().microsecond / 1e6 + 0.005):
            if self._tick_queued.is_set():
                continue  # the dialog thread is busy (speaking); one queued tick covers the gap
            self._tick_queued.set()
            now, mono = self.clock.now(), self.clock.monotonic()
            self.post(ClockMoved(self._last_wall, now, jump=self._is_jump(self._last_wall, now, mono)))

    def _loop(self) -> None:
        while True:
            event = self._queue.get()
            if event is None or self._stop.is_set():
                return
            self.heartbeat()
            if isinstance(event, ClockMoved):
                self._tick_queued.clear()
            self._deliver(self.process(event))

    def _deliver(self, replies: List[Reply]) -> None:
        for reply in replies:
            try:
                self._on_reply(reply)
            except Exception:  # the speaker failing must not stop the brain
                _LOGGER.exception("on_reply failed for %r", reply.text)

    # ------------------------------------------------------------------ synchronous entry points
    def handle_text(self, text: str) -> List[Reply]:
        """Answer one typed or recognised sentence synchronously (console, tests)."""
        return list(self.turn(text).replies)

    def turn(self, text: str) -> Turn:
        """Like handle_text, with the parse and the outbox ops written (for chat --jsonl)."""
        with self._lock:
            before = self.store.last_seq()
            replies = self.process(UtteranceHeard(text))
            ops = tuple(op.to_wire() for op in self.store.outbox(before))
            return Turn(text, self._dialog.last_parse, tuple(replies), ops)

    def handle_parse(self, parse: Parse) -> List[Reply]:
        """Answer an already-parsed utterance (tests that build Parse objects by hand)."""
        with self._lock:
            return self._guard(lambda: self._dialog.handle(parse))

    def process(self, event: Event) -> List[Reply]:
        """Handle one event in the caller's thread (serialised with the dialog thread)."""
        with self._lock:
            before = self.store.last_seq()
            replies = self._guard(lambda: _HANDLERS[type(event)](self, event))
            if self.store.last_seq() != before:
                self.outbox_changed.set()
            return replies

    def _guard(self, work: Callable[[], List[Reply]]) -> List[Reply]:
        try:
            return work()
        except Exception:
            _LOGGER.exception("event failed")
            return [self._dialog.reply(phrase("error.generic"), remember=False)]

    # ------------------------------------------------------------------ catalog
    def catalog(self) -> Catalog:
        """The activity catalog (synced, else the demo one) the parser and the grammar use."""
        if self._catalog is None:
            self._catalog = Catalog(tuple(self.store.activities()))
        return self._catalog

    def catalog_version(self) -> int:
        """Increments whenever the catalog changes; the audio side then rebuilds its grammar."""
        return self._catalog_version

    def _catalog_changed(self) -> None:
        self._catalog = None
        self._catalog_version += 1

    def pin_catalog(self, catalog: Catalog) -> None:
        """Use exactly this catalog (chat --catalog): stored as 'pinned', which the next start
        without a pinned catalog replaces with the demo one again."""
        self.store.replace_activities(catalog.activities, "pinned")
        self._catalog_changed()

    def _refresh_demo_catalog(self) -> None:
        if self.store.activity_source() not in (None, "demo", "pinned"):
            return
        if self._paired:
            # A paired speaker must never speak activities its server does not have: until the
            # first sync brings the community's list, it says that it is still fetching it.
            if self.store.activity_source() is not None:
                self.store.withdraw_local_activities()  # a demo booking's row stays, out of the catalog
                self._catalog_changed()
            return
        try:
            from intents import demo_catalog  # type: ignore[attr-defined]
        except ImportError as exc:
            _LOGGER.warning("no demo catalog (%s); the activity list stays as stored", exc)
            return
        self.store.replace_activities(demo_catalog(self.clock.now()).activities, "demo")
        self._catalog_changed()

    def _now(self) -> datetime:
        return self._at or self.clock.now()

    # ------------------------------------------------------------------ the server link (for the dialog)
    def _is_paired(self) -> bool:
        from .sync import sync_target

        try:
            return sync_target(self.settings, self.store) is not None
        except Exception:  # an unreadable token file: not paired as far as speaking goes
            _LOGGER.exception("cannot tell whether this speaker is paired")
            return False

    def link_status(self) -> str:
        """online: paired, syncing, last round answered; offline: paired, ops wait in the outbox;
        unpaired: nothing can reach anyone."""
        if not self._paired:
            return LINK_UNPAIRED
        if self.sync is not None and self._synced:
            return LINK_ONLINE
        return LINK_OFFLINE

    def wait_sent(self, op_id: str, timeout: float) -> bool:
        """Push the outbox now and wait (real time) until the server acknowledged op_id."""
        if self.sync is None:
            return False
        self.outbox_changed.set()
        deadline = time.monotonic() + timeout
        while True:
            if self.store.op_state(op_id) == "acknowledged":
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def fetching_catalog(self) -> bool:
        """Paired, and the community's activity list has not arrived yet."""
        return self._paired and not self._synced_once and self.store.activity_source() != "server"

    # ------------------------------------------------------------------ event handlers
    def _on_utterance(self, event: UtteranceHeard) -> List[Reply]:
        if event.confidence < self.settings.dialog.min_confidence:
            return [self._dialog.reply(phrase("dialog.low_confidence"), remember=False)]
        return self._dialog.hear(event.text, event.alternatives)

    def _on_clock_moved(self, event: ClockMoved) -> List[Reply]:
        """Step through every wake-up between old and new, so a 1-day advance fires in order."""
        said = self._dialog.tick()  # '您是不是需要人帮忙？' unanswered for 20 s → alert
        said += self._quiet_moment(event.new)
        if event.jump or event.new <= event.old or not self.clock.is_trusted():
            return said + self._poll(event.new)
        replies: List[Reply] = said
        cursor, stalled = event.old, False
        while True:
            wake = self._scheduler.next_wake(cursor)
            if wake is None or wake > event.new:
                if not self._news.holding:
                    return replies  # nothing falls due up to event.new: the idle tick ends here
                break
            if wake <= cursor:
                if stalled:
                    break
                wake, stalled = cursor, True
            else:
                stalled = False
            replies.extend(self._poll(wake))
            cursor = wake
        replies.extend(self._poll(event.new))
        return replies

    def _quiet_moment(self, now: datetime) -> List[Reply]:
        """A voice poll (活动调查) not asked yet, asked when the senior is around and nothing else is
        going on: no open question, no reminder ringing, out of quiet hours, the last words 20 s ago."""
        dialog, mono = self._dialog, self.clock.monotonic()
        heard, said = dialog.heard_at, dialog.said_at
        if heard is None or dialog.pending is not None or mono - heard > POLL_PRESENT_SECONDS:
            return []
        if mono - max(heard, said or heard) < POLL_AFTER_SECONDS or self._news.holding \
                or in_quiet_hours(now, self.settings.dialog):
            return []
        if dialog.alert_recent() or self._polls_looked == heard:
            return []  # no poll after a call for help; none found since the senior last spoke or synced
        polls = self.store.polls_to_ask()
        self._polls_looked = heard if not polls else None
        if not polls or dialog.ringing():
            return []
        poll_id, poll = polls[0]
        return [dialog.ask_poll(poll_id, str(poll["question"]), [str(o) for o in poll["options"]])]

    def _poll(self, at: datetime) -> List[Reply]:
        replies: List[Reply] = self._news.release(at)
        self._at = at
        try:
            for due in self._scheduler.poll(at):
                replies.extend(_HANDLERS[type(due)](self, due))
        finally:
            self._at = None
        return replies

    def _on_reminder_due(self, event: ReminderDue) -> List[Reply]:
        if event.missed:  # after a reboot in the night: said in the morning, as '昨天晚上九点…'
            return self._news.missed_reminder(event, self._now())
        # '知道了' now acknowledges the reminder; an open question is set aside and offered again.
        return [self._dialog.ring(event.content, event.attempt)]

    def _on_announcement(self, event: AnnouncementArrived) -> List[Reply]:
        return self._news.announcement(event, self._now())

    def _on_message(self, event: MessageArrived) -> List[Reply]:
        return self._news.message(event, self._now())

    def _on_booking_resolved(self, event: BookingResolved) -> List[Reply]:
        return self._news.booking_resolved(event, self._now())

    def _on_reminder_added(self, event: ReminderAdded) -> List[Reply]:
        return self._news.reminder_added(event, self._now())

    def _on_booking_changed(self, event: BookingChanged) -> List[Reply]:
        return self._news.booking_changed(event, self._now())

    def _on_alert_handled(self, event: AlertHandled) -> List[Reply]:
        self._dialog.alert_handled(event.alert_id)
        return self._news.alert_handled(event, self._now())

    def _on_help_accepted(self, event: HelpAccepted) -> List[Reply]:
        return self._news.help_accepted(event, self._now())

    def _on_skill_handled(self, event: SkillHandled) -> List[Reply]:
        return self._news.skill_handled(event, self._now())

    def _on_sync_finished(self, event: SyncFinished) -> List[Reply]:
        if "activities" in event.changed:
            self._catalog_changed()
        self._synced = event.ok
        if event.ok:
            self._synced_once = True
            self._polls_looked = None  # the sync may have brought a poll
        if event.ok and event.server_time is not None:
            offset = abs((event.server_time - self.clock.now()).total_seconds())
            mark = getattr(self.clock, "mark_trusted", None)
            if offset < 60 and mark is not None:
                mark()
        return self._dialog.synced() if event.ok else []


_HANDLERS: Dict[type, Callable[[Assistant, Any], List[Reply]]] = {
    UtteranceHeard: Assistant._on_utterance,
    ClockMoved: Assistant._on_clock_moved,
    ReminderDue: Assistant._on_reminder_due,
    AnnouncementArrived: Assistant._on_announcement,
    MessageArrived: Assistant._on_message,
    BookingResolved: Assistant._on_booking_resolved,
    ReminderAdded: Assistant._on_reminder_added,
    BookingChanged: Assistant._on_booking_changed,
    AlertHandled: Assistant._on_alert_handled,
    HelpAccepted: Assistant._on_help_accepted,
    SkillHandled: Assistant._on_skill_handled,
    SyncFinished: Assistant._on_sync_finished,
}
