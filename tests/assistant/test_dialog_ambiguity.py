"""Issue 12 point 3: when two bookings or reminders fit, ask '您是说…还是…？' — answerable by
position, day, time or content — and '第一个' means the first of the list said last."""

from __future__ import annotations

from datetime import datetime, time

from intents.schema import IntentId
from tests.assistant.conftest import MONDAY

WEDNESDAY_9 = datetime(2026, 12, 2, 9, 0)


def _book(world, *texts):
    for text in texts:
        assert world.say(text).endswith("对吗？"), text
        assert world.say("好的").startswith("好的")
    world.ops()


def _pills(world):
    today = world.clock.now().date()
    world.store.add_reminder("吃降压药", time(8), today, "daily", world.clock.now())
    world.store.add_reminder("吃降糖药", time(20), today, "daily", world.clock.now())
    world.ops()


TWO_TAIJI = "您是说明天早上八点的太极拳，还是后天早上八点的太极拳？"


def test_two_sessions_of_one_title_are_asked_about_not_picked(world):
    _book(world, "报名明天的太极拳", "报名后天的太极拳")
    assert world.say("帮我把太极拳取消了") == TWO_TAIJI
    assert world.ops() == []
    assert world.say("第二个") == "您要取消后天早上八点的太极拳，对吗？"
    assert world.say("对") == "好的，太极拳已经取消了。"
    [op] = world.ops()
    assert (op.type, [b.activity_id for b in world.store.bookings()]) == ("booking.cancel", ["taiji-1201"])


def test_the_choice_can_be_answered_by_day(world):
    _book(world, "报名明天的太极拳", "报名后天的太极拳")
    assert world.say("取消太极拳") == TWO_TAIJI
    assert world.say("明天的") == "您要取消明天早上八点的太极拳，对吗？"
    assert world.say("对") == "好的，太极拳已经取消了。"
    assert [b.activity_id for b in world.store.bookings()] == ["taiji-1202"]


def test_the_choice_can_be_answered_by_time_or_title(world):
    _book(world, "报名明天的太极拳", "报名明天的书法班")
    question = "您是说明天早上八点的太极拳，还是明天上午九点半的书法班？"
    assert world.say("取消明天的活动") == question
    assert world.say("九点半那个") == "您要取消明天上午九点半的书法班，对吗？"
    assert world.say("不要") == "好，那就不办了。"
    assert world.say("取消明天的活动") == question
    assert world.say("太极拳") == "您要取消明天早上八点的太极拳，对吗？"


def test_two_medicine_reminders_are_asked_about_by_content(world):
    _pills(world)
    assert world.say("取消吃药的提醒") == "您是说吃降压药的，还是吃降糖药的？"
    assert world.say("降糖的") == "您要取消每天晚上八点吃降糖药的提醒，对吗？"
    assert world.say("对") == "好的，吃降糖药的提醒取消了。"
    assert [r.content for r in world.store.reminders()] == ["吃降压药"]


def test_reminders_with_the_same_content_are_told_apart_by_time(world):
    today = world.clock.now().date()
    world.store.add_reminder("吃药", time(8), today, "daily", world.clock.now())
    world.store.add_reminder("吃药", time(20), today, "daily", world.clock.now())
    assert world.say("取消吃药的提醒") == "您是说每天早上八点吃药的，还是每天晚上八点吃药的？"
    assert world.say("晚上那个") == "您要取消每天晚上八点吃药的提醒，对吗？"


def test_an_unclear_choice_is_asked_again_and_nothing_is_cancelled(world):
    _pills(world)
    world.say("取消吃药的提醒")
    assert world.say("啊啊") == "我没听清。您是说吃降压药的，还是吃降糖药的？"
    assert world.say("好") == "我没听清。您是说吃降压药的，还是吃降糖药的？"
    assert world.ops() == [] and len(world.store.reminders()) == 2


def test_first_refers_to_the_reminder_list_just_said(world):
    """The issue's case: '第一个取消掉' after the reminder list cancelled the 太极拳 booking."""
    _book(world, "报名明天的太极拳")
    _pills(world)
    # Repeating reminders are said by time of day: the order people count in.
    assert world.say("我有哪些提醒") == "您有2个提醒：每天早上八点吃降压药；每天晚上八点吃降糖药。"
    assert world.say("第一个取消掉") == "您要取消每天早上八点吃降压药的提醒，对吗？"
    assert world.say("对") == "好的，吃降压药的提醒取消了。"
    assert world.op_types() == ["reminder.cancel"]
    assert [b.activity_id for b in world.store.bookings()] == ["taiji-1201"]


