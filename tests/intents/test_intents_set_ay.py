"""What blind dialog set AY (tests/data/dialog_ay.yaml) found in the parser, one reading each."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from intents import Catalog, IntentId, parse
from intents.skill import corrected_skill, read_offer

CATALOG = Catalog.load(Path(__file__).resolve().parents[1] / "data" / "catalog.json")


def test_the_day_before_a_holiday_is_that_day_minus_one() -> None:
    got = parse("元旦前一日 朝早九点半 帮我叫部车去饮茶", datetime(2025, 12, 30, 16, 0), CATALOG)
    assert (got.intent, got.slots.get("date")) == (IntentId.SERVICE_BOOK, "2025-12-31")
    assert parse("元旦有咩活动", datetime(2025, 12, 30, 16, 0), CATALOG).slots["date"] == "2026-01-01"


@pytest.mark.parametrize(("text", "task"), [
    ("屋企个灯泡烧咗 我爬唔上去 有冇义工帮我换个", "换灯泡"),
    ("个水喉一直滴水 有冇人可以嚟帮我整下", "修水喉"),
])
def test_a_vague_task_takes_its_object_from_the_story(text: str, task: str) -> None:
    got = parse(text, datetime(2025, 3, 6, 10, 0), CATALOG)
    assert (got.intent, got.slots.get("content")) == (IntentId.HELP_REQUEST, task)


def test_the_skill_is_what_the_senior_can_do_not_what_the_learners_will() -> None:
    assert read_offer("我识剪纸 想教下啲街坊 等佢哋过年都识剪窗花") == "剪纸"
    assert corrected_skill("唔系毛笔字 我话国画 画山水嗰啲") == "国画"
    assert corrected_skill("唔系 我话包粽子 剪纸我手震剪唔到啦") == "包粽子"


def test_a_request_first_and_its_reason_after_is_the_request() -> None:
    got = parse("帮我约听日下昼个手机课堂 我个女买咗部新手机畀我", datetime(2025, 3, 5, 14, 0), CATALOG)
    assert got.intent is IntentId.ACTIVITY_BOOK and got.slots.get("date") == "2025-03-06"
    asked = parse("今朝个太极仲报唔报得 报埋我啦", datetime(2025, 12, 31, 7, 0), CATALOG)
    assert (asked.intent, asked.slots.get("activity_id")) == (IntentId.ACTIVITY_BOOK, "tj-1231")


def test_a_no_with_its_reason_is_a_no_and_a_bare_none_declines_nothing() -> None:
    now = datetime(2025, 3, 10, 10, 0)
    assert parse("都系唔好啦 太远", now, CATALOG).intent is IntentId.DIALOG_NO
    assert parse("唉 都系唔好啦 我条腰唔得", now, CATALOG).intent is IntentId.DIALOG_NO
    assert parse("冇啊，我一个人喺屋企", now, CATALOG).intent is not IntentId.DIALOG_NO
    assert parse("唔好啦 我心口好痛", now, CATALOG).intent is IntentId.EMERGENCY_HELP


def test_cancel_words_name_the_meal_and_the_reminder_without_its_measure_word() -> None:
    now = datetime(2025, 3, 13, 11, 0)
    meal = parse("啊 我个女话带饭嚟 唔使啦 取消个饭", now, CATALOG)
    assert (meal.intent, meal.slots.get("service")) == (IntentId.BOOKING_CANCEL, "meal")
    pills = parse("取消食药个提醒", now, CATALOG)
    assert (pills.intent, pills.slots.get("content")) == (IntentId.REMINDER_CANCEL, "吃药")
    misheard = parse("嗰 个饮 水 嘅提 幸 删咗 佢", now, CATALOG)
    assert (misheard.intent, misheard.slots.get("content")) == (IntentId.REMINDER_CANCEL, "喝水")
