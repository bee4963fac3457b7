"""A sync answer applied in one transaction, and the events the speaker then says."""

from __future__ import annotations

from datetime import datetime

from assistant.changes import CURSOR_KEY, ReminderChange, ServerChanges, apply_changes
from assistant.events import AnnouncementArrived, BookingResolved, MessageArrived, ReminderAdded, SyncFinished
from intents.schema import Activity


def test_sync_answer_applied_once_and_spoken(world):
    world.say("报名明天的太极拳")
    world.say("好的")
    [op] = world.ops()
    booking_id = op.payload["booking_id"]
    now = world.clock.now()
    changes = ServerChanges(
        cursor="c-42",
        activities=(Activity("taiji-1201", "太极拳", "运动", datetime(2026, 12, 1, 8), "社区广场", 30),
                    Activity("s1", "书法班", "文化", datetime(2026, 12, 2, 9, 30), "书画室", 20)),
        taken={"s1": 20},
        bookings=((booking_id, "confirmed", ""),),
        reminders=(ReminderChange("fam-1", "量血压", "09:00", "2026-12-01", "daily"),),
        announcements=(("n1", "明天停水", False, now),),
        messages=(("m1", "女儿", "周末回来", now),),
        points=30,
        acknowledged=((op.op_id, {"status": "pending"}),),
    )
    events = apply_changes(world.store, changes, now)
    assert events == [
        BookingResolved(booking_id, "confirmed", "", "activity"), ReminderAdded("fam-1", "family"),
        AnnouncementArrived("n1", "明天停水", False, now), MessageArrived("m1", "女儿", "周末回来"),
        SyncFinished(True, ("activities", "announcements", "bookings", "messages", "reminders", "points"))]
    assert apply_changes(world.store, changes, now) == [SyncFinished(True, ("activities", "points"))]
    said = [text for event in events for text in world.post(event)]
    assert said == ["好消息，您报名的明天早上八点太极拳，社区已经确认了。",
                    "家人给您设了一个提醒：每天上午九点量血压。",
                    "社区通知：明天停水", "女儿给您发来一条留言：周末回来"]
    assert [text for event in events for text in world.post(event)] == []
    assert world.store.get_setting(CURSOR_KEY) == "c-42"
    assert world.store.pending_ops() == []
    assert world.say("我有多少积分") == "您现在有30个志愿积分。"
    assert world.say("报名书法班") == "后天上午九点半的书法班已经满了。最近没有别的文化活动了。"
    assert world.advance(hours=23) == ["提醒您：量血压。听到了请说知道了。"]
    apply_changes(world.store, ServerChanges(deleted_reminders=("fam-1",)), world.clock.now())
    assert world.advance(days=1) == []
