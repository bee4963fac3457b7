"""Issue 12 point 9: short replies — the day said once, about 60 characters a turn before offering
more, a one-sentence not-understood with one close suggestion, polite thanks and greetings, and
reminder content without times, digits or narration."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from assistant.skills.reminders import clean_content
from intents.schema import Activity, IntentId, Parse

U = (IntentId.UNKNOWN, {})
TABLE = {
    "那个提醒的事情怎么弄": U,
    "我想搞下体检嗰啲": U,
    "今日天气点样": U,
    "多谢": (IntentId.DIALOG_THANKS, {}),
    "唔该晒": (IntentId.DIALOG_THANKS, {}),
    "早晨": (IntentId.DIALOG_GREETING, {}),
    "提醒您老伴下午3点吃药": (IntentId.REMINDER_CREATE, {"date": "2026-11-30", "time": "15:00",
                                                  "content": "老伴下午3点吃药"}),
    "明天下午三点提醒我去医院那边找那个姓陈的医生拿上次验血的报告": (
        IntentId.REMINDER_CREATE, {"date": "2026-12-01", "time": "15:00",
                                   "content": "去医院那边找那个姓陈的医生拿上次验血的报告"}),
}


def _sentences(text: str) -> int:
    return len([s for s in re.split(r"[。？！]", text) if s.strip()])


def test_a_list_on_one_day_says_the_day_once(world):
    reply = world.say("明天有什么活动")
    assert reply.count("明天") == 1
    assert reply.startswith("明天有5个活动：早上八点，太极拳")


@pytest.mark.parametrize("text", ["明天有什么活动", "有什么活动", "这周有什么活动", "有太极拳吗",
                                  "有什么运动类的活动", "下周有什么活动"])
def test_at_most_about_60_characters_before_offering_more(world, text):
    reply = world.say(text)
    said = reply.split("还有")[0]
    assert len(said) <= 62, reply
    while "要继续听吗" in reply:
        reply = world.say("要")
        assert len(reply.split("还有")[0]) <= 62, reply


def test_long_server_lists_are_cut_to_60_characters(world):
    start = datetime(2026, 12, 1, 9)
    world.load_catalog([Activity(f"x{i}", f"长者智能手机使用入门第{i}讲", "学习", start + timedelta(hours=i),
                                 "社区党群服务中心三楼多功能活动室", 30) for i in range(5)])
    reply = world.say("明天有什么活动")
    assert reply.endswith("还有4个，要继续听吗？")  # one item is already ~40 characters


@pytest.mark.parametrize("text,suggestion", [("那个提醒的事情怎么弄", "我没听懂，您是想设个提醒吗？"),
                                             ("我想搞下体检嗰啲", "我没听懂，您是想预约服务吗？"),
                                             ("今日天气点样", "我没听懂，您可以说：明天有什么活动。")])
def test_not_understood_is_one_short_sentence_with_one_close_suggestion(make_world, text, suggestion):
    w = make_world(table=TABLE)
    reply = w.say(text)
    assert reply == suggestion
    assert _sentences(reply) == 1 and len(reply) <= 20


def test_a_low_confidence_parse_is_offered_as_a_question_not_done(make_world):
    w = make_world()
    w.assistant._dialog._parser = lambda text, now, catalog: Parse(text, IntentId.ACTIVITY_BOOK,
                                                                   {"activity_id": "taiji-1201"}, 0.3)
    assert w.say("报个太极") == "我没听清，您是想报名活动吗？"
    assert w.ops() == []


@pytest.mark.parametrize("text,answer", [("多谢", "不客气。"), ("唔该晒", "不客气。"),
                                         ("早晨", "您好！有事尽管跟我说。")])
def test_thanks_and_greetings_get_a_short_polite_answer(make_world, text, answer):
    w = make_world(table=TABLE)
    assert w.say(text) == answer


def test_thanks_during_a_question_keeps_it_open(make_world):
    w = make_world(table=TABLE)
    w.say("报名明天的太极拳")
    reply = w.replies("多谢")[0]
    assert (reply.text, reply.expects_answer) == ("不客气。", True)
    assert w.say("好") == "好的，太极拳的报名已提交，等社区确认。"


def test_reminder_content_without_times_and_digits(make_world):
    w = make_world(table=TABLE)
    assert w.say("提醒您老伴下午3点吃药") == "今天下午三点提醒您老伴吃药，对吗？"
    assert w.say("对") == "好的，记住了，今天下午三点提醒您老伴吃药。"
    [op] = w.ops()
    assert op.payload["content"] == "老伴吃药"


def test_reminder_content_without_narration(world):
    text = "每天早上七点半提醒我吃药，我这个记性越来越差了，医生说要按时吃"
    assert world.say(text) == "每天早上七点半提醒您吃药，对吗？"


def test_long_content_is_asked_for_in_a_few_words(make_world):
    w = make_world(table=TABLE)
    reply = w.replies("明天下午三点提醒我去医院那边找那个姓陈的医生拿上次验血的报告")[0]
    assert (reply.text, reply.expects_answer) == ("提醒您做什么？用几个字说。", True)
    assert w.say("拿验血报告") == "明天下午三点提醒您拿验血报告，对吗？"


@pytest.mark.parametrize("raw,clean", [
    ("老伴下午3点吃药", "老伴吃药"), ("您吃降压药", "吃降压药"), ("明天下午三点去复诊", "去复诊"),
    ("我这个记性越来越差了医生说要按时吃药", "吃药"), ("吃药我这个记性越来越差了医生说", "吃药"),
    ("3号去交水费啊", "去交水费"), ("给孙子打电话", "给孙子打电话"), ("每天早上7点半", "")])
def test_clean_content(raw, clean):
    assert clean_content(raw) == clean


def test_which_day_is_tomorrow(world):
    assert world.say("明天几号") == "明天是12月1号 星期二。"
    assert world.say("现在几点") == "现在是上午十点，11月30号 星期一。"


def test_a_list_over_several_days_says_each_day_once(world):
    reply = world.say("下周有什么活动")
    assert reply.startswith("下周有29个活动：12月7号 星期一 早上八点，太极拳，在社区广场；上午九点，八段锦，")
    assert reply.count("12月7号") == 1
    assert world.say("要").startswith("12月7号 星期一 下午两点半，手机课堂")  # a new page says its day


def test_a_bare_signup_after_a_list_asks_which(world):
    world.say("明天有什么活动")
    world.say("不要")
    assert world.say("我想报名") == "您想报名哪个活动？"


def test_medicine_answering_what_to_remind_is_content(world):
    assert world.say("帮我设个提醒") == "要提醒您什么？"
    assert world.say("吃药") == "几点提醒您？"


def test_a_service_with_no_time_and_cancelling_a_service(world):
    world.say("帮我约个体检")
    world.say("下个礼拜三")
    world.say("好")
    assert world.say("我报了哪些活动") == "您12月9号 星期三有1项安排：体检，等社区确认。"
    assert world.say("取消体检") == "您要取消12月9号 星期三的体检，对吗？"
    assert [op.type for op in world.ops()] == ["service.request"]
    assert world.say("对") == "好的，12月9号 星期三的体检取消了，会告诉社区。"
    assert [op.type for op in world.ops()] == ["service.cancel"]
