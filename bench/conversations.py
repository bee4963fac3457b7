"""Blind dialog conversations through the real assistant: turns right and unsafe outcomes (issue 12).

Usage:
  python bench/conversations.py                      # every tests/data/dialog_*.yaml
  python bench/conversations.py FILE... [--misses]   # other sets; list the turns that went wrong

Each conversation (format: docs/conversations.md) runs on a fresh speaker: the real
parser, dialog, skills and scheduler, a real SQLite store in a temp dir, the test catalog as the
community's activity list, and a fake clock. A turn is right when the speaker's question state, the
words it must and must not say, and what changed in the store all match. A turn is unsafe when it
raised an alarm that was not called for, missed one that was, did something (booked, cancelled, set,
sent) other than what was asked, or said 好的 while nothing was done.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.changes import PollChange, ServerChanges, apply_changes  # noqa: E402
from assistant.clock import FakeClock  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.dialog import Reply  # noqa: E402
from assistant.events import SyncFinished  # noqa: E402
from assistant.runtime import Assistant  # noqa: E402
from intents.lexical import fold  # noqa: E402
from intents.schema import Catalog  # noqa: E402

_LOGGER = logging.getLogger(__name__)

DATA = ROOT / "tests" / "data"
CATALOG = DATA / "catalog.json"
ACTIONS = ("booked", "cancelled", "reminder", "reminder_cancelled", "service", "service_cancelled",
           "message_sent", "help_requested", "skill_offered", "poll_answered")


class Link:
    """The speaker's view of the server: online (ops are taken at once) or offline (they wait)."""

    def __init__(self, online: bool) -> None:
        self.online = online

    def link_status(self) -> str:
        return "online" if self.online else "offline"

    def wait_sent(self, op_id: str, timeout: float) -> bool:
        return self.online

    def fetching_catalog(self) -> bool:
        return False


class Sink:
    def __init__(self) -> None:
        self.replies: List[Reply] = []

    def __call__(self, reply: Reply) -> None:
        self.replies.append(reply)

    def take(self) -> List[Reply]:
        out, self.replies = self.replies, []
        return out


@dataclass
class State:
    """What a turn may change, as sets of comparable facts."""

    bookings: Set[str] = field(default_factory=set)
    reminders: Dict[str, Tuple[str, str, str, Optional[str]]] = field(default_factory=dict)
    services: Dict[str, Tuple[str, str, Optional[str]]] = field(default_factory=dict)
    acknowledged: Set[int] = field(default_factory=set)
    voice: Tuple[float, float] = (0.0, 0.0)


def snapshot(assistant: Assistant) -> State:
    store = assistant.store
    return State(
        bookings={b.activity_id for b in store.bookings()},
        reminders={r.id: (r.content, r.at.strftime("%H:%M"), r.start_date.isoformat(), r.repeat)
                   for r in store.reminders()},
        services={s.id: (s.service, s.day.isoformat(), s.time) for s in store.services()},
        acknowledged={o.id for o in store.occurrences(statuses=["acknowledged"])},
        voice=(float(store.get_setting("voice.rate", assistant.settings.voice.rate)),
               float(store.get_setting("voice.volume", assistant.settings.voice.volume))),
    )


@dataclass
class Change:
    """What one turn did."""

    booked: Set[str]
    cancelled: Set[str]
    reminders_added: List[Tuple[str, str, str, Optional[str]]]
    reminders_removed: List[Tuple[str, str, str, Optional[str]]]
    services_added: List[Tuple[str, str, Optional[str]]]
    services_removed: List[Tuple[str, str, Optional[str]]]
    acknowledged: List[str]
    ops: List[Tuple[str, Dict[str, Any]]]
    voice: Tuple[float, float]

    @property
    def empty(self) -> bool:
        return not (self.booked or self.cancelled or self.reminders_added or self.reminders_removed
                    or self.services_added or self.services_removed or self.acknowledged
                    or self.kinds() or self.voice != (0.0, 0.0))

    def kinds(self) -> Set[str]:
        """Op types that count as something done (a poll asked and left unanswered does not)."""
        return {t for t, p in self.ops
                if t in ("emergency", "emergency.cancel", "message.send", "help.request", "help.thanked",
                         "skill.offer") or (t == "poll.answer" and p.get("choice") is not None)}


def diff(before: State, after: State, assistant: Assistant, seq: int) -> Change:
    store = assistant.store
    acked = []
    for occ in store.occurrences(statuses=["acknowledged"]):
        if occ.id not in before.acknowledged:
            reminder = store.reminder(occ.reminder_id)
            acked.append(reminder.content if reminder else "")
    return Change(
        booked=after.bookings - before.bookings,
        cancelled=before.bookings - after.bookings,
        reminders_added=[v for k, v in after.reminders.items() if k not in before.reminders],
        reminders_removed=[v for k, v in before.reminders.items() if k not in after.reminders],
        services_added=[v for k, v in after.services.items() if k not in before.services],
        services_removed=[v for k, v in before.services.items() if k not in after.services],
        acknowledged=acked,
        ops=[(op.type, dict(op.payload)) for op in store.outbox(seq)],
        voice=(after.voice[0] - before.voice[0], after.voice[1] - before.voice[1]),
    )


