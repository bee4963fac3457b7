"""A fragment read as the answer to the speaker's question (parse(..., expecting=...), issue 11).

Turns of a conversation are labelled in context: "九点啦" after "几点提醒您吃药？" is the time of that
reminder, with only the slots the senior spoke. A reading of its own (a new request, yes/no, a
correction, an emergency) always wins over the answer reading.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from intents import Catalog, IntentId, parse
from intents.answer import carrier

ROOT = Path(__file__).resolve().parents[2]
CATALOG = Catalog.load(ROOT / "tests" / "data" / "catalog.json")
EVENING = datetime(2025, 3, 10, 18, 40)  # Monday


@pytest.mark.parametrize(("text", "expecting", "intent", "slots"), [
    ("九点啦", "reminder.create/time", "reminder.create", {"time": "21:00"}),
    ("朝早八点半", "reminder.create/time", "reminder.create", {"time": "08:30"}),
    ("从早上八点到晚上八点", "reminder.create/time", "reminder.create", {"from": "08:00", "until": "20:00"}),
    ("听日下昼啦", "service.book/date", "service.book", {"date": "2025-03-11", "part_of_day": "afternoon"}),
    ("礼拜三", "service.book/date", "service.book", {"date": "2025-03-12"}),
    ("书法班", "booking.cancel/activity_id", "booking.cancel", {"activity_id": "sf-0311"}),
    ("象棋嗰个", "activity.book/activity_id", "activity.book", {"activity_id": "xq-0311"}),
    ("礼拜二", "activity.query/date", "activity.query", {"date": "2025-03-11"}),
])
def test_a_fragment_answers_the_question_with_the_slots_spoken(text: str, expecting: str, intent: str,
                                                              slots: dict) -> None:
    assert parse(text, EVENING, CATALOG).intent.value != intent  # alone it is not that request
    got = parse(text, EVENING, CATALOG, expecting=expecting)
    assert (got.intent.value, got.slots) == (intent, slots)


@pytest.mark.parametrize(("text", "intent"), [
    ("明天下午有什么活动", IntentId.ACTIVITY_QUERY),   # a new question in the middle
    ("书法班几点开始", IntentId.ACTIVITY_QUERY),       # a question about it, not the answer
    ("好", IntentId.DIALOG_YES),
    ("唔使喇", IntentId.DIALOG_NO),
    ("等一下", IntentId.DIALOG_WAIT),
    ("救命啊 我跌低咗起唔到身", IntentId.EMERGENCY_HELP),
    ("今日天气点样", IntentId.UNKNOWN),                # nothing that answers 几点 / 哪个
])
@pytest.mark.parametrize("expecting", ["reminder.create/time", "booking.cancel/activity_id",
                                       "service.book/date", "activity.book/activity_id"])
def test_a_reading_of_its_own_wins(text: str, intent: IntentId, expecting: str) -> None:
    assert parse(text, EVENING, CATALOG, expecting=expecting).intent is intent


def test_context_never_makes_an_emergency_or_takes_one_away() -> None:
    lines = ["九点", "我琴日跌咗一跤 而家冇事", "电视里有人喊救命", "心口好痛 透唔到气", "我老伴晕咗"]
    for text in lines:
        alone = parse(text, EVENING, CATALOG).intent is IntentId.EMERGENCY_HELP
        for expecting in ("reminder.create/time", "service.book/date", "booking.cancel/activity_id"):
            got = parse(text, EVENING, CATALOG, expecting=expecting)
            assert (got.intent is IntentId.EMERGENCY_HELP) == alone, (text, expecting)


def test_every_carrier_names_an_intent_and_has_the_answer_placeholder() -> None:
    for key in ("reminder.create/time", "service.book/date", "booking.cancel/activity_id",
                "activity.book/activity_id", "reminder.create/content", "reminder.cancel/content"):
        template = carrier(key)
        assert template is not None and "{answer}" in template, key
        IntentId(key.split("/")[0])


def test_cli_expecting_flag() -> None:
    proc = subprocess.run([sys.executable, "-m", "intents", "parse", "--now", "2025-03-10T18:40",
                           "--expecting", "reminder.create/time", "九点啦"], capture_output=True, cwd=ROOT,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert b'"intent": "reminder.create"' in proc.stdout and b'"time": "21:00"' in proc.stdout
    bad = subprocess.run([sys.executable, "-m", "intents", "parse", "--expecting", "weather/city", "好"],
                         capture_output=True, cwd=ROOT, timeout=60, check=False)
    assert bad.returncode == 2 and b"no carrier" in bad.stderr


@pytest.mark.parametrize(("text", "content"), [
    ("凌晨五点提醒我煲粥 个孙朝早要返学", "煲粥"),                    # the story after the pause
    ("每日朝早八点提醒我食降压药 医生话唔食唔得", "吃降压药"),
    ("听日凌晨五点提醒我起身 要去医院排队挂号", "起床要去医院排队挂号"),  # what it is for stays
    ("提醒 我 明天 八点 吃 降压药", "吃降压药"),                       # word-by-word spacing is no pause
])
def test_a_reminder_ends_at_the_pause_before_a_story(text: str, content: str) -> None:
    got = parse(text, EVENING, CATALOG)
    assert got.intent is IntentId.REMINDER_CREATE and got.slots["content"] == content


@pytest.mark.parametrize("text", ["今天是我生日", "我个孙今日考试", "琴日落雨"])
def test_the_scorer_never_hears_a_yes_without_a_yes_word(text: str) -> None:
    assert parse(text, EVENING, CATALOG).intent is not IntentId.DIALOG_YES


@pytest.mark.parametrize("text", ["系啊", "好 多谢", "嗯 得啦", "德"])
def test_yes_words_still_say_yes(text: str) -> None:
    assert parse(text, EVENING, CATALOG).intent is IntentId.DIALOG_YES
