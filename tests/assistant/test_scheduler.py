"""Reminders over time: fire, repeat, acknowledge, miss, restart, downtime, trust, quiet hours."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from assistant.events import AnnouncementArrived
from tests.assistant.conftest import World

DUE = "提醒您：吃降压药。听到了请说知道了。"
AGAIN = "再提醒您一次：吃降压药。吃了药就说：吃过了。"


def _daily_pill(world: World) -> str:
    reminder = world.store.add_reminder("吃降压药", time(8, 0), world.clock.now().date(), "daily",
                                        world.clock.now())
    world.ops()
    return reminder.id


def _statuses(world: World, reminder_id: str):
    return [(o.due_at.strftime("%m-%d %H:%M"), o.status) for o in world.store.occurrences(reminder_id)]


def test_fires_on_time_repeats_three_times_then_missed(world):
    rid = _daily_pill(world)  # Monday 10:00 → first due Tuesday 08:00
    assert world.advance(hours=21, minutes=59, seconds=59) == []
    assert world.advance(seconds=1) == [DUE]
    assert world.sink.replies == []
    assert world.advance(minutes=4, seconds=59) == []
    assert world.advance(seconds=1) == [AGAIN]
    assert world.advance(minutes=10) == [AGAIN, AGAIN]
    assert _statuses(world, rid) == [("12-01 08:00", "fired")]
    assert world.advance(minutes=5) == []
    assert _statuses(world, rid) == [("12-01 08:00", "missed")]
    assert world.op_types() == ["reminder.fired", "reminder.missed"]
    assert world.advance(minutes=30) == []


def test_acknowledged_with_zhidaole_stops_repeats(world):
    rid = _daily_pill(world)
    world.clock.set(datetime(2026, 12, 1, 7, 59))
    fired = world.advance(minutes=1)
    assert fired == [DUE]
    assert world.advance(minutes=5) == [AGAIN]
    assert world.say("吃了") == "好的。"
    assert world.advance(minutes=30) == []
    assert _statuses(world, rid) == [("12-01 08:00", "acknowledged")]
    ops = world.ops()
    assert [op.type for op in ops] == ["reminder.fired", "reminder.acknowledged"]
    assert ops[1].payload == {"reminder_id": rid, "due_at": "2026-12-01T08:00:00",
                              "at": "2026-12-01T08:05:00"}


def test_reminder_reply_expects_an_answer(world):
    _daily_pill(world)
    world.clock.set(datetime(2026, 12, 1, 7, 59))
    world.sink.take()
    world.clock.advance(timedelta(minutes=1))
    [reply] = world.sink.replies
    assert (reply.text, reply.expects_answer) == (DUE, True)


def test_daily_reminder_over_three_days_fires_exactly_three_times(world):
    rid = _daily_pill(world)
    said = world.advance(days=3)
    assert said.count(DUE) == 3
    assert said.count(AGAIN) == 9
    assert _statuses(world, rid) == [("12-01 08:00", "missed"), ("12-02 08:00", "missed"),
                                     ("12-03 08:00", "missed")]
    assert world.op_types().count("reminder.fired") == 3


def test_restart_does_not_duplicate_occurrences(world):
    rid = _daily_pill(world)
    world.clock.set(datetime(2026, 12, 1, 7, 59, 30))
    assert world.advance(seconds=30) == [DUE]
    assert world.say("知道了") == "好的。"
    assert world.reopen() == []
    assert world.reopen(datetime(2026, 12, 1, 8, 0, 30)) == []
    assert _statuses(world, rid) == [("12-01 08:00", "acknowledged")]
    assert world.advance(days=1).count(DUE) == 1
    assert len(world.store.occurrences(rid)) == 2


def test_downtime_speaks_recent_misses_once_and_records_older(world):
    rid = _daily_pill(world)
    world.assistant.stop()
    # Off from Monday 10:00 until Thursday 11:00: Tue/Wed/Thu 08:00 passed.
    said = world.reopen(datetime(2026, 12, 3, 11, 0))
    assert said == ["您有一个错过的提醒：今天早上八点，吃降压药。"]
    assert _statuses(world, rid) == [("12-01 08:00", "missed"), ("12-02 08:00", "missed"),
                                     ("12-03 08:00", "missed")]
    assert world.reopen() == []
    assert world.advance(hours=21) == [DUE]


def test_untrusted_clock_fires_nothing_until_trusted(world):
    rid = _daily_pill(world)
    world.clock.set_trusted(False)
    assert world.advance(days=1) == []
    assert world.store.occurrences(rid) == []
    world.clock.set_trusted(True)
    world.sink.take()
    world.assistant.tick()
    assert world.sink.take() == ["您有一个错过的提醒：今天早上八点，吃降压药。"]
    assert _statuses(world, rid) == [("12-01 08:00", "missed")]


def test_untrusted_at_boot_then_trusted(tmp_path):
    w = World(tmp_path, now=datetime(2026, 12, 1, 7, 0), trusted=False)
    rid = w.store.add_reminder("吃降压药", time(7, 30), date(2026, 12, 1), None, datetime(2026, 11, 30, 9))
    assert w.reopen(datetime(2026, 12, 1, 7, 40), trusted=False) == []
    assert w.store.occurrences(rid.id) == []
    w.clock.mark_trusted()
    assert w.advance(seconds=1) == ["您有一个错过的提醒：今天早上七点半，吃降压药。"]
    w.close()


def test_clock_jumps_backwards_fire_nothing_twice(world):
    rid = _daily_pill(world)
    world.clock.set(datetime(2026, 12, 1, 7, 59))
    assert world.advance(minutes=1) == [DUE]
    world.say("知道了")
    world.clock.set(datetime(2026, 11, 30, 7, 0))  # an NTP step back a day
    assert world.advance(hours=2) == []
    world.clock.set(datetime(2026, 12, 1, 9, 0))
    assert world.advance(hours=22, minutes=59) == []
    assert world.advance(minutes=1) == [DUE]
    assert [o.due_at.day for o in world.store.occurrences(rid)] == [1, 2]


def test_clock_jump_forward_counts_as_missed(world):
    rid = _daily_pill(world)
    world.sink.take()
    world.clock.set(datetime(2026, 12, 1, 9, 0))
    assert world.sink.take() == ["您有一个错过的提醒：今天早上八点，吃降压药。"]
    assert _statuses(world, rid) == [("12-01 08:00", "missed")]


def test_quiet_hours_hold_announcements_but_not_reminders(tmp_path):
    w = World(tmp_path, now=datetime(2026, 11, 30, 21, 0))
    w.store.add_reminder("关煤气", time(22, 0), date(2026, 11, 30), None, w.clock.now())
    w.advance(minutes=45)
    assert w.post(AnnouncementArrived("n1", "明天上午停水")) == []
    urgent = AnnouncementArrived("u1", "暴雨预警，请不要外出", urgent=True)
    assert w.post(urgent) == ["紧急通知：暴雨预警，请不要外出"]
    said = w.advance(minutes=15)
    assert said == ["提醒您：关煤气。听到了请说知道了。"]
    w.say("知道了")
    assert w.advance(hours=9, minutes=29) == []
    assert w.advance(minutes=1) == ["社区通知：明天上午停水"]
    assert w.advance(hours=1) == []
    assert w.post(AnnouncementArrived("n1", "明天上午停水")) == []  # delivered twice by sync: once only
    w.close()


def test_reminder_made_on_a_wrong_clock_does_not_flood_the_outbox(tmp_path):
    w = World(tmp_path, now=datetime(2024, 1, 1, 9, 0), trusted=False)
    w.store.add_reminder("吃降压药", time(8, 0), date(2024, 1, 1), "daily", w.clock.now())
    w.ops()
    said = w.reopen(datetime(2026, 11, 30, 10, 0))
    assert said == ["您有一个错过的提醒：今天早上八点，吃降压药。"]
    assert [op.type for op in w.ops()] == ["reminder.missed"] * 7
    w.close()


def test_missed_notice_after_a_night_reboot_waits_for_morning(tmp_path):
    w = World(tmp_path, now=datetime(2026, 11, 30, 20, 0))
    w.store.add_reminder("吃降压药", time(21, 0), date(2026, 11, 30), "daily", w.clock.now())
    w.assistant.stop()
    assert w.reopen(datetime(2026, 12, 1, 3, 0)) == []  # power came back at 3 a.m.
    assert w.advance(hours=4, minutes=29) == []
    assert w.advance(minutes=1) == ["您有一个错过的提醒：昨天晚上九点，吃降压药。"]
    w.close()
