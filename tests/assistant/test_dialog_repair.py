"""Issue 12 point 2: repair inside a pending question — corrections, holding on, and a new
request in the middle (served, then the pending one offered again)."""

from __future__ import annotations

from datetime import datetime, time

from intents.schema import IntentId

C = IntentId.DIALOG_CORRECT
TABLE = {
    "不对，是后天": (C, {"date": "2026-12-02"}),
    "唔系啊，我话朝早八点": (C, {"time": "08:00", "part_of_day": "morning"}),
    "不对，是三点": (C, {"time": "15:00"}),
    "不对，是九点": (C, {"time": "21:00"}),  # the bare-hour rule at 10:00 gives 21:00
    "唔系，我话降糖药": (C, {"content": "吃降糖药"}),
    "不对，是书法班": (C, {"activity_id": "shufa-1201"}),
    "不对呀": (C, {}),
    "等一下": (IntentId.DIALOG_WAIT, {}),
    "我想想": (IntentId.DIALOG_WAIT, {}),
}


def test_correcting_the_day_of_a_reminder_reads_back_again(make_world):
    w = make_world(table=TABLE)
    # A corrected day is read back with its date.
    assert w.say("明天下午三点提醒我去医院") == "明天下午三点提醒您去医院，对吗？"
    assert w.say("不对，是后天") == "后天12月2号下午三点提醒您去医院，对吗？"
    assert w.ops() == []
    assert w.say("对") == "好的，记住了，后天下午三点提醒您去医院。"
    [reminder] = w.store.reminders()
    assert (reminder.start_date.isoformat(), reminder.at, reminder.content) == (
        "2026-12-02", time(15), "去医院")


def test_cantonese_correction_to_the_morning(make_world):
    w = make_world(table=TABLE)
    assert w.say("明天晚上八点提醒我吃药") == "明天晚上八点提醒您吃药，对吗？"
    assert w.say("唔系啊，我话朝早八点") == "明天早上八点提醒您吃药，对吗？"
    assert w.say("好") == "好的，记住了，明天早上八点提醒您吃药。"
    assert w.store.reminders()[0].at == time(8)


def test_a_bare_hour_in_a_correction_keeps_the_part_of_day(make_world):
    w = make_world(table=TABLE)
    assert w.say("明天早上八点提醒我吃药") == "明天早上八点提醒您吃药，对吗？"
    assert w.say("不对，是九点") == "明天上午九点提醒您吃药，对吗？"


def test_correcting_the_content(make_world):
    w = make_world(table=TABLE)
    w.say("每天晚上八点提醒我吃降压药")
    assert w.say("唔系，我话降糖药") == "每天晚上八点提醒您吃降糖药，对吗？"
    assert w.say("对") == "好的，记住了，每天晚上八点提醒您吃降糖药。"
    assert [r.content for r in w.store.reminders()] == ["吃降糖药"]


def test_correcting_a_booking_to_another_day_keeps_the_activity(make_world):
    w = make_world(table=TABLE)
    assert w.say("报名明天的太极拳") == "您要报名明天早上八点在社区广场的太极拳，对吗？"
    assert w.say("不对，是后天") == "您要报名后天12月2号早上八点在社区广场的太极拳，对吗？"
    assert w.say("是的") == "好的，太极拳的报名已提交，等社区确认。"
    assert [b.activity_id for b in w.store.bookings()] == ["taiji-1202"]


def test_correcting_a_booking_to_another_activity(make_world):
    w = make_world(table=TABLE)
    w.say("报名明天的太极拳")
    assert w.say("不对，是书法班") == "您要报名明天上午九点半在活动中心二楼书画室的书法班，对吗？"
    assert w.say("对") == "好的，书法班的报名已提交，等社区确认。"
    assert [b.activity_id for b in w.store.bookings()] == ["shufa-1201"]


def test_correcting_a_service_time(make_world):
    w = make_world(table=TABLE)
    assert w.say("帮我叫车明天下午两点") == "您要预约明天下午两点的用车，对吗？"
    assert w.say("不对，是三点") == "您要预约明天下午三点的用车，对吗？"
    assert w.say("对") == "好的，用车的预约已提交，等社区确认。"
    [req] = w.store.services()
    assert (req.day.isoformat(), req.time) == ("2026-12-01", "15:00")


def test_a_correction_without_a_value_asks_what_to_change(make_world):
    w = make_world(table=TABLE)
    w.say("明天下午三点提醒我去医院")
    reply = w.replies("不对呀")[0]
    assert (reply.text, reply.expects_answer) == ("您想改成什么？", True)
    assert w.say("后天") == "后天12月2号下午三点提醒您去医院，对吗？"
    assert w.say("对") == "好的，记住了，后天下午三点提醒您去医院。"


