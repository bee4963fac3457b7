"""The time rules of the NLU contract, one test per rule, against fixed reference times."""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from typing import Optional, Tuple

import pytest

from intents.numerals import convert
from intents.timeparse import parse_time, resolve

_LOGGER = logging.getLogger(__name__)
WED = datetime(2025, 3, 5, 10, 0)  # Wednesday morning
SAT = datetime(2025, 3, 8, 20, 30)  # Saturday evening
DEC = datetime(2025, 12, 30, 16, 0)  # Tuesday before the new year


def _day(text: str, now: datetime) -> Optional[date]:
    return parse_time(convert(text), now).date


def _range(text: str, now: datetime) -> Optional[Tuple[date, date]]:
    return parse_time(convert(text), now).date_range


def _when(text: str, now: datetime, future: bool = True) -> Tuple[Optional[date], Optional[time]]:
    return resolve(parse_time(convert(text), now), now, future)


@pytest.mark.parametrize(("text", "expected"), [
    ("今天", date(2025, 3, 5)), ("今晚", date(2025, 3, 5)), ("明天", date(2025, 3, 6)),
    ("后天", date(2025, 3, 7)), ("大后天", date(2025, 3, 8)),
])
def test_day_words(text: str, expected: date) -> None:
    assert _day(text, WED) == expected


@pytest.mark.parametrize(("text", "now", "expected"), [
    ("周三", WED, date(2025, 3, 5)),  # today counts
    ("星期二", WED, date(2025, 3, 11)),
    ("礼拜三", SAT, date(2025, 3, 12)),
    ("这周三", SAT, date(2025, 3, 5)),  # this ISO week, even when past
    ("本周五", WED, date(2025, 3, 7)),
    ("下周三", WED, date(2025, 3, 12)),
    ("下个星期三", SAT, date(2025, 3, 12)),
    ("星期天", WED, date(2025, 3, 9)),
    ("周日", DEC, date(2026, 1, 4)),
])
def test_weekdays(text: str, now: datetime, expected: date) -> None:
    assert _day(text, now) == expected


@pytest.mark.parametrize(("text", "now", "expected"), [
    ("这周", WED, (date(2025, 3, 5), date(2025, 3, 9))),
    ("本周", SAT, (date(2025, 3, 8), date(2025, 3, 9))),
    ("这周末", WED, (date(2025, 3, 8), date(2025, 3, 9))),
    ("周末", datetime(2025, 3, 9, 9, 0), (date(2025, 3, 9), date(2025, 3, 9))),  # Sunday: today … Sunday
    ("下周末", WED, (date(2025, 3, 15), date(2025, 3, 16))),
    ("下周", SAT, (date(2025, 3, 10), date(2025, 3, 16))),
    ("下个礼拜", DEC, (date(2026, 1, 5), date(2026, 1, 11))),
])
def test_week_ranges(text: str, now: datetime, expected: Tuple[date, date]) -> None:
    assert _range(text, now) == expected


@pytest.mark.parametrize(("text", "now", "expected"), [
    ("十号", WED, date(2025, 3, 10)),
    ("三号", WED, date(2025, 4, 3)),  # passed this month → next month
    ("五号", WED, date(2025, 3, 5)),  # today has not passed
    ("三月十二号", WED, date(2025, 3, 12)),
    ("三月一日", WED, date(2026, 3, 1)),  # passed this year → next year
    ("一月二号", DEC, date(2026, 1, 2)),
    ("三十一号", datetime(2025, 4, 1, 9, 0), date(2025, 5, 31)),  # April has no 31st
])
def test_month_days(text: str, now: datetime, expected: date) -> None:
    assert _day(text, now) == expected


@pytest.mark.parametrize(("text", "now", "expected"), [
    ("元旦有冇活动", DEC, date(2026, 1, 1)),
    ("元旦嗰日帮我订餐", DEC, date(2026, 1, 1)),
    ("圣诞节提醒我", WED, date(2025, 12, 25)),
    ("国庆那天", WED, date(2025, 10, 1)),
])
def test_fixed_date_holidays_name_their_day(text: str, now: datetime, expected: date) -> None:
    assert _day(text, now) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("上午九点", time(9, 0)), ("早上七点半", time(7, 30)), ("下午三点", time(15, 0)),
    ("晚上八点", time(20, 0)), ("中午十二点", time(12, 0)), ("中午一点", time(13, 0)),
    ("下午四点一刻", time(16, 15)), ("晚上九点三刻", time(21, 45)), ("下午三点十分", time(15, 10)),
    ("下午三点二十", time(15, 20)), ("十五点", time(15, 0)), ("下午两点半", time(14, 30)),
])
def test_clock_times(text: str, expected: time) -> None:
    assert parse_time(convert("明天" + text), WED).clock == expected


