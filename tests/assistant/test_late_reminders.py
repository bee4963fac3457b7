"""Issue 14, defect 1 and docs/sync.md "A reminder changed offline": occurrences the speaker learns
of only after their due time, and each offline-edit rule, with a fake clock and a real store."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import List, Optional, Tuple

import pytest

from assistant.changes import ReminderChange, ServerChanges, apply_changes
from assistant.config import ConfigError, Settings

MONDAY_9 = datetime(2026, 11, 30, 9, 0)
RINGS = "提醒您：吃药。听到了请说知道了。"


def _learn(w, *changes: ReminderChange, deleted: Tuple[str, ...] = ()) -> List[str]:
    """The speaker (synced before) learns the family's changes now; returns what it said."""
    if w.store.get_setting("sync.cursor") is None:
        w.store.set_setting("sync.cursor", "1")
    said: List[str] = []
    batch = ServerChanges(cursor="9", reminders=tuple(changes), deleted_reminders=deleted)
    for event in apply_changes(w.store, batch, w.clock.now()):
        said += w.post(event)
    return said


def _once(since: str, at: str = "09:00", content: str = "吃药", day: str = "2026-11-30",
          active: bool = True, repeat: Optional[str] = None) -> ReminderChange:
    return ReminderChange("r1", content, at, day, repeat, active, since)


def _occurrences(w) -> List[Tuple[datetime, str]]:
    return [(o.due_at, o.status.value) for o in w.store.occurrences("r1")]


def _reported(w) -> List[Tuple[str, str]]:
    return [(op.type, op.payload["due_at"]) for op in w.ops() if op.type.startswith("reminder.")]


# ---------------------------------------------------------------------- late family reminders
@pytest.mark.parametrize("late", [20, 25, 32])
def test_a_family_reminder_arriving_seconds_after_its_time_fires_at_once(make_world, late):
    # the finding: made at 08:59:50 for 09:00, reaching the speaker 20–32 s after 09:00
    w = make_world(now=MONDAY_9 + timedelta(seconds=late))
    w.ops()
    assert _learn(w, _once("2026-11-30T08:59:50")) == ["家人给您设了一个提醒：今天上午九点吃药。"]
    assert w.advance(seconds=1) == [RINGS]
    assert _occurrences(w) == [(MONDAY_9, "fired")]
    assert _reported(w) == [("reminder.fired", "2026-11-30T09:00:00")]
    assert w.say("知道了") == "好的。"
    assert _occurrences(w) == [(MONDAY_9, "acknowledged")]


def test_set_after_its_time_and_learnt_on_a_clock_behind_the_servers_still_fires(make_world):
    # the family set 09:00 at 09:00:25 (server time); the speaker's clock is 10 s behind and
    # learns it at 09:00:20 by its clock: the change is not anchored on the time it was applied
    w = make_world(now=MONDAY_9 + timedelta(seconds=20))
    _learn(w, _once("2026-11-30T09:00:25"))
    assert w.advance(seconds=1) == [RINGS]
    assert _occurrences(w) == [(MONDAY_9, "fired")]


def test_more_than_late_minutes_late_is_recorded_missed_reported_and_said_as_missed(make_world):
    w = make_world(now=MONDAY_9 + timedelta(minutes=45))
    w.ops()
    _learn(w, _once("2026-11-30T08:50:00"))
    assert w.advance(seconds=1) == ["您有一个错过的提醒：今天上午九点，吃药。"]
    assert _occurrences(w) == [(MONDAY_9, "missed")]
    assert _reported(w) == [("reminder.missed", "2026-11-30T09:00:00")]
    assert w.advance(hours=1) == []


def test_late_minutes_is_a_setting(make_world):
    w = make_world(now=MONDAY_9 + timedelta(minutes=20),
                   settings=Settings.from_flat({"dialog.late_minutes": 10}))
    _learn(w, _once("2026-11-30T08:50:00"))
    assert w.advance(seconds=1) == ["您有一个错过的提醒：今天上午九点，吃药。"]
    assert _occurrences(w) == [(MONDAY_9, "missed")]
    assert Settings().dialog.late_minutes == 30
    with pytest.raises(ConfigError, match="dialog.late_minutes: expected 0–720"):
        Settings.from_flat({"dialog.late_minutes": "-5"})


def test_a_daily_reminder_made_hours_after_its_time_starts_tomorrow(make_world):
    # the grace is for occurrences due just before the change, not for this morning's at 17:00
    w = make_world(now=datetime(2026, 11, 30, 17, 0, 30))
    _learn(w, _once("2026-11-30T17:00:00", repeat="daily"))
    assert w.advance(seconds=1) == []
    assert _occurrences(w) == []
    assert w.advance(hours=15, minutes=59, seconds=29) == [RINGS]


def test_a_reminder_the_speaker_already_knew_is_still_missed_after_a_minute(make_world):
    # late_minutes is for occurrences learnt late; a known one found late (speaker switched off
    # over its time) keeps the 60 s rule
    w = make_world(now=MONDAY_9 - timedelta(minutes=30))
    _learn(w, _once("2026-11-30T08:00:00"))
    assert w.reopen(MONDAY_9 + timedelta(minutes=5)) == ["您有一个错过的提醒：今天上午九点，吃药。"]
    assert _occurrences(w) == [(MONDAY_9, "missed")]