def test_a_bare_budui_to_a_read_back_asks_what_to_change(world):
    world.say("报名明天的太极拳")
    assert world.say("不对") == "您想改成什么？"
    assert world.say("算了") == "好，那就不办了。"
    assert world.store.bookings() == [] and world.ops() == []


def test_wait_holds_the_question_longer(make_world):
    w = make_world(table=TABLE)
    w.say("报名明天的太极拳")
    reply = w.replies("等一下")[0]
    assert reply.text == "好，您想好了叫我。"
    w.advance(seconds=90)  # longer than 30 s: still open
    assert w.say("好") == "好的，太极拳的报名已提交，等社区确认。"
    assert len(w.store.bookings()) == 1


def test_a_held_question_still_expires_in_the_end(make_world):
    w = make_world(table=TABLE)
    w.say("报名明天的太极拳")
    w.say("我想想")
    w.advance(minutes=3)
    assert w.say("好") == "刚才的报名还没办好。您要报名明天早上八点在社区广场的太极拳，对吗？"
    assert w.store.bookings() == []


def test_a_new_request_in_the_middle_is_served_then_the_pending_one_offered(world):
    assert world.say("提醒我吃药") == "几点提醒您？"
    assert world.say("现在几点") == "现在是上午十点，11月30号 星期一。刚才的提醒还没设好，要现在设吗？"
    assert world.say("要") == "几点提醒您？"
    assert world.say("下午三点") == "今天下午三点提醒您吃药，对吗？"
    assert world.say("对") == "好的，记住了，今天下午三点提醒您吃药。"


def test_a_new_request_with_its_own_question_defers_the_pending_one(world):
    assert world.say("报名明天的太极拳").endswith("对吗？")
    assert world.say("我想约体检") == "您想约哪天？"
    assert world.say("明天上午") == "您要预约明天上午的体检，对吗？"
    assert world.say("好") == ("好的，体检的预约已提交，等社区确认。"
                               "刚才问您：您要报名明天早上八点在社区广场的太极拳，对吗？")
    assert world.say("要") == "好的，太极拳的报名已提交，等社区确认。"
    assert world.op_types() == ["service.request", "booking.create"]


def test_a_ringing_reminder_sets_the_question_aside_and_offers_it_after(world):
    world.store.add_reminder("关煤气", time(10, 1), world.clock.now().date(), None, world.clock.now())
    world.advance(seconds=40)
    assert world.say("报名明天的太极拳").endswith("对吗？")
    assert world.advance(seconds=20) == ["提醒您：关煤气。听到了请说知道了。"]
    assert world.say("知道了") == "好的。刚才的报名还没办好。您要报名明天早上八点在社区广场的太极拳，对吗？"
    assert world.store.bookings() == []
    assert world.say("好") == "好的，太极拳的报名已提交，等社区确认。"


def test_stop_drops_the_pending_question(world):
    world.say("报名明天的太极拳")
    world.say("停")
    assert world.say("好") == "您刚才想让我做什么？"
    assert world.store.bookings() == []


def test_unclear_answer_to_a_read_back_asks_yes_or_no_again(world):
    world.say("报名明天的太极拳")
    assert world.say("啊啊啊") == "我没听清，请说对，或者不对。"
    assert world.say("对") == "好的，太极拳的报名已提交，等社区确认。"


def test_unclear_answer_to_a_follow_up_asks_it_again(world):
    assert world.say("我想约体检") == "您想约哪天？"
    assert world.say("啊啊啊") == "我没听清。您想约哪天？"
    assert world.say("后天上午") == "您要预约后天上午的体检，对吗？"


def test_now_is_monday(world):
    assert world.clock.now() == datetime(2026, 11, 30, 10, 0)


def test_content_answers_are_taken_as_content_whatever_they_would_mean_alone(world):
    assert world.say("明天下午三点提醒我") == "要提醒您什么？"
    assert world.say("去体检") == "明天下午三点提醒您去体检，对吗？"
    assert world.say("不要") == "好，那就不办了。"
    assert world.say("明天下午三点提醒我") == "要提醒您什么？"
    assert world.say("现在几点") == "现在是上午十点，11月30号 星期一。刚才的提醒还没设好，要现在设吗？"


def test_a_time_said_after_a_read_back_corrects_it(world):
    assert world.say("我想叫个车") == "您想约哪天？"
    assert world.say("明天上午") == "您要预约明天上午的用车，对吗？"
    assert world.say("八点") == "您要预约明天早上八点的用车，对吗？"
    assert world.say("好") == "好的，用车的预约已提交，等社区确认。"
    [req] = world.store.services()
    assert req.time == "08:00"
