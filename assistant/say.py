"""Spoken Chinese for times, dates and repeat rules: 下午三点半, 明天, 12月3号 星期四 — never 15:30."""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from typing import Optional

_LOGGER = logging.getLogger(__name__)

_DIGITS = "零一二三四五六七八九"
_WEEKDAYS = "一二三四五六日"
_HOUR_WORDS = {1: "一", 2: "两", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九",
               10: "十", 11: "十一", 12: "十二"}


def number(value: int) -> str:
    """Chinese reading of 0–99: 7 → 七, 15 → 十五, 40 → 四十, 23 → 二十三."""
    if not 0 <= value <= 99:
        return str(value)
    if value < 10:
        return _DIGITS[value]
    tens, ones = divmod(value, 10)
    head = "十" if tens == 1 else _DIGITS[tens] + "十"
    return head + (_DIGITS[ones] if ones else "")


def part_of_day(hour: int) -> str:
    """凌晨 0–4, 早上 5–8, 上午 9–11, 中午 12, 下午 13–17, 晚上 18–23."""
    if hour < 5:
        return "凌晨"
    if hour < 9:
        return "早上"
    if hour < 12:
        return "上午"
    if hour == 12:
        return "中午"
    if hour < 18:
        return "下午"
    return "晚上"


def clock_time(value: time) -> str:
    """A time of day as said aloud: 15:30 → 下午三点半, 08:00 → 早上八点, 09:05 → 上午九点零五分."""
    hour12 = value.hour % 12 or 12
    head = part_of_day(value.hour) + ("零点" if value.hour == 0 else _HOUR_WORDS[hour12] + "点")
    if value.minute == 0:
        return head
    if value.minute == 30:
        return head + "半"
    if value.minute < 10:
        return head + "零" + number(value.minute) + "分"
    return head + number(value.minute) + "分"


def weekday(day: date) -> str:
    """星期一 … 星期日."""
    return "星期" + _WEEKDAYS[day.weekday()]


def day_name(day: date, today: date, dated: bool = False) -> str:
    """今天 / 明天 / 后天 / 昨天, else '12月3号 星期四'.

    dated: the read-back after a correction names the date too ('后天3月14号'): the senior who just
    changed 听日 to 后日 hears which day is now meant.
    """
    delta = (day - today).days
    relative = {0: "今天", 1: "明天", 2: "后天", -1: "昨天"}
    if delta in relative:
        return relative[delta] + (f"{day.month}月{day.day}号" if dated and delta > 0 else "")
    return f"{day.month}月{day.day}号 {weekday(day)}"


def moment(when: datetime, now: datetime, dated: bool = False) -> str:
    """Date and time together: '明天上午九点', '12月3号 星期四 下午三点半' (dated: '明天3月8号上午九点')."""
    day = day_name(when.date(), now.date(), dated)
    sep = " " if " " in day else ""
    return day + sep + clock_time(when.time())


def full_date(day: date) -> str:
    """'11月29号 星期日' (for 'what day is it')."""
    return f"{day.month}月{day.day}号 {weekday(day)}"


def repeat_rule(rule: Optional[str]) -> str:
    """daily → 每天, weekdays → 每个工作日, weekly:1,3,5 → 每周一、三、五; None/'' → ''."""
    if not rule:
        return ""
    if rule == "daily":
        return "每天"
    if rule == "weekdays":
        return "每个工作日"
    if rule.startswith("weekly:"):
        days = [int(d) for d in rule.split(":", 1)[1].split(",") if d.strip()]
        return "每周" + "、".join(_WEEKDAYS[d - 1] for d in sorted(days) if 1 <= d <= 7)
    _LOGGER.warning("unknown repeat rule %r", rule)
    return ""
