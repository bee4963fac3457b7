"""Issue 12 point 8: hearing things again — '你刚才说什么' / '再说一遍' repeat the last thing said
that was not an apology; '有什么留言' / '再听一次女儿的留言' replay the latest messages, heard
ones too, newest first."""

from __future__ import annotations

from datetime import datetime

from assistant.events import MessageArrived


def test_what_did_you_say_after_a_family_message(world):
    assert world.post(MessageArrived("m1", "女儿", "周末回来看您")) == ["女儿给您发来一条留言：周末回来看您"]
    assert world.say("你刚才说什么") == "女儿给您发来一条留言：周末回来看您"


def test_say_again_after_a_not_understood_repeats_the_last_real_answer(world):
    first = world.say("现在几点")
    assert world.say("啊啊啊") == "我没听懂，您可以说：明天有什么活动。"
    assert world.say("再说一遍") == first


def test_say_again_after_an_unclear_answer_repeats_the_question(world):
    question = world.say("报名明天的太极拳")
    assert world.say("啊啊啊") == "我没听清，请说对，或者不对。"
    reply = world.replies("再说一遍")[0]
    assert (reply.text, reply.expects_answer) == (question, True)
    assert world.say("对") == "好的，太极拳的报名已提交，等社区确认。"


def test_say_again_reopens_an_expired_question(world):
    question = world.say("报名明天的太极拳")
    world.advance(seconds=40)
    assert world.say("再说一遍") == question
    assert world.say("好") == "好的，太极拳的报名已提交，等社区确认。"  # asked again: answerable again


def _messages(world):
    world.clock.set(datetime(2026, 11, 29, 20, 0))
    world.post(MessageArrived("m1", "儿子", "早点休息"))
    world.clock.set(datetime(2026, 11, 30, 10, 0))
    world.post(MessageArrived("m2", "女儿", "周末回来看您"))
    world.advance(minutes=1)
    world.post(MessageArrived("m3", "女儿", "记得带伞"))


def test_messages_are_replayed_newest_first_heard_ones_too(world):
    _messages(world)
    assert world.store.unheard_messages() == []  # all three were said when they came
    assert world.say("有什么留言") == (
        "女儿今天留言：记得带伞；女儿今天留言：周末回来看您；儿子昨天留言：早点休息。")


def test_one_senders_messages_again(world):
    _messages(world)
    assert world.say("再听一次女儿的留言") == "女儿今天留言：记得带伞；女儿今天留言：周末回来看您。"


def test_unheard_messages_count_as_heard_once_replayed(world):
    world.clock.set(datetime(2026, 11, 30, 23, 0))  # quiet hours: held, unheard
    assert world.post(MessageArrived("m1", "女儿", "明天来看您")) == []
    assert [m.id for m in world.store.unheard_messages()] == ["m1"]
    assert world.say("有没有留言") == "女儿今天留言：明天来看您。"
    assert world.store.unheard_messages() == []


def test_no_messages_at_all(world):
    assert world.say("有什么留言") == "还没有家人的留言。"