def _has(text: str, word: str) -> bool:
    return fold(str(word)) in fold(text) or str(word) in text


def _did_nothing(change: Change) -> bool:
    return not (change.booked or change.cancelled or change.reminders_added or change.reminders_removed
                or change.services_added or change.services_removed or change.kinds())


def _reminder_ok(value: Dict[str, Any], change: Change) -> bool:
    if len(change.reminders_added) > 1:
        # An interval (每隔两个钟…) is set as one daily reminder per time: all must be what was asked,
        # and a time or date expected is that of the first of them.
        added = change.reminders_added
        return all(_has(c, value.get("content", "")) and (r or None) == (value.get("repeat", r) or None)
                   for c, _, _, r in added) \
            and str(value.get("time", min(a for _, a, _, _ in added))) == min(a for _, a, _, _ in added) \
            and str(value.get("date", min(d for _, _, d, _ in added))) == min(d for _, _, d, _ in added)
    if len(change.reminders_added) != 1:
        return False
    content, at, start, repeat = change.reminders_added[0]
    return (at == str(value.get("time", at)) and start == str(value.get("date", start))
            and (repeat or None) == (value.get("repeat", repeat) or None)
            and _has(content, value.get("content", "")))


def _service_ok(value: Dict[str, Any], change: Change) -> bool:
    if len(change.services_added) != 1:
        return False
    service, day, at = change.services_added[0]
    return (service == value.get("service") and day == str(value.get("date", day))
            and ("time" not in value or at == str(value["time"])))


def _message_ok(value: Dict[str, Any], change: Change) -> bool:
    sent = [p for t, p in change.ops if t == "message.send"]
    return len(sent) == 1 and _has(str(sent[0].get("to", "")), value.get("to", "")) and \
        _has(str(sent[0].get("text", "")), value.get("content", ""))


_CHECKS = {
    "booked": lambda v, c: c.booked == {str(v)} and not (c.cancelled or c.reminders_added or c.kinds()),
    "cancelled": lambda v, c: c.cancelled == {str(v)} and not c.booked,
    "reminder": _reminder_ok,
    "reminder_cancelled": lambda v, c: len(c.reminders_removed) == 1 and _has(c.reminders_removed[0][0], v),
    "service": _service_ok,
    "service_cancelled": lambda v, c: len(c.services_removed) == 1 and c.services_removed[0][0] == v,
    "message_sent": _message_ok,
    "help_requested": lambda v, c: [_has(str(p.get("text", "")), v)
                                    for t, p in c.ops if t == "help.request"] == [True],
    "skill_offered": lambda v, c: [_has(str(p.get("skill", "")), v)
                                   for t, p in c.ops if t == "skill.offer"] == [True],
    "poll_answered": lambda v, c: [p.get("choice") for t, p in c.ops
                                   if t == "poll.answer" and p.get("choice") is not None] == [v],
    "emergency": lambda v, c: ("emergency" if v == "alert" else "emergency.cancel") in c.kinds(),
    "acknowledged": lambda v, c: any(_has(x, v) for x in c.acknowledged),
    "louder": lambda v, c: c.voice[1] > 0,
    "quieter": lambda v, c: c.voice[1] < 0,
    "slower": lambda v, c: c.voice[0] < 0,
}


def effect_ok(expected: Any, change: Change) -> bool:
    """Whether the change is exactly the expected effect (none: nothing that matters changed)."""
    if expected in (None, "none"):
        return _did_nothing(change)
    if not isinstance(expected, dict) or len(expected) != 1:
        return False
    kind, value = next(iter(expected.items()))
    check = _CHECKS.get(kind)
    return bool(check and check(value, change))


def unsafe(expected: Any, change: Change, said: str) -> Optional[str]:
    """The unsafe outcome of a turn, if any."""
    kind = next(iter(expected)) if isinstance(expected, dict) else "none"
    alarm = "emergency" in change.kinds()
    if alarm and not (kind == "emergency" and expected["emergency"] == "alert"):
        return "false alarm"
    if kind == "emergency" and expected["emergency"] == "alert" and not alarm:
        return "missed emergency"
    did = (change.booked or change.cancelled or change.reminders_added or change.reminders_removed
           or change.services_added or change.services_removed
           or {"message.send", "help.request", "skill.offer", "poll.answer"} & change.kinds())
    if did and not (kind in ACTIONS and effect_ok(expected, change)):
        return "wrong thing done"
    if "好的" in said and change.empty:
        return "好的 after nothing"
    return None


@dataclass
class Result:
    turns: int = 0
    right: int = 0
    unsafe: List[str] = field(default_factory=list)
    misses: List[str] = field(default_factory=list)


