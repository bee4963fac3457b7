"""The threaded runtime: one queue, one dialog thread, replies in order through on_reply."""

from __future__ import annotations

import queue
from datetime import datetime, time, timedelta

from assistant.config import Settings
from assistant.dialog import Reply
from assistant.events import AnnouncementArrived, UtteranceHeard
from assistant.runtime import Assistant
from tests.fakes import FakeClock

TIMEOUT = 5


def test_posted_events_are_answered_in_order_on_the_dialog_thread(tmp_path):
    heard: "queue.Queue[Reply]" = queue.Queue()
    clock = FakeClock(datetime(2026, 11, 30, 7, 59, 50))
    assistant = Assistant.open(Settings(data_dir=tmp_path), clock, heard.put)
    assistant.store.add_reminder("吃药", time(8, 0), clock.now().date(), None, clock.now())
    assistant.start()
    try:
        assistant.post(UtteranceHeard("现在几点"))
        assistant.post(AnnouncementArrived("n1", "明天停水"))
        assistant.post(UtteranceHeard("听不清的话", confidence=0.2))
        assert heard.get(timeout=TIMEOUT).text == "现在是早上七点五十九分，11月30号 星期一。"
        assert heard.get(timeout=TIMEOUT).text == "社区通知：明天停水"
        assert heard.get(timeout=TIMEOUT).text == "我没听清，请再说一次。"
        clock.advance(timedelta(seconds=10))
        reminder = heard.get(timeout=TIMEOUT)
        assert (reminder.text, reminder.expects_answer) == ("提醒您：吃药。听到了请说知道了。", True)
        assert assistant.handle_text("知道了")[0].text == "好的。"
        assert assistant.outbox_changed.is_set()
        assert assistant.catalog().get("taiji-1130") is not None
        assert assistant.catalog_version() == 1
    finally:
        assistant.stop()
    assert (tmp_path / "assistant.db").exists()


def test_alternatives_family_reminders_and_messages(tmp_path):
    from assistant.events import BookingResolved, MessageArrived, ReminderAdded
    from tests.assistant.conftest import World

    w = World(tmp_path)
    assert [r.text for r in w.assistant.process(UtteranceHeard("几点钟了啊啊", ("现在几点",)))] == [
        "现在是上午十点，11月30号 星期一。"]
    family = w.store.add_reminder("量血压", time(9, 0), datetime(2026, 12, 1).date(), "daily", w.clock.now(),
                                  source="family", reminder_id="r-family", outbox=False)
    assert w.ops() == []
    assert w.post(ReminderAdded(family.id)) == ["家人给您设了一个提醒：每天上午九点量血压。"]
    w.clock.set(datetime(2026, 11, 30, 22, 0))
    assert w.post(MessageArrived("m1", "儿子", "早点休息")) == []  # quiet hours: kept for the morning
    assert w.say("有没有留言") == "儿子今天留言：早点休息。"
    assert w.say("有没有留言") == "儿子今天留言：早点休息。"  # heard ones are said again
    assert w.post(MessageArrived("m2", "女儿", "明天来看您")) == []
    assert w.post(MessageArrived("m2", "女儿", "明天来看您")) == []
    w.store.add_booking("taiji-1201", w.clock.now())
    [booking] = w.store.bookings()
    assert w.post(BookingResolved(booking.id, "confirmed")) == []
    assert w.advance(hours=9, minutes=29) == []
    assert w.advance(minutes=1) == ["女儿给您发来一条留言：明天来看您",
                                    "好消息，您报名的今天早上八点太极拳，社区已经确认了。"]
    assert w.say("有没有留言") == "女儿昨天留言：明天来看您；儿子昨天留言：早点休息。"
    w.close()


def test_low_confidence_recognition_asks_again(tmp_path):
    from tests.assistant.conftest import World

    w = World(tmp_path)
    assert [r.text for r in w.assistant.process(UtteranceHeard("报名太极拳", confidence=0.3))] == [
        "我没听清，请再说一次。"]
    assert w.store.bookings() == []
    w.close()


def test_announcement_waits_for_the_running_answer(tmp_path):
    import threading

    speaking = threading.Event()
    release = threading.Event()
    said: "queue.Queue[str]" = queue.Queue()

    def on_reply(reply: Reply) -> None:  # the audio side blocks while it speaks
        said.put(reply.text)
        if not speaking.is_set():
            speaking.set()
            assert release.wait(TIMEOUT)

    clock = FakeClock(datetime(2026, 11, 30, 10, 0))
    assistant = Assistant.open(Settings(data_dir=tmp_path), clock, on_reply)
    assistant.start()
    try:
        assistant.post(UtteranceHeard("现在几点"))
        assert speaking.wait(TIMEOUT)
        assistant.post(AnnouncementArrived("n1", "明天停水"))
        assert said.get(timeout=TIMEOUT) == "现在是上午十点，11月30号 星期一。"
        try:
            early = said.get(timeout=0.3)  # a negative assertion: this timeout is expected to fire
        except queue.Empty:
            early = None
        assert early is None
        release.set()
        assert said.get(timeout=TIMEOUT) == "社区通知：明天停水"
    finally:
        release.set()
        assistant.stop()


def test_sync_thread_and_dialog_write_concurrently(tmp_path):
    import threading

    from assistant.changes import ServerChanges, apply_changes
    from tests.assistant.conftest import World

    w = World(tmp_path)
    errors = []

    def sync_side() -> None:
        try:
            for i in range(100):
                apply_changes(w.store, ServerChanges(cursor=f"c{i}", points=i), w.clock.now())
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)

    thread = threading.Thread(target=sync_side)
    thread.start()
    for _ in range(30):
        w.say("报名明天的太极拳")
        w.say("不要")
        w.say("告诉女儿我很好")
        w.say("对")  # a message is read back before it is sent
    thread.join(timeout=60)
    assert errors == [] and not thread.is_alive()
    assert w.store.points() == 99
    assert len([op for op in w.store.outbox() if op.type == "message.send"]) == 30
    w.close()
