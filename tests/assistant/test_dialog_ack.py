"""Issue 12 point 7: reminder.ack acknowledges the ringing reminder; with none ringing it answers a
pending confirmation as yes; re-prompts say how to stop them."""

from __future__ import annotations

from datetime import time

from intents.schema import IntentId

ACK = IntentId.REMINDER_ACK
TABLE = {"吃过了": (ACK, {}), "食咗": (ACK, {}), "知道啦": (ACK, {}), "听到啦": (ACK, {})}


def _due_at_ten_past(world, content):
    world.store.add_reminder(content, time(10, 10), world.clock.now().date(), None, world.clock.now())
    world.ops()


def test_ack_acknowledges_the_ringing_reminder(make_world):
    w = make_world(table=TABLE)
    _due_at_ten_past(w, "吃降压药")
    assert w.advance(minutes=10) == ["提醒您：吃降压药。听到了请说知道了。"]
    assert w.say("食咗") == "好的。"
    assert [op.type for op in w.ops()] == ["reminder.fired", "reminder.acknowledged"]
    assert w.advance(minutes=30) == []  # no re-prompt after the acknowledgement


def test_re_prompts_say_how_to_stop_them(make_world):
    w = make_world(table=TABLE)
    _due_at_ten_past(w, "吃降压药")
    w.advance(minutes=10)
    assert w.advance(minutes=5) == ["再提醒您一次：吃降压药。吃了药就说：吃过了。"]
    assert w.say("吃过了") == "好的。"
    assert w.advance(minutes=10) == []


def test_re_prompts_of_other_reminders_say_zhidaole(make_world):
    w = make_world(table=TABLE)
    _due_at_ten_past(w, "关煤气")
    w.advance(minutes=10)
    assert w.advance(minutes=5) == ["再提醒您一次：关煤气。听到了就说：知道了。"]
    assert w.say("知道啦") == "好的。"


def test_ack_with_a_confirmation_pending_and_nothing_ringing_counts_as_yes(make_world):
    w = make_world(table=TABLE)
    assert w.say("报名明天的太极拳").endswith("对吗？")
    assert w.say("知道啦") == "好的，太极拳的报名已提交，等社区确认。"
    assert len(w.store.bookings()) == 1


def test_ack_while_a_reminder_rings_acknowledges_it_even_with_a_question_open(make_world):
    w = make_world(table=TABLE)
    _due_at_ten_past(w, "吃降压药")
    w.advance(minutes=10)
    assert w.say("报名明天的太极拳").endswith("对吗？")
    assert w.say("吃过了") == "好的。"
    assert w.store.bookings() == []
    assert w.say("好") == "好的，太极拳的报名已提交，等社区确认。"  # the question is still open


def test_ack_with_nothing_ringing_and_nothing_asked_says_so(make_world):
    w = make_world(table=TABLE)
    assert w.say("吃过了") == "现在没有在响的提醒。"
    assert w.ops() == []


def test_a_yes_acknowledges_a_ringing_reminder_too(world):
    _due_at_ten_past(world, "吃降压药")
    world.advance(minutes=10)
    assert world.say("好的") == "好的。"
    assert [op.type for op in world.ops()] == ["reminder.fired", "reminder.acknowledged"]


def test_a_yes_said_last_after_hesitating_acknowledges_and_a_doubt_does_not(make_world):
    w = make_world()
    _due_at_ten_past(w, "吃降糖药")
    w.advance(minutes=10)
    assert "好" in w.say("我谂谂 我好似食咗 嗯 系 食咗")
    assert w.advance(minutes=30) == []  # acknowledged: no re-prompt
    w2 = make_world()
    _due_at_ten_past(w2, "吃降糖药")
    w2.advance(minutes=10)
    w2.say("我唔记得 食咗未")  # a doubt acknowledges nothing
    assert any("再提醒您一次" in t for t in w2.advance(minutes=5))