def _setup(assistant: Assistant, setup: Dict[str, Any], now: datetime) -> None:
    store = assistant.store
    for activity_id in setup.get("bookings") or ():
        store.add_booking(str(activity_id), now - timedelta(days=1))
    for item in setup.get("reminders") or ():
        at = dtime.fromisoformat(str(item["time"]))
        start = date.fromisoformat(str(item["date"])) if item.get("date") else now.date()
        store.add_reminder(str(item["content"]), at, start, item.get("repeat"), now - timedelta(days=1),
                           source="family", outbox=False)
    polls = tuple(PollChange(f"poll-{i}", str(item["question"]), tuple(str(o) for o in item["options"]))
                  for i, item in enumerate(setup.get("polls") or ()))
    if polls:  # synced from the server: asked at the first quiet moment after the senior has spoken
        apply_changes(store, ServerChanges(polls=polls), now)
    for i, item in enumerate(setup.get("messages") or ()):
        message_id = f"m{i}"
        store.add_message_in(message_id, str(item.get("from", "女儿")), str(item["text"]),
                             now - timedelta(minutes=30 + i))
        if item.get("heard"):
            store.mark_heard([message_id], now)


def run_conversation(conv: Dict[str, Any], catalog: Catalog, folder: Path, result: Result) -> None:
    now = datetime.strptime(str(conv["now"]), "%Y-%m-%dT%H:%M")
    clock = FakeClock(now, trusted=True)
    sink = Sink()
    settings = Settings(data_dir=folder)
    assistant = Assistant.open(settings, clock, sink, db_path=folder / "assistant.db")
    try:
        setup = conv.get("setup") or {}
        assistant._dialog.link = Link(bool(setup.get("online", True)))  # the server, as seen by the dialog
        assistant.store.replace_activities(catalog.activities, "server")
        assistant.process(SyncFinished(ok=True, changed=("activities",)))
        _setup(assistant, setup, now)
        sink.take()
        for n, turn in enumerate(conv.get("turns") or (), 1):
            before, seq = snapshot(assistant), assistant.store.last_seq()
            if "say" in turn:
                replies = assistant.handle_text(str(turn["say"])) + sink.take()
            elif "wait" in turn:
                clock.advance(timedelta(seconds=float(turn["wait"])))
                replies = assistant.tick() + sink.take()
            else:
                content = str((turn.get("ring") or {}).get("content", "提醒"))
                due = clock.now() + timedelta(minutes=1)
                assistant.store.add_reminder(content, due.time().replace(second=0, microsecond=0), due.date(),
                                             None, clock.now(), source="family", outbox=False)
                clock.advance(timedelta(minutes=1, seconds=1))
                replies = assistant.tick() + sink.take()
                before = snapshot(assistant)
            expect = turn.get("expect")
            if expect is None:
                continue
            said = "".join(r.text for r in replies)
            change = diff(before, snapshot(assistant), assistant, seq)
            problems = []
            if "asks" in expect and bool(replies and replies[-1].expects_answer) != bool(expect["asks"]):
                problems.append(f"asks={not expect['asks']}")
            problems += [f"missing {w!r}" for w in expect.get("says") or () if not _has(said, w)]
            problems += [f"said {w!r}" for w in expect.get("not_says") or () if str(w) in said]
            if not effect_ok(expect.get("effect", "none"), change):
                problems.append(f"effect {expect.get('effect', 'none')} ≠ {_describe(change)}")
            risk = unsafe(expect.get("effect", "none"), change, said)
            result.turns += 1
            label = f"{conv['id']}#{n} {turn.get('say', turn.get('wait', 'ring'))!r} → {said!r}"
            if risk:
                result.unsafe.append(f"{label}: {risk}")
            if problems:
                result.misses.append(f"{label}: {'; '.join(problems)}")
            else:
                result.right += 1
    finally:
        assistant.stop()


def _describe(change: Change) -> str:
    parts = []
    for name in ("booked", "cancelled", "reminders_added", "reminders_removed", "services_added",
                 "services_removed", "acknowledged"):
        value = getattr(change, name)
        if value:
            parts.append(f"{name} {sorted(map(str, value))}")
    if change.kinds():
        parts.append(f"ops {sorted(change.kinds())}")
    return ", ".join(parts) or "nothing"


def run(path: Path, catalog: Catalog) -> Result:
    with open(path, encoding="utf-8") as handle:
        conversations = yaml.safe_load(handle) or []
    result = Result()
    with tempfile.TemporaryDirectory() as tmp:
        for i, conv in enumerate(conversations):
            folder = Path(tmp) / f"c{i}"
            folder.mkdir()
            run_conversation(conv, catalog, folder, result)
    return result


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/conversations.py")
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--misses", action="store_true", help="list the turns that went wrong")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    catalog = Catalog.load(CATALOG)
    files = args.files or sorted(DATA.glob("dialog_*.yaml"))
    print("| set | conversations turns | right | unsafe |")
    print("|---|---|---|---|")
    for path in files:
        result = run(path, catalog)
        share = result.right / max(1, result.turns)
        print(f"| {path.name} | {result.turns} | {result.right} ({share:.1%}) | {len(result.unsafe)} |")
        for line in result.unsafe:
            print(f"  UNSAFE {line}")
        if args.misses:
            for line in result.misses:
                print(f"  MISS {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
