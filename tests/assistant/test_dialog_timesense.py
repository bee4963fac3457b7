"""Issue 12 point 4: time sense, as properties over day × hour × wording.

- a bare hour answering '几点提醒您？' for a future day keeps that day (never tonight);
- 早上/朝早/上午 hours are morning, 下午/晚上 hours afternoon/evening;
- a service for 听日朝早八点 is tomorrow 08:00.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from assistant import say
from assistant.skills.timesense import future_day_hour, settle_answer, spoken_clock, with_part
from intents.schema import IntentId
from tests.assistant.conftest import MONDAY

DAYS = [("明天", 1), ("听日", 1), ("后天", 2), ("大后天", 3)]
PARTS = [("", None, range(1, 12)), ("早上", "morning", range(5, 12)), ("朝早", "morning", range(5, 12)),
         ("上午", "morning", range(7, 12)), ("下午", "afternoon", range(1, 7)),
         ("晚上", "evening", range(6, 12))]
HOUR_WORDS = dict(enumerate("一两三四五六七八九十", start=1)) | {11: "十一"}
MINUTES = [("", 0), ("半", 30)]


def _expected_hour(hour: int, part) -> int:
    return with_part(hour, part) if part else future_day_hour(hour)


@pytest.mark.parametrize("day_word,offset", DAYS)
@pytest.mark.parametrize("part_word,part,hours", PARTS)
def test_a_bare_hour_answering_jidian_keeps_the_day_and_the_part(make_world, day_word, offset, part_word,
                                                                 part, hours):
    request = f"{day_word}{part_word}提醒我去复诊"
    day = MONDAY.date() + timedelta(days=offset)
    # The request as today's NLU gives it: the day, the content, no part_of_day (the dialog hears it).
    parsed = (IntentId.REMINDER_CREATE, {"date": day.isoformat(), "content": "去复诊"})
    w = make_world(table={request: parsed})
    for hour in hours:
        for minute_word, minute in MINUTES:
            assert w.say(request) == "几点提醒您？"
            answer = f"{HOUR_WORDS[hour]}点{minute_word}"
            expected = datetime.combine(day, time(_expected_hour(hour, part), minute))
            assert w.say(answer) == f"{say.moment(expected, MONDAY)}提醒您去复诊，对吗？", (request, answer)
            assert w.say("不要") == "好，那就不办了。"
    assert w.store.reminders() == []


@pytest.mark.parametrize("day_word,offset", DAYS)
@pytest.mark.parametrize("part_word,part,hours", PARTS[1:])
def test_a_one_shot_reminder_with_a_part_of_day_is_at_that_hour(world, day_word, offset, part_word, part,
                                                                 hours):
    day = MONDAY.date() + timedelta(days=offset)
    for hour in hours:
        expected = datetime.combine(day, time(with_part(hour, part)))
        text = f"{day_word}{part_word}{HOUR_WORDS[hour]}点提醒我吃药"
        assert world.say(text) == f"{say.moment(expected, MONDAY)}提醒您吃药，对吗？", text
        assert world.say("不要") == "好，那就不办了。"


@pytest.mark.parametrize("day_word,offset", DAYS[:2])
@pytest.mark.parametrize("part_word,part,hours", [p for p in PARTS if p[1] in ("morning", "afternoon")])
def test_a_service_for_tingri_zhaozao_is_that_day_at_that_hour(world, day_word, offset, part_word, part,
                                                                hours):
    day = MONDAY.date() + timedelta(days=offset)
    for hour in (h for h in hours if h in (7, 8, 9, 2, 3)):
        text = f"我{day_word}要去医院复诊，帮我叫部车，{part_word}{HOUR_WORDS[hour]}点"
        expected = time(with_part(hour, part))
        reply = world.say(text)
        when = say.day_name(day, MONDAY.date()) + say.clock_time(expected)
        assert reply == f"您要预约{when}的用车，对吗？", text
        assert world.say("不要") == "好，那就不办了。"


def test_the_issue_case_tingri_zhaozao_baidian(world):
    assert world.say("我听日要去医院复诊，帮我叫部车，朝早八点") == "您要预约明天早上八点的用车，对吗？"
    assert world.say("好") == "好的，用车的预约已提交，等社区确认。"
    [req] = world.store.services()
    assert (req.service, req.day, req.time) == ("transport", date(2026, 12, 1), "08:00")


def test_the_issue_case_houtian_zaoshang_then_badianban(world):
    assert world.say("后天早上提醒我去复诊") == "几点提醒您？"
    assert world.say("八点半") == "后天早上八点半提醒您去复诊，对吗？"
    assert world.say("对") == "好的，记住了，后天早上八点半提醒您去复诊。"
    [reminder] = world.store.reminders()
    assert (reminder.start_date, reminder.at) == (date(2026, 12, 2), time(8, 30))


def test_an_answer_naming_a_day_moves_the_day(world):
    assert world.say("后天提醒我去复诊") == "几点提醒您？"
    assert world.say("明天下午三点") == "明天下午三点提醒您去复诊，对吗？"


def test_a_bare_hour_for_today_is_the_next_one_after_now(world):
    assert world.say("提醒我吃药") == "几点提醒您？"
    assert world.say("八点") == "今天晚上八点提醒您吃药，对吗？"  # 10:00 now: 20:00 is next
    assert world.say("不要") == "好，那就不办了。"
    assert world.say("提醒我吃药") == "几点提醒您？"
    assert world.say("十一点") == "今天上午十一点提醒您吃药，对吗？"


@pytest.mark.parametrize("hour", range(1, 13))
@pytest.mark.parametrize("part", [None, "early_morning", "morning", "noon", "afternoon", "evening"])
def test_settle_answer_properties(hour, part):
    """For any pending part of day and bare hour: the day stays, the hour lands in that part."""
    today = MONDAY.date()
    pending = {"date": "2026-12-02", "content": "去复诊"}
    if part:
        pending["part_of_day"] = part
    parsed_bare = {"date": "2026-11-30", "time": f"{(hour % 12) + 12 if hour < 12 else 12:02d}:00"}
    settled = settle_answer(pending, parsed_bare, f"{hour}点", today)
    assert settled["date"] == "2026-12-02"
    got = int(settled["time"][:2])
    assert got % 12 == hour % 12
    if part in ("morning", "early_morning"):
        assert got < 12
    if part in ("afternoon", "evening"):
        assert got >= 12
    if part is None:
        assert (got >= 12) == (1 <= hour <= 5 or hour == 12)


@pytest.mark.parametrize("text,clock", [("八点半", (8, 30)), ("十一点一刻", (11, 15)), ("两点", (2, 0)),
                                        ("3点20", (3, 20)), ("二十点", (20, 0)), ("20:15", (20, 15)),
                                        ("朝早七点三刻", (7, 45)), ("冇", None)])
def test_spoken_clock(text, clock):
    assert spoken_clock(text) == clock


@pytest.mark.parametrize("text,part", [("早上好明天有什么活动", None), ("早晨提醒我8点吃药", None),
                                       ("早晨8点提醒我吃药", "morning"), ("明天早晨8点", "morning"),
                                       ("我早上吃过了晚上8点提醒我吃药", "evening")])
def test_greetings_are_not_parts_of_day(text, part):
    from assistant.skills.timesense import part_near_clock

    assert part_near_clock(text) == part


def test_a_reminder_weeks_ahead_is_set_and_listed_with_its_date(world):
    """Set AY: 20号 said on 30 November is 20 December — weeks ahead, never "already past"."""
    assert world.say("20号提醒我交水费") == "几点提醒您？"
    assert world.say("朝早十点") == "12月20号 星期日 上午十点提醒您交水费，对吗？"
    assert world.say("系").startswith("好的，记住了")
    [reminder] = world.store.reminders()
    assert (reminder.start_date.isoformat(), reminder.at.isoformat()) == ("2026-12-20", "10:00:00")
    assert "12月20号 星期日 上午十点交水费" in world.say("我有咩提醒")
