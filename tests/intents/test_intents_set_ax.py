"""What blind set AX (tests/data/blind_ax*.yaml) found after its one-shot score, one reading each."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from intents import Catalog, IntentId, parse
from intents.skill import read_offer

CATALOG = Catalog.load(Path(__file__).resolve().parents[1] / "data" / "catalog.json")
NOW = datetime(2025, 3, 7, 10, 30)


@pytest.mark.parametrize("text", [
    "帮我同老伴讲，救命药放咗喺床头柜",  # the medicine's name, in a message
    "救火车啱啱经过楼下，好嘈。",  # a fire engine in the street
    "我个朋友话佢心口痛咗成个礼拜，而家去咗睇医生。",  # a friend's pain, already at the doctor
    "有冇防跌倒嘅讲座",  # a talk about falls
])
def test_danger_words_that_name_something_else_raise_no_alarm(text: str) -> None:
    assert parse(text, NOW, CATALOG).intent is not IntentId.EMERGENCY_HELP


@pytest.mark.parametrize("text", ["煤气炉冇熄，闻到好臭煤气。", "快啲救火啊", "我闻到煤气味"])
def test_gas_and_fire_in_everyday_words_are_emergencies(text: str) -> None:
    got = parse(text, NOW, CATALOG)
    assert (got.intent, got.slots.get("severity")) == (IntentId.EMERGENCY_HELP, "high")


def test_a_poll_option_that_names_a_danger_is_a_choice() -> None:
    got = parse("防跌倒嗰个", NOW, CATALOG, expecting="poll.answer/choice",
                fill={"options": "防跌倒|饮食|用药安全"})
    assert (got.intent, got.slots) == (IntentId.POLL_ANSWER, {"choice": 1})


@pytest.mark.parametrize("text", ["小巢早晨，今日咁早就起身喇", "哈啰小巢，早晨啊", "小巢，早晨，就快新年喇"])
def test_a_greeting_with_small_talk_after_it_is_a_greeting(text: str) -> None:
    assert parse(text, NOW, CATALOG).intent is IntentId.DIALOG_GREETING


def test_a_cheer_is_no_thanks() -> None:
    assert parse("好嘢 今晚联欢会 我好期待啊", NOW, CATALOG).intent is not IntentId.DIALOG_THANKS


def test_the_commands_day_wins_over_the_storys() -> None:
    got = parse("我琴日心口有啲闷，今日冇事喇，你提醒我下礼拜一覆诊。", NOW, CATALOG)
    assert (got.intent, got.slots.get("date")) == (IntentId.REMINDER_CREATE, "2025-03-10")
    habit = parse("礼拜一到礼拜五 朝早七点半提醒我食降压药", datetime(2025, 3, 12, 6, 10), CATALOG)
    assert habit.slots.get("repeat") == "weekdays"


def test_a_value_taken_back_for_another_answers_with_the_second() -> None:
    got = parse("三点…唔系，四点。", datetime(2025, 3, 9, 10, 0), CATALOG, expecting="reminder.create/time")
    assert got.slots.get("time") == "16:00"


def test_audiences_joined_and_a_skill_said_first() -> None:
    assert read_offer("我识剪纸，可以教下啲细路仔同街坊") == "剪纸"
    assert read_offer("我以前系裁缝，车衫改裤都识，可以教人。") == "车衫改裤"


@pytest.mark.parametrize(("text", "severity"), [
    ("我半边身冇晒知觉啊", "high"),  # set BA
    ("厨房出晒烟啊", "high"),
    ("心口有啲翳翳哋，唔知系咪琴晚冇瞓好", "check"),  # last night is a guess at the cause, not the past
])
def test_set_ba_dangers_in_everyday_words(text: str, severity: str) -> None:
    got = parse(text, NOW, CATALOG)
    assert (got.intent, got.slots.get("severity")) == (IntentId.EMERGENCY_HELP, severity)


@pytest.mark.parametrize("text", ["个救火车嘅声响咗成朝，唔知边度出事", "隔篱屋只狗成日吠，吠到我都想叫救命"])
def test_set_ba_near_misses_raise_nothing(text: str) -> None:
    assert parse(text, NOW, CATALOG).intent is not IntentId.EMERGENCY_HELP


def test_a_correction_said_again_is_still_a_correction() -> None:
    got = parse("哎呀又唔系 下个礼拜三啊", datetime(2025, 3, 5, 8, 0), CATALOG)
    assert (got.intent, got.slots) == (IntentId.DIALOG_CORRECT, {"date": "2025-03-12"})
