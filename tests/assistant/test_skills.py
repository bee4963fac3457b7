"""Services, reminders by voice, messages, points, time, emergency and dialog control."""

from __future__ import annotations

from datetime import datetime

from assistant.events import AnnouncementArrived, MessageArrived


def test_service_asks_day_then_confirms(world):
    assert world.say("我想约体检") == "您想约哪天？"
    assert world.say("明天上午") == "您要预约明天上午的体检，对吗？"
    assert world.say("好的") == "好的，体检的预约已提交，等社区确认。"
    [op] = world.ops()
    assert (op.type, op.payload["service"], op.payload["date"], op.payload["time"]) == (
        "service.request", "checkup", "2026-12-01", "morning")
    assert world.say("我报了哪些活动") == "您明天有1项安排：上午，体检，等社区确认。"


def test_service_with_everything_said_at_once(world):
    assert world.say("我要预约明天上午的送餐") == "您要预约明天上午的送餐，对吗？"
    assert world.say("不要") == "好，那就不办了。"
    assert world.ops() == []


def test_reminder_create_reads_back_and_confirms(world):
    reply = world.replies("明天下午三点提醒我去医院")[0]
    assert (reply.text, reply.expects_answer) == ("明天下午三点提醒您去医院，对吗？", True)
    assert world.say("对") == "好的，记住了，明天下午三点提醒您去医院。"
    [op] = world.ops()
    assert op.type == "reminder.create"
    assert {k: op.payload[k] for k in ("content", "time", "date", "repeat")} == {
        "content": "去医院", "time": "15:00", "date": "2026-12-01", "repeat": None}


def test_reminder_missing_time_gets_follow_up(world):
    assert world.say("提醒我吃药") == "几点提醒您？"
    assert world.say("下午三点") == "今天下午三点提醒您吃药，对吗？"
    assert world.say("好的") == "好的，记住了，今天下午三点提醒您吃药。"


def test_repeating_reminder_list_and_cancel(world):
    world.say("每周一三五早上九点提醒我量血压")
    assert world.say("好的") == "好的，记住了，每周一、三、五上午九点提醒您量血压。"
    world.say("每天早上八点提醒我吃降压药")
    world.say("好的")
    world.ops()
    assert world.say("我有哪些提醒") == (
        "您有2个提醒：每天早上八点吃降压药；每周一、三、五上午九点量血压。")
    assert world.say("取消吃药的提醒") == "您要取消每天早上八点吃降压药的提醒，对吗？"
    assert world.say("好的") == "好的，吃降压药的提醒取消了。"
    assert world.op_types() == ["reminder.cancel"]
    assert world.say("我有哪些提醒") == "您有1个提醒：每周一、三、五上午九点量血压。"
    assert world.say("取消吃药的提醒") == "没有找到这个提醒。"


def test_emergency_answers_at_once_and_records_urgent_op(world):
    world.say("报名明天的太极拳")  # an open question does not delay help
    reply = world.replies("我摔倒了")[0]
    assert reply.text == "我这里发不出求助。请马上打120。"  # not paired: nothing could be sent
    assert reply.urgent is True
    [op] = world.ops()
    assert (op.type, op.urgent, op.payload["text"]) == ("emergency", True, "我摔倒了")
    assert world.store.pending_ops()[0].type == "emergency"
    assert world.say("好的") == "您刚才想让我做什么？"  # the booking question was dropped
    assert world.store.bookings() == []


def test_time_and_date(world):
    assert world.say("现在几点") == "现在是上午十点，11月30号 星期一。"


def test_points_messages_and_announcements(world):
    assert world.say("我有多少积分") == "还没有您的积分记录，连上社区以后就能查。"
    world.store.set_points(12, world.clock.now())
    assert world.say("我有多少积分") == "您现在有12个志愿积分。"
    assert world.say("有没有留言") == "还没有家人的留言。"
    assert world.post(MessageArrived("m1", "女儿", "周末回来看您")) == ["女儿给您发来一条留言：周末回来看您"]
    assert world.post(MessageArrived("m1", "女儿", "周末回来看您")) == []
    assert world.say("有什么通知") == "最近没有社区通知。"
    assert world.post(AnnouncementArrived("n1", "明天停水", created_at=datetime(2026, 11, 30, 9))) == [
        "社区通知：明天停水"]
    assert world.say("有什么通知") == "社区通知：明天停水。"


def test_send_message_to_family(world):
    assert world.say("告诉女儿我今天不回去吃饭") == "给女儿留言：我今天不回去吃饭。对吗？"
    assert world.ops() == []  # read back first: a slip of the recogniser would reach her as written
    assert world.say("对") == "好的，这条留言会转给女儿。"
    [op] = world.ops()
    assert (op.type, op.payload["to"], op.payload["text"]) == ("message.send", "女儿", "我今天不回去吃饭")


