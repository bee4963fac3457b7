"""Issue 12 point 1: never pretend. A yes that answers nothing gets a question, never 好的; an
expired question is said to have expired the next time the senior speaks."""

from __future__ import annotations

from intents.schema import IntentId

NOT_UNDERSTOOD = {"那个那个": (IntentId.UNKNOWN, {}), "我想去那个报个名咯": (IntentId.UNKNOWN, {})}


def test_yes_after_a_request_not_understood_asks_what_was_meant(make_world):
    w = make_world(table=NOT_UNDERSTOOD)
    assert w.say("那个那个") == "我没听懂，您可以说：明天有什么活动。"
    for yes in ("对", "好", "好的", "系", "嗯"):
        assert w.say(yes) == "您刚才想让我做什么？"
    assert w.ops() == [] and w.store.bookings() == [] and w.store.reminders() == []


def test_yes_to_the_closest_offer_runs_it_without_committing_anything(make_world):
    w = make_world(table=NOT_UNDERSTOOD)
    reply = w.replies("我想去那个报个名咯")[0]
    assert (reply.text, reply.expects_answer) == ("我没听懂，您是想报名活动吗？", True)
    assert w.say("好") == "您想报名哪个活动？"
    assert w.say("太极拳") == "您要报名明天早上八点在社区广场的太极拳，对吗？"
    assert w.ops() == []
    assert w.say("对") == "好的，太极拳的报名已提交，等社区确认。"
    assert w.op_types() == ["booking.create"]


def test_no_to_the_suggestion_asks_again_politely(make_world):
    w = make_world(table=NOT_UNDERSTOOD)
    w.say("我想去那个报个名咯")
    assert w.say("不是") in ("好，请您再说一遍想做什么。", "您刚才想让我做什么？")
    assert w.ops() == []


def test_expired_confirmation_is_said_to_have_expired_and_asked_again(world):
    world.say("报名明天的太极拳")
    world.advance(seconds=31)
    assert world.say("好的") == "刚才的报名还没办好。您要报名明天早上八点在社区广场的太极拳，对吗？"
    assert world.store.bookings() == []
    # Read back whole again, so a yes to it now confirms what the senior has just heard.
    assert world.say("对") == "好的，太极拳的报名已提交，等社区确认。"
    assert [b.activity_id for b in world.store.bookings()] == ["taiji-1201"]


def test_expired_question_is_mentioned_after_the_next_request(world):
    world.say("明天下午三点提醒我去医院")
    world.advance(seconds=45)
    assert world.say("现在几点") == ("现在是上午十点，11月30号 星期一。"
                                   "刚才的提醒还没设好。明天下午三点提醒您去医院，对吗？")
    assert world.say("好") == "好的，记住了，明天下午三点提醒您去医院。"
    assert world.op_types() == ["reminder.create"]


def test_an_offer_that_expires_again_is_dropped(world):
    world.say("报名明天的太极拳")
    world.advance(seconds=31)
    assert world.say("好") == "刚才的报名还没办好。您要报名明天早上八点在社区广场的太极拳，对吗？"
    world.advance(seconds=31)
    assert world.say("好") == "您刚才想让我做什么？"
    assert world.store.bookings() == []


def test_long_after_expiry_a_yes_is_just_a_question(world):
    world.say("报名明天的太极拳")
    world.advance(minutes=11)
    assert world.say("好") == "您刚才想让我做什么？"
    assert world.store.bookings() == [] and world.ops() == []


def test_service_read_back_expired_then_yes_books_nothing(world):
    world.say("我要预约明天上午的送餐")
    world.advance(seconds=40)
    assert world.say("可以") == "刚才的预约还没办好。您要预约明天上午的送餐，对吗？"
    assert world.store.services() == []
    assert world.say("不用了") == "好，那就不办了。"
    assert world.store.services() == [] and world.ops() == []


def test_no_with_nothing_open_is_not_a_pretend_ok(world):
    assert world.say("不要") == "好，有事您再叫我。"


def test_a_yes_never_says_ok_when_nothing_happened(make_world):
    """Whatever comes before, '好' is answered with 好的 only when something really was done."""
    w = make_world(table=NOT_UNDERSTOOD)
    openings = ["那个那个", "现在几点", "我有多少积分", "有什么通知", "大声一点", "你能做什么", "谢谢"]
    for opening in openings:
        w.say(opening)
        before = w.store.last_seq()
        reply = w.say("好")
        if w.store.last_seq() == before:
            assert not reply.startswith("好的"), (opening, reply)