# ---------------------------------------------------------------------- the offline-edit rules
def _known(w, since: str = "2026-11-29T20:00:00", **kw) -> None:
    _learn(w, _once(since, **kw))
    w.sink.take()


def test_rule_edit_takes_the_servers_version_without_ringing_twice(make_world):
    # daily 09:00 吃药, said at 09:00 while offline; the family had changed the words at 08:30
    w = make_world(now=MONDAY_9 - timedelta(hours=1))
    _known(w, repeat="daily")
    assert w.advance(hours=1) == [RINGS]
    assert w.say("知道了") == "好的。"
    said = _learn(w, _once("2026-11-30T08:30:00", content="吃降压药", repeat="daily"))
    assert said == ["家人给您设了一个提醒：每天上午九点吃降压药。"]
    assert w.advance(seconds=1) == []  # today's 09:00 already rang: not again
    assert w.advance(days=1) == ["提醒您：吃降压药。听到了请说知道了。"]


def test_rule_pause_stops_it_and_what_rang_before_stays_reported(make_world):
    w = make_world(now=MONDAY_9 - timedelta(hours=1))
    _known(w, repeat="daily")
    w.ops()
    assert w.advance(hours=1) == [RINGS]  # offline: the pause at 08:30 is not known yet
    said = _learn(w, _once("2026-11-30T08:30:00", repeat="daily", active=False))
    assert said == []
    assert w.advance(days=2) == []
    assert ("reminder.fired", "2026-11-30T09:00:00") in _reported(w)
    assert w.store.reminder("r1").active is False


def test_rule_move_earlier_within_late_minutes_rings_at_once(make_world):
    w = make_world(now=MONDAY_9 - timedelta(hours=1))
    _known(w, at="10:00")
    w.advance(minutes=20)  # 08:20
    # moved to 09:00 at 08:30 while the speaker was offline; it hears of it at 09:20
    w.advance(hours=1)
    assert _learn(w, _once("2026-11-30T08:30:00", at="09:00"))
    assert w.advance(seconds=1) == [RINGS]
    # repeated every 5 minutes as usual, then missed; never again at the old 10:00
    assert w.advance(hours=2) == ["再提醒您一次：吃药。吃了药就说：吃过了。"] * 3
    assert _occurrences(w) == [(MONDAY_9, "missed")]


def test_rule_move_earlier_past_late_minutes_is_missed_even_after_the_old_time_rang(make_world):
    w = make_world(now=MONDAY_9 - timedelta(hours=1))
    _known(w, at="10:00")
    w.ops()
    assert w.advance(hours=2) == [RINGS]  # 10:00, the old time: the move to 09:00 is not known yet
    assert w.say("知道了") == "好的。"
    w.advance(minutes=10)
    _learn(w, _once("2026-11-30T08:30:00", at="09:00"))  # learnt at 10:10
    assert w.advance(seconds=1) == ["您有一个错过的提醒：今天上午九点，吃药。"]
    assert _occurrences(w) == [(MONDAY_9, "missed"), (MONDAY_9 + timedelta(hours=1), "acknowledged")]
    assert ("reminder.missed", "2026-11-30T09:00:00") in _reported(w)


def test_rule_move_later_rings_at_the_new_time_only(make_world):
    # one-shot 09:00 known since last night; moved to 11:00 at 07:50, learnt at 08:00
    w = make_world(now=MONDAY_9 - timedelta(hours=1))
    _known(w)
    _learn(w, _once("2026-11-30T07:50:00", at="11:00"))
    assert w.advance(hours=1) == []  # 09:00: moved away
    assert w.advance(hours=2) == [RINGS]
    assert _occurrences(w)[0][0] == datetime(2026, 11, 30, 11, 0)


def test_rule_delete_stops_it_and_ends_the_repeats(make_world):
    w = make_world(now=MONDAY_9 - timedelta(minutes=1))
    _known(w, repeat="daily")
    assert w.advance(minutes=1) == [RINGS]
    _learn(w, deleted=("r1",))
    assert w.advance(minutes=30) == []
    assert w.advance(days=2) == []
    assert w.store.reminder("r1").active is False


def test_rule_add_while_offline_learnt_in_time_late_or_too_late(make_world):
    # added at 08:40 for 09:00; the speaker hears of it at 08:55, 09:10 or 09:40
    worlds = []
    for minutes, said in ((-5, []), (10, [RINGS]), (40, ["您有一个错过的提醒：今天上午九点，吃药。"])):
        w = make_world(now=MONDAY_9 + timedelta(minutes=minutes))
        _learn(w, _once("2026-11-30T08:40:00"))
        assert w.advance(seconds=1) == said, minutes
        worlds.append(w)
    assert worlds[0].advance(minutes=5) == [RINGS]  # the one learnt in time rings on time


def test_a_change_for_a_day_later_is_not_touched_by_the_grace(make_world):
    w = make_world(now=MONDAY_9 + timedelta(minutes=5))
    _learn(w, dataclasses.replace(_once("2026-11-30T09:04:00"), date="2026-12-01"))
    assert w.advance(seconds=1) == []
    assert w.advance(hours=23, minutes=55) == [RINGS]