def test_a_message_about_the_family_member_is_written_to_her(world):
    """'话佢今晚唔使嚟' told to 女儿 is about her: she reads 你今晚不用来."""
    assert world.say("帮我留个言畀个女，话佢今晚唔使嚟") == "给女儿留言：你今晚不用来。对吗？"


def test_voice_preferences_persist_across_restart(world):
    assert world.replies("现在几点")[0].voice_volume == 0.9
    reply = world.replies("大声一点")[0]
    assert (reply.text, reply.voice_volume) == ("好的，我大声一点。", 1.0)
    assert world.say("大声一点") == "已经是最大声了。"
    reply = world.replies("说慢一点")[0]
    assert (reply.text, reply.voice_rate) == ("好的，我说慢一点。", 115)
    world.reopen()
    reply = world.replies("现在几点")[0]
    assert (reply.voice_rate, reply.voice_volume) == (115, 1.0)
    assert world.replies("小声一点")[0].voice_volume == 0.85


def test_repeat_stop_help_and_unknown(world):
    assert world.say("再说一遍") == "我刚才还没说话呢。"
    first = world.say("现在几点")
    assert world.say("再说一遍") == first
    stop = world.replies("停")[0]
    assert stop.stop_speaking is True
    assert world.say("你能做什么").startswith("您可以这样说：明天有什么活动")
    assert world.say("啊啊啊") == "我没听懂，您可以说：明天有什么活动。"


def test_follow_ups_for_cancel_service_and_message(world):
    world.say("报名明天的太极拳")
    world.say("好的")
    world.say("报名明天的书法班")
    world.say("好的")
    assert world.say("取消报名") == "您是说明天早上八点的太极拳，还是明天上午九点半的书法班？"
    assert world.say("书法班") == "您要取消明天上午九点半的书法班，对吗？"
    assert world.say("好的") == "好的，书法班已经取消了。"
    assert world.say("我想预约服务") == "您想预约什么服务？可以约体检、送餐、用车、理发或者保洁。"
    assert world.say("理发") == "您想约哪天？"
    assert world.say("后天下午") == "您要预约后天下午的理发，对吗？"
    assert world.say("好的") == "好的，理发的预约已提交，等社区确认。"
    assert world.say("给女儿留言") == "您想跟女儿说什么？"
    assert world.say("晚上早点回家") == "给女儿留言：晚上早点回家。对吗？"
    assert world.say("对") == "好的，这条留言会转给女儿。"


def test_reminder_cancel_asks_which_when_several(world):
    world.say("每天早上八点提醒我吃降压药")
    world.say("好的")
    world.say("明天下午三点提醒我去医院")
    world.say("好的")
    assert world.say("取消提醒") == "您是说吃降压药的，还是去医院的？"
    assert world.say("去医院") == "您要取消明天下午三点去医院的提醒，对吗？"
    assert world.say("对") == "好的，去医院的提醒取消了。"


def test_content_follow_up_takes_free_text(world):
    assert world.say("明天下午三点提醒我") == "要提醒您什么？"
    assert world.say("给孙子打电话") == "明天下午三点提醒您给孙子打电话，对吗？"


def test_one_shot_in_the_past_is_refused(world):
    assert world.say("今天早上八点提醒我吃药") == "今天早上八点已经过了，请换一个时间。"


def test_schedule_orders_bookings_and_services_by_time(world):
    world.say("报名明天的书法班")
    world.say("好的")
    world.say("我要预约明天上午的送餐")
    world.say("好的")
    world.say("帮我叫车")
    world.say("明天下午两点")
    world.say("好的")
    assert world.say("我报了哪些活动") == (
        "您明天有3项安排：上午，送餐，等社区确认；上午九点半，书法班，等社区确认；"
        "下午两点，用车，等社区确认。")


def test_bare_cancel_answers_a_confirmation_with_no(world):
    assert world.say("我要预约明天上午的送餐") == "您要预约明天上午的送餐，对吗？"
    assert world.say("取消") == "好，那就不办了。"
    assert world.ops() == []


def test_bare_signup_asks_which_activity(world):
    reply = world.replies("报名")[0]
    assert reply.expects_answer
    assert reply.text == "您想报名哪个活动？"


def test_bare_cancel_confirms_a_cancellation(world):
    world.say("报名明天的太极拳")
    world.say("是的")
    assert world.say("取消明天的太极拳").endswith("对吗？")
    assert world.say("我不去了") == "好的，太极拳已经取消了。"
    assert world.say("我报了哪些活动") == "您最近没有报名活动，也没有预约服务。"
