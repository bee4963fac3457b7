"""Spoken times and dates: 下午三点半, 明天, 12月3号 星期四 — never 15:30."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from assistant import say


@pytest.mark.parametrize("hhmm, spoken", [
    ("15:30", "下午三点半"), ("08:00", "早上八点"), ("09:05", "上午九点零五分"), ("12:00", "中午十二点"),
    ("14:15", "下午两点十五分"), ("19:45", "晚上七点四十五分"), ("00:00", "凌晨零点"), ("02:00", "凌晨两点"),
    ("23:10", "晚上十一点十分"),
])
def test_clock_time(hhmm, spoken):
    assert say.clock_time(time.fromisoformat(hhmm)) == spoken


def test_days_relative_and_absolute():
    today = date(2026, 11, 30)
    assert [say.day_name(date(2026, 11, d), today) for d in (29, 30)] == ["昨天", "今天"]
    assert say.day_name(date(2026, 12, 1), today) == "明天"
    assert say.day_name(date(2026, 12, 2), today) == "后天"
    assert say.day_name(date(2026, 12, 3), today) == "12月3号 星期四"
    monday = datetime(2026, 11, 30, 10)
    assert say.moment(datetime(2026, 12, 3, 15, 30), monday) == "12月3号 星期四 下午三点半"
    assert say.moment(datetime(2026, 12, 1, 9), datetime(2026, 11, 30, 10)) == "明天上午九点"


def test_repeat_rules_and_numbers():
    assert say.repeat_rule("daily") == "每天"
    assert say.repeat_rule("weekdays") == "每个工作日"
    assert say.repeat_rule("weekly:5,1,3") == "每周一、三、五"
    assert say.repeat_rule("weekly:7") == "每周日"
    assert say.repeat_rule(None) == ""
    assert [say.number(n) for n in (0, 10, 12, 20, 99)] == ["零", "十", "十二", "二十", "九十九"]
