"""Activities and bookings through the real parser, a real store file and a fake clock."""

from __future__ import annotations

from datetime import datetime

from assistant.events import BookingResolved
from intents.schema import Activity

TUE = datetime(2026, 12, 1)


def test_query_tomorrow_says_three_then_offers_the_rest(world):
    assert world.say("明天有什么活动") == (
        "明天有5个活动：早上八点，太极拳，在社区广场；上午九点半，书法班，在活动中心二楼书画室；"
        "下午两点，象棋，在棋牌室。还有2个，要继续听吗？")
    assert world.say("要") == "下午三点，中医养生课，在活动中心一楼；晚上七点，广场舞，在社区广场。"


def test_query_more_declined(world):
    world.say("明天有什么活动")
    assert world.say("不用了") == "好。"
    assert world.say("好的") == "您刚才想让我做什么？"  # a yes with nothing open never pretends


def test_query_by_part_of_day_and_category(world):
    assert world.say("明天下午有什么活动") == (
        "明天有2个活动：下午两点，象棋，在棋牌室；下午三点，中医养生课，在活动中心一楼。")
    assert world.say("有什么文化类的活动") == (
        "最近有3个文化活动：明天上午九点半，书法班，在活动中心二楼书画室；后天上午十点，剪纸班，在活动中心二楼。"
        "还有1个，要继续听吗？")  # about 60 characters at a time


def test_booking_reads_back_confirms_and_is_pending(world):
    reply = world.replies("报名明天的太极拳")[0]
    assert reply.text == "您要报名明天早上八点在社区广场的太极拳，对吗？"
    assert reply.expects_answer is True
    assert world.ops() == []
    assert world.say("好的") == "好的，太极拳的报名已提交，等社区确认。"
    ops = world.ops()
    assert [op.type for op in ops] == ["booking.create"]
    assert ops[0].payload["activity_id"] == "taiji-1201"
    [booking] = world.store.bookings()
    assert (booking.activity_id, booking.status, booking.id) == ("taiji-1201", "pending",
                                                               ops[0].payload["booking_id"])
    assert world.say("我报了哪些活动") == "您明天有1项安排：早上八点，太极拳，等社区确认。"


def test_booking_declined_books_nothing(world):
    world.say("报名明天的太极拳")
    assert world.say("不要") == "好，那就不办了。"
    assert world.store.bookings() == []
    assert world.ops() == []


def test_already_booked_says_so_and_offers_nothing_else(world):
    """Blind set AJ: told it is booked already, the senior's 唔该 is thanks — an unasked-for offer of the
    next session would have turned it into a second sign-up."""
    world.say("报名明天的太极拳")
    world.say("好的")
    world.ops()
    assert world.say("报名明天的太极拳") == "您已经报名了明天早上八点的太极拳。"
    assert "报名已提交" not in world.say("好的")
    assert [b.activity_id for b in world.store.bookings()] == ["taiji-1201"]


def _server_catalog(world):
    world.load_catalog([
        Activity("a1", "太极拳", "运动", TUE.replace(hour=9), "社区广场", 10),
        Activity("a2", "书法班", "文化", TUE.replace(hour=9, minute=30), "书画室", 10),
        Activity("a3", "书法班", "文化", TUE.replace(day=3, hour=9, minute=30), "书画室", 10),
        Activity("a4", "合唱团", "娱乐", TUE.replace(hour=15), "多功能厅", 20),
        Activity("a5", "合唱团", "娱乐", TUE.replace(day=3, hour=15), "多功能厅", 20),
    ], taken={"a4": 20})


def test_time_clash_offers_next_session_of_same_category(world):
    _server_catalog(world)
    world.say("报名明天的太极拳")
    world.say("好的")
    assert world.say("报名明天的书法班") == (
        "明天上午九点您已经报名了太极拳，时间冲突了。"
        "下一场书法班是12月3号 星期四 上午九点半，在书画室，要报名这一场吗？")
    assert world.say("对") == "好的，书法班的报名已提交，等社区确认。"
    assert [b.activity_id for b in world.store.bookings()] == ["a1", "a3"]


