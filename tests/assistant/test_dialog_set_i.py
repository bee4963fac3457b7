"""What blind set I found (docs/assistant.md), one scenario each, through the real parser and store."""

from __future__ import annotations


def test_a_correction_with_the_refused_time_said_again_sets_the_new_one(make_world):
    w = make_world()
    assert w.say("听日下昼三点提我去诊所拎药").endswith("对吗？")
    assert "四点" in w.say("唔系三点 下昼四点啊 三点我仲喺度瞓晏觉")
    w.say("得")
    [reminder] = w.store.reminders()
    assert reminder.at.strftime("%H:%M") == "16:00"


def test_remind_me_again_later_while_a_reminder_rings_is_that_reminder(make_world):
    w = make_world()
    w.say("今日十点零一分提醒我量血压")
    w.say("系")
    said = w.advance(minutes=2)
    assert any("血压" in s for s in said)
    reply = w.say("我啱啱行完街返嚟 十分钟之后再提我啦")
    assert "血压" in reply and reply.endswith("对吗？")
    w.say("好")
    assert sorted(r.content for r in w.store.reminders()) == ["量血压", "量血压"]


def test_hearing_a_done_thing_again_does_not_say_it_was_done_again(make_world):
    w = make_world()
    w.say("每日朝早八点提我食降压药啊")
    assert w.say("系").startswith("好的，")
    again = w.say("你啱啱讲咩啊")
    assert "八点" in again and "降压药" in again and not again.startswith("好的")


def test_the_ones_of_a_list_that_the_words_fit_are_offered(make_world):
    w = make_world()  # Monday 2026-11-30: the demo catalog has 太极拳 every morning, 书法班 tomorrow
    w.say("听日有乜嘢活动")
    reply = w.say("朝早嗰个帮我报名")
    assert "太极拳" in reply and "书法班" in reply and "象棋" not in reply  # the two of the morning


def test_the_one_of_a_list_that_the_day_fits_is_read_back(make_world):
    w = make_world()
    w.say("今日同听日有冇太极拳啊")
    reply = w.say("听日嗰个帮我报名")
    assert reply.startswith("您要报名明天") and "太极拳" in reply


def test_a_title_asked_for_a_day_without_it_offers_its_next_session(make_world):
    w = make_world()  # Monday: the demo catalog has 书法班 on Tuesday only
    reply = w.say("今晚有冇书法班啊")
    assert "书法班" in reply and "象棋" not in reply