def test_first_refers_to_the_schedule_just_said(world):
    _book(world, "报名明天的太极拳", "报名明天的书法班")
    assert world.say("我报了哪些活动").startswith("您明天有2项安排：早上八点，太极拳")
    assert world.say("第二个取消掉") == "您要取消明天上午九点半的书法班，对吗？"


def test_first_refers_to_the_choice_just_asked(world):
    _book(world, "报名明天的太极拳", "报名后天的太极拳")
    world.say("取消太极拳")
    assert world.say("第一个") == "您要取消明天早上八点的太极拳，对吗？"


def test_second_one_signs_up_for_the_second_activity_said(world):
    world.say("明天下午有什么活动")  # 象棋 14:00, 中医养生课 15:00
    assert world.say("第二个帮我报名") == "您要报名明天下午三点在活动中心一楼的中医养生课，对吗？"


def test_a_position_beyond_the_list_is_said_so(world):
    world.say("明天下午有什么活动")
    assert world.say("第三个帮我报名") == "我刚才没有说到第3个。"
    assert world.ops() == []


def test_todays_one_after_hearing_about_one_activity(make_world):
    """'下午那个唱歌的几点' → '今天的帮我报名' books the 合唱团 just spoken of, not the first of the day."""
    table = {
        "下午那个唱歌的几点": (IntentId.ACTIVITY_QUERY, {"activity_id": "hechang-1202", "date": "2026-12-02",
                                                      "part_of_day": "afternoon", "category": "娱乐"}),
        "今天的帮我报名": (IntentId.ACTIVITY_BOOK, {"date": "2026-12-02"}),
    }
    w = make_world(now=WEDNESDAY_9, table=table)
    assert w.say("下午那个唱歌的几点") == "今天有1场合唱团，在多功能厅：下午三点。"
    assert w.say("今天的帮我报名") == "您要报名今天下午三点在多功能厅的合唱团，对吗？"
    assert w.say("对") == "好的，合唱团的报名已提交，等社区确认。"
    assert [b.activity_id for b in w.store.bookings()] == ["hechang-1202"]


def test_signing_up_for_several_that_fit_asks_which(make_world):
    table = {"报名明天上午的活动": (IntentId.ACTIVITY_BOOK, {"date": "2026-12-01", "part_of_day": "morning"})}
    w = make_world(now=MONDAY, table=table)
    assert w.say("报名明天上午的活动") == "您是说明天早上八点的太极拳，还是明天上午九点半的书法班？"
    assert w.say("书法") == "您要报名明天上午九点半在活动中心二楼书画室的书法班，对吗？"
    assert w.ops() == []


def test_a_new_request_instead_of_a_choice_is_served_and_the_choice_offered(world):
    _pills(world)
    world.say("取消吃药的提醒")
    assert world.say("现在几点") == "现在是上午十点，11月30号 星期一。刚才的提醒还没取消，要现在取消吗？"
    assert world.say("要") == "您是说吃降压药的，还是吃降糖药的？"


def test_second_one_not_wanted_after_the_reminder_list(world):
    _pills(world)
    world.say("我有哪些提醒")
    assert world.say("第二个唔要") == "您要取消每天晚上八点吃降糖药的提醒，对吗？"


def test_a_bare_position_answering_a_yes_no_question_is_asked_again(world):
    _pills(world)
    world.say("取消降压药的提醒")
    assert world.say("第一个") == "我没听清，请说对，或者不对。"
    assert world.ops() == []


def test_a_cancel_for_the_wrong_day_reads_back_the_one_booked(world):
    """Set AZ: 取消后日个太极 when the 太极拳 booked is tomorrow's — the senior hears which day it really is,
    and only a yes cancels it."""
    _book(world, "报名明天的太极拳")
    assert world.say("取消后日个太极") == "后天您没有报太极拳。您报的是明天早上八点的太极拳，要取消这个吗？"
    assert world.ops() == []
    assert world.say("系") == "好的，太极拳已经取消了。"
    [op] = world.ops()
    assert op.type == "booking.cancel" and world.store.bookings() == []