def test_full_activity_offers_next_session(world):
    _server_catalog(world)
    assert world.say("报名明天的合唱团") == (
        "明天下午三点的合唱团已经满了。下一场合唱团是12月3号 星期四 下午三点，在多功能厅，要报名这一场吗？")
    assert world.say("不要") == "好，那就不办了。"
    assert world.store.bookings() == []


def test_server_confirms_and_rejects_offline_bookings(world):
    world.say("报名明天的太极拳")
    world.say("好的")
    world.say("报名明天的书法班")
    world.say("好的")
    first, second = world.store.bookings()
    assert world.post(BookingResolved(first.id, "confirmed")) == [
        "好消息，您报名的明天早上八点太极拳，社区已经确认了。"]
    assert world.post(BookingResolved(second.id, "rejected", reason="full")) == [
        "抱歉，您报名的书法班没有成功，名额已满。"]
    assert world.post(BookingResolved(second.id, "rejected", reason="full")) == []  # replayed: silent
    assert world.say("我报了哪些活动") == "您明天有1项安排：早上八点，太极拳。"


def test_cancel_reads_back_confirms_and_writes_outbox(world):
    world.say("报名明天的太极拳")
    world.say("好的")
    world.ops()
    assert world.say("取消明天的太极拳") == "您要取消明天早上八点的太极拳，对吗？"
    assert world.say("是的") == "好的，太极拳已经取消了。"
    assert world.op_types() == ["booking.cancel"]
    assert world.store.bookings() == []
    assert world.say("取消明天的太极拳") == "您现在没有报名的活动。"


def test_missing_activity_gets_one_follow_up(world):
    reply = world.replies("我要报名")[0]
    assert (reply.text, reply.expects_answer) == ("您想报名哪个活动？", True)
    assert world.say("太极拳") == "您要报名明天早上八点在社区广场的太极拳，对吗？"
    assert world.say("好") == "好的，太极拳的报名已提交，等社区确认。"


def test_a_new_question_instead_of_an_answer_is_answered(world):
    assert world.say("我要报名") == "您想报名哪个活动？"
    # Served, and the sign-up that was being asked about is offered again afterwards.
    assert world.say("明天下午有什么活动") == (
        "明天有2个活动：下午两点，象棋，在棋牌室；下午三点，中医养生课，在活动中心一楼。"
        "刚才的报名还没办好，要现在报名吗？")
    assert world.store.bookings() == []


def test_pending_question_expires_after_30_seconds(world):
    world.say("报名明天的太极拳")
    world.advance(seconds=31)
    # Said to have expired, not done: read back whole again.
    assert world.say("好的") == "刚才的报名还没办好。您要报名明天早上八点在社区广场的太极拳，对吗？"
    assert world.store.bookings() == []
    assert world.say("不要") == "好，那就不办了。"
    world.say("报名明天的太极拳")
    world.advance(seconds=29)
    assert world.say("好的") == "好的，太极拳的报名已提交，等社区确认。"


def test_repeat_and_louder_keep_the_question_open(world):
    question = "您要报名明天早上八点在社区广场的太极拳，对吗？"
    assert world.say("报名明天的太极拳") == question
    world.advance(seconds=25)
    again = world.replies("再说一遍")[0]
    assert (again.text, again.expects_answer) == (question, True)
    world.advance(seconds=25)  # 50 s after the first asking, 25 s after the second
    assert world.say("大声一点") == "好的，我大声一点。"
    louder = world.replies("再说一遍")[0]
    assert (louder.text, louder.voice_volume) == (question, 1.0)
    assert world.say("好的") == "好的，太极拳的报名已提交，等社区确认。"


def test_query_naming_an_activity_lists_its_sessions(world):
    assert world.say("明天有书法班吗") == "明天有1场书法班，在活动中心二楼书画室：上午九点半。"
    assert world.say("有太极拳吗") == (
        "最近有7场太极拳，在社区广场：明天早上八点；后天早上八点；12月3号 星期四 早上八点。"
        "还有4个，要继续听吗？")


def test_nothing_that_day_offers_the_next_session(world):
    # Wednesday has no 书法; rather than a bare "no", the senior hears when the class is next.
    assert world.say("这周三下午有书法课吗") == (
        "后天没有文化活动。最近的一场是12月3号 星期四 上午九点半，书法班，在活动中心二楼书画室。")