@pytest.mark.parametrize(("text", "now", "expected"), [
    ("八点", WED, (date(2025, 3, 5), time(20, 0))),  # 08:00 passed, 20:00 ahead
    ("十一点", WED, (date(2025, 3, 5), time(11, 0))),
    ("八点", SAT, (date(2025, 3, 9), time(8, 0))),  # both passed → tomorrow 08:00
    ("九点半", WED, (date(2025, 3, 5), time(21, 30))),
    ("明天八点", WED, (date(2025, 3, 6), time(8, 0))),
])
def test_bare_hour_is_next_occurrence(text: str, now: datetime, expected: Tuple[date, time]) -> None:
    assert _when(text, now) == expected


def test_time_without_day_reminder_vs_query() -> None:
    assert _when("早上七点", WED, future=True) == (date(2025, 3, 6), time(7, 0))
    assert _when("早上七点", WED, future=False) == (date(2025, 3, 5), time(7, 0))
    assert _when("下午三点", WED, future=True) == (date(2025, 3, 5), time(15, 0))


@pytest.mark.parametrize(("text", "now", "expected"), [
    ("十分钟后", WED, (date(2025, 3, 5), time(10, 10))),
    ("半小时后", WED, (date(2025, 3, 5), time(10, 30))),
    ("两个小时以后", WED, (date(2025, 3, 5), time(12, 0))),
    ("一个半小时后", WED, (date(2025, 3, 5), time(11, 30))),
    ("八个小时后", DEC, (date(2025, 12, 31), time(0, 0))),
])
def test_spans_from_now(text: str, now: datetime, expected: Tuple[date, time]) -> None:
    assert _when(text, now) == expected


@pytest.mark.parametrize(("text", "now", "repeat", "first"), [
    ("每天早上八点", WED, "daily", (date(2025, 3, 6), time(8, 0))),
    ("每天晚上九点", WED, "daily", (date(2025, 3, 5), time(21, 0))),
    ("每个工作日早上七点", SAT, "weekdays", (date(2025, 3, 10), time(7, 0))),
    ("工作日下午三点", WED, "weekdays", (date(2025, 3, 5), time(15, 0))),
    ("每周一三五晚上七点", WED, "weekly:1,3,5", (date(2025, 3, 5), time(19, 0))),
    ("每个星期二下午三点", WED, "weekly:2", (date(2025, 3, 11), time(15, 0))),
    ("每周日早上九点", WED, "weekly:7", (date(2025, 3, 9), time(9, 0))),
])
def test_repeats_carry_first_occurrence(text: str, now: datetime, repeat: str,
                                         first: Tuple[date, time]) -> None:
    spec = parse_time(convert(text), now)
    assert spec.repeat == repeat
    assert resolve(spec, now, future=True) == first


@pytest.mark.parametrize(("text", "part"), [
    ("早上", "morning"), ("上午", "morning"), ("中午", "noon"), ("下午", "afternoon"),
    ("晚上", "evening"), ("傍晚", "evening"), ("今晚", "evening"), ("明早", "morning"),
])
def test_parts_of_day(text: str, part: str) -> None:
    assert parse_time(text, WED).part_of_day == part


def test_no_time_words() -> None:
    spec = parse_time("我要报名太极拳", WED)
    assert spec.empty and spec.date is None and spec.clock is None


def test_a_bare_hour_said_before_an_afternoon_clock_does_not_break_the_reading() -> None:
    """Blind set AL, noisy: 医生话三点嗰餐药唔使食 改咗五点 你下昼五点提醒我食药 at 18:40 — a bare 三点 in the
    story, then 下昼五点: the reminder is tomorrow 17:00 (it used to raise: hour 17 + 12)."""
    from intents import IntentId, parse

    got = parse("医生话三点嗰餐药唔使食 改咗五点 你下昼五点提醒我食药", datetime(2025, 3, 10, 18, 40))
    assert got.intent is IntentId.REMINDER_CREATE
    assert (got.slots["date"], got.slots["time"], got.slots["content"]) == ("2025-03-11", "17:00", "吃药")
