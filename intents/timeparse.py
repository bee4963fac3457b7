"""Spoken Chinese time expressions → absolute dates, times and repeat rules, from an injected now."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Callable, Dict, List, Match, Optional, Pattern, Tuple

_LOGGER = logging.getLogger(__name__)

PARTS: Dict[str, str] = {
    "早上": "morning", "上午": "morning", "早晨": "morning", "清早": "morning", "早": "morning",
    "中午": "noon", "下午": "afternoon", "晚上": "evening", "傍晚": "evening", "夜里": "evening",
    "晚": "evening", "凌晨": "early_morning", "半夜": "early_morning",
}
_PART_RE = "凌晨|半夜|早上|上午|早晨|清早|中午|下午|晚上|傍晚|夜里"
_WEEKDAY = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7, "七": 7}
_WD = "[一二三四五六日天七]"
_WEEK = "(?:周|星期|礼拜)"
_DAY_WORDS = {"今天": 0, "今日": 0, "今儿": 0, "明天": 1, "明日": 1, "明儿": 1, "后天": 2, "大后天": 3}


@dataclass(frozen=True)
class TimeSpec:
    """What the time words of one utterance say; date/time already resolved against now."""

    date: Optional[date] = None
    """Spoken day (明天, 周三, 5号 …) or the day a relative span lands on."""
    date_range: Optional[Tuple[date, date]] = None
    """Inclusive range for 这周, 周末, 下周 …"""
    clock: Optional[time] = None
    """Clock time after the part-of-day rules (下午3点 → 15:00)."""
    bare_hour: bool = False
    """The hour was 1–11 with no part of day: the next of h:00 / h+12:00 is meant."""
    part_of_day: Optional[str] = None
    repeat: Optional[str] = None
    weekdays: Tuple[int, ...] = ()
    """ISO weekdays of a repeat rule (weekly:… or 1–5 for weekdays)."""
    spans: Tuple[Tuple[int, int], ...] = field(default=())
    """Character spans of the text that the time words cover."""
    anchor: Optional[str] = None
    """A time tied to the household routine: breakfast, lunch, dinner, bed, wake (饭后, 睡觉前 …)."""
    offset_min: Optional[int] = None
    """Minutes from the anchor (饭后 +30, 饭前 −30; values as data in lexicon.yaml)."""
    every_min: Optional[int] = None
    """An interval reminder: 每隔两个小时 → 120."""
    window: Tuple[Optional[time], Optional[time]] = (None, None)
    """from / until of an interval (从早上八点到晚上八点)."""

    @property
    def empty(self) -> bool:
        return not self.spans


def _wd(char: str) -> int:
    return _WEEKDAY[char]


def _week_monday(today: date, weeks: int) -> date:
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)


def _next_weekday(today: date, iso: int) -> date:
    return today + timedelta(days=(iso - today.isoweekday()) % 7)


def _month_day(today: date, month: Optional[int], day: int) -> Optional[date]:
    """N号 / N月M号: this month (year), or the next one if that day has passed."""
    if month is not None:
        for year in (today.year, today.year + 1):
            try:
                cand = date(year, month, day)
            except ValueError:
                return None
            if cand >= today:
                return cand
        return None
    year, mon = today.year, today.month
    for _ in range(13):
        try:
            cand = date(year, mon, day)
        except ValueError:
            cand = None
        if cand is not None and cand >= today:
            return cand
        mon += 1
        if mon > 12:
            year, mon = year + 1, 1
    return None


_Handler = Callable[[Match[str], datetime, Dict[str, object]], None]


def _h_span(match: Match[str], now: datetime, out: Dict[str, object]) -> None:
    num = match.group("n")
    unit = match.group("unit")
    if match.group("half_only"):
        delta = timedelta(minutes=30)
    elif unit in ("小时", "钟头"):
        delta = timedelta(hours=int(num), minutes=30 if match.group("half") else 0)
    elif unit == "天":
        out["date"] = now.date() + timedelta(days=int(num))
        return
    else:
        delta = timedelta(minutes=int(num))
    when = now + delta
    out["date"] = when.date()
    out["clock"] = when.time().replace(second=0, microsecond=0)
    out["absolute"] = True


def _h_repeat(match: Match[str], now: datetime, out: Dict[str, object]) -> None:
    text = match.group()
    days = match.group("days")
    if days:
        out["weekdays"] = tuple(sorted({_wd(c) for c in days if c in _WEEKDAY}))
        out["repeat"] = "weekly:" + ",".join(str(d) for d in out["weekdays"])  # type: ignore[union-attr]
    elif "工作日" in text:
        out["repeat"] = "weekdays"
        out["weekdays"] = (1, 2, 3, 4, 5)
    else:
        out["repeat"] = "daily"
        out["weekdays"] = (1, 2, 3, 4, 5, 6, 7)


def _h_every_part(match: Match[str], now: datetime, out: Dict[str, object]) -> None:
    """每晚九点 / 每朝八点: daily, and the part of day the word carries."""
    out["repeat"] = "daily"
    out["weekdays"] = (1, 2, 3, 4, 5, 6, 7)
    out["part_of_day"] = "evening" if match.group() == "每晚" else "morning"
    out["every_part"] = True


def _h_this_wd(match: Match[str], now: datetime, out: Dict[str, object]) -> None:
    out["date"] = _week_monday(now.date(), 0) + timedelta(days=_wd(match.group("d")) - 1)


def _h_next_wd(match: Match[str], now: datetime, out: Dict[str, object]) -> None:
    out["date"] = _week_monday(now.date(), 1) + timedelta(days=_wd(match.group("d")) - 1)


def _h_weekend(match: Match[str], now: datetime, out: Dict[str, object]) -> None:
    today = now.date()
    weeks = 1 if match.group().startswith("下") else 0
    sat = _week_monday(today, weeks) + timedelta(days=5)
    out["date_range"] = (max(today, sat), sat + timedelta(days=1))


def _h_week(match: Match[str], now: datetime, out: Dict[str, object]) -> None:
    today = now.date()
    if match.group().startswith("下"):
        mon = _week_monday(today, 1)
        out["date_range"] = (mon, mon + timedelta(days=6))
    else:
        out["date_range"] = (today, _week_monday(today, 0) + timedelta(days=6))


def _h_bare_wd(match: Match[str], now: datetime, out: Dict[str, object]) -> None:
    out["date"] = _next_weekday(now.date(), _wd(match.group("d")))


def _h_month_day(match: Match[str], now: datetime, out: Dict[str, object]) -> None:
    month = match.group("m")
    found = _month_day(now.date(), int(month) if month else None, int(match.group("d")))
    if found is not None:
        out["date"] = found


_HOLIDAYS = {"元旦": (1, 1), "劳动节": (5, 1), "国庆": (10, 1), "圣诞": (12, 25), "平安夜": (12, 24)}
"""Fixed-date holidays said for a day (元旦有冇活动); lunar ones (春节, 中秋) move and are left to the
question the speaker asks."""


def _h_holiday(match: Match[str], now: datetime, out: Dict[str, object]) -> None:
    month, day = _HOLIDAYS[match.group("h")]
    found = _month_day(now.date(), month, day)
    shift = match.group("shift")
    if found is not None and shift:  # 元旦前一日 is the 31st of December
        found += timedelta(days=-1 if shift == "前" else 1)
        found = found if found >= now.date() else None
    if found is not None:
        out["date"] = found


def _h_day_word(match: Match[str], now: datetime, out: Dict[str, object]) -> None:
    word = match.group()
    first = word[0]
    if word in _DAY_WORDS:
        out["date"] = now.date() + timedelta(days=_DAY_WORDS[word])
        return
    out["date"] = now.date() + timedelta(days=0 if first == "今" else 1)
    out["part_of_day"] = PARTS[word[1]]


def _h_clock(match: Match[str], now: datetime, out: Dict[str, object]) -> None:
    part = match.group("part")
    hour = int(match.group("h"))
    minute_text = match.group("min") or ""
    minute = 0
    if minute_text == "半":
        minute = 30
    elif minute_text in ("一刻", "1刻"):
        minute = 15
    elif minute_text in ("三刻", "3刻"):
        minute = 45
    elif match.group("mm"):
        minute = int(match.group("mm"))
    if hour > 24 or minute > 59:
        return
    if part:
        out["part_of_day"] = PARTS[part]
        if part in ("下午", "晚上", "傍晚", "夜里") and 1 <= hour <= 11:
            hour += 12
        elif part in ("凌晨", "半夜") and hour == 12:
            hour = 0
        elif part == "中午" and 1 <= hour <= 2:
            hour += 12
    elif 1 <= hour <= 11:
        out["bare_hour"] = True
    out["clock"] = time(hour % 24, minute)


def _h_part(match: Match[str], now: datetime, out: Dict[str, object]) -> None:
    out.setdefault("part_of_day", PARTS[match.group()])


def _h_weekday_range(match: Match[str], now: datetime, out: Dict[str, object]) -> None:
    first, last = _wd(match.group("a")), _wd(match.group("b"))
    if first <= last:
        out["weekdays"] = tuple(range(first, last + 1))
        out["repeat"] = "weekdays" if (first, last) == (1, 5) else \
            "weekly:" + ",".join(str(d) for d in out["weekdays"])  # type: ignore[union-attr]


def _h_window(match: Match[str], now: datetime, out: Dict[str, object]) -> None:
    bounds = []
    for side in ("a", "b"):
        sub_out: Dict[str, object] = {}
        inner = re.match(_CLOCK_RE, match.group(side))
        if inner is None:
            return
        _h_clock(inner, now, sub_out)
        clock = sub_out.get("clock")
        if isinstance(clock, time) and sub_out.get("bare_hour") and side == "a" and 1 <= clock.hour < 7:
            clock = time(clock.hour + 12, clock.minute)  # 由两点到五点 每半个钟: a span of waking hours
        if isinstance(clock, time) and sub_out.get("bare_hour") and side == "b" and bounds and \
                bounds[0] is not None and clock <= bounds[0]:
            clock = time((clock.hour + 12) % 24, clock.minute)  # 从八点到六点: until 18:00
        bounds.append(clock)
    out["window"] = (bounds[0], bounds[1])


_MEALS = {"早饭": "breakfast", "早餐": "breakfast", "早茶": "breakfast", "早点": "breakfast",
          "午饭": "lunch", "中午饭": "lunch", "午餐": "lunch", "晏昼饭": "lunch",
          "晚饭": "dinner", "晚餐": "dinner", "夜饭": "dinner", "饭": ""}
_MEAL_RE = "早饭|早餐|早茶|午饭|中午饭|午餐|晚饭|晚餐|夜饭|饭"
_MEAL_BY_PART = {"morning": "breakfast", "early_morning": "breakfast", "noon": "lunch", "afternoon": "lunch",
                 "evening": "dinner"}
OFFSETS = {"after_meal": 30, "before_meal": -30, "before_bed": -30, "at": 0}
"""Minutes from a routine anchor; the parser loads the values from lexicon.yaml `routine_offsets`."""
_SPAN_RE = r"(?P<span>(?P<sn>\d+)个?(?P<su>小时|分钟|分)|(?P<shalf>半)个?小时|(?P<sh>\d+)个?半小时)"


def _span_min(match: Match[str]) -> Optional[int]:
    if not match.groupdict().get("span"):
        return None
    if match.group("shalf"):
        return 30
    if match.group("sh"):
        return int(match.group("sh")) * 60 + 30
    return int(match.group("sn")) * (60 if match.group("su") == "小时" else 1)


def _h_meal(match: Match[str], now: datetime, out: Dict[str, object]) -> None:
    meal = match.group("meal_a") or match.group("meal_b") or "饭"
    after = bool(match.group("after")) or bool(match.group("done"))
    kind = "at" if match.group("at") else ("after_meal" if after else "before_meal")
    explicit = _span_min(match)
    offset = OFFSETS[kind] if explicit is None else (explicit if kind != "before_meal" else -explicit)
    out["anchor"] = _MEALS.get(meal, "")
    out["offset_min"] = offset


def _h_bed(match: Match[str], now: datetime, out: Dict[str, object]) -> None:
    explicit = _span_min(match)
    out["anchor"] = "bed"
    kind = "at" if match.group("at") else "before_bed"
    out["offset_min"] = OFFSETS[kind] if explicit is None else -explicit


def _h_wake(match: Match[str], now: datetime, out: Dict[str, object]) -> None:
    explicit = _span_min(match)
    out["anchor"] = "wake"
    out["offset_min"] = OFFSETS["at"] if explicit is None else explicit


def _h_every(match: Match[str], now: datetime, out: Dict[str, object]) -> None:
    if match.group("half"):
        out["every_min"] = 30
    elif match.group("hh"):
        out["every_min"] = int(match.group("hh")) * 60 + 30
    else:
        out["every_min"] = int(match.group("n")) * (60 if match.group("unit") == "小时" else 1)


_CLOCK_RE = (rf"(?P<part>{_PART_RE})?(?P<h>\d{{1,2}})(?:点|时)"
             rf"(?:钟|整|(?P<min>半|一刻|1刻|三刻|3刻|(?P<mm>\d{{1,2}})(?![点时\d])分?))?")

_NOT_A_BIT = "(?<![问扫谂试执洗倾])"
"""After these verbs 下 is "a bit" (想问下礼拜天… is 问下 + 礼拜天, 打扫下礼拜四朝早 is 打扫下 + 礼拜四),
not "next" (下礼拜天); after others it stays ambiguous (听讲下礼拜五 is 听讲 + 下礼拜五, 我想下礼拜去)
and is read as "next" — the read-back says the date."""

_RULES: List[Tuple[Pattern[str], _Handler]] = [
    (re.compile(r"每隔?(?:(?P<half>半)个?小时|(?P<hh>\d+)个?半小时|(?P<n>\d+)个?(?P<unit>小时|分钟|分))"
                r"(?:一次|就)?"), _h_every),
    (re.compile(rf"(?:(?P<done>(?:吃|喝)(?:完|过|了)了?)(?P<meal_a>{_MEAL_RE})(?P<after_a>(?:之|以)?后)?"
                rf"|吃?(?P<meal_b>{_MEAL_RE})(?:(?P<after>(?:之|以)?后|过后)|(?P<before>(?:之|以)?前)"
                rf"|(?P<at>的时候|那时|那阵|时)))(?:{_SPAN_RE})?"), _h_meal),
    (re.compile(rf"(?:睡觉|睡|上床|临睡)(?:(?:之|以)?前|(?P<at>的时候|时))(?:{_SPAN_RE})?|临睡"), _h_bed),
    (re.compile(rf"(?:起床|醒来|起来)(?:(?:之|以)?后|的时候|就)(?:{_SPAN_RE})?|一起床|起床(?=提醒|叫我|喊我)"),
     _h_wake),
    (re.compile(rf"(?:从)?(?P<a>(?:{_PART_RE})?\d{{1,2}}(?:点|时)(?:钟|半|\d{{1,2}}分?)?)(?:到|至|一直到)"
                rf"(?P<b>(?:{_PART_RE})?\d{{1,2}}(?:点|时)(?:钟|半|\d{{1,2}}分?)?)(?:为止|之间)?"),
     _h_window),
    (re.compile(rf"(?:每个?|逢)?{_WEEK}(?P<a>{_WD})(?:到|至){_WEEK}?(?P<b>{_WD})(?:每天|都|每日)?"),
     _h_weekday_range),
    (re.compile(r"(?:(?P<half_only>半)个?小时|(?P<n>\d+)(?:个)?(?:(?P<half>半)?(?P<unit>小时|钟头)|(?P<unit2>分钟?)"
                r"|(?P<unit3>天)))(?:后|以后|之后)"), _h_span),
    (re.compile(r"每晚|每朝|每早"), _h_every_part),
    # 礼拜一三五提醒我去洗肾: three or more days named together are a habit, with or without 每
    (re.compile(rf"(?<!每)(?<!每个)(?<!逢){_WEEK}(?P<days>{_WD}{_WD}{_WD}+)"), _h_repeat),
    (re.compile(rf"每天|每日|天天|每个?工作日|工作日"
                rf"|每个?{_WEEK}(?P<days>{_WD}(?:(?:同|和|跟|及|还有)?{_WEEK}?{_WD})*)"), _h_repeat),
    (re.compile(rf"(?:这|本)个?{_WEEK}(?P<d>{_WD})"), _h_this_wd),
    (re.compile(rf"{_NOT_A_BIT}下个?{_WEEK}(?P<d>{_WD})"), _h_next_wd),
    (re.compile(rf"(?:{_NOT_A_BIT}下个?|这个?|本)?{_WEEK}?末"), _h_weekend),
    (re.compile(rf"(?:{_NOT_A_BIT}下个?|这个?|本)(?:{_WEEK})"), _h_week),
    (re.compile(rf"{_WEEK}(?P<d>{_WD})"), _h_bare_wd),
    (re.compile(r"(?P<h>元旦|劳动节|国庆|圣诞|平安夜)(?:节|日|嗰日|那天|当日|当天)?"
                r"(?:(?P<shift>[前后])(?:一|1)(?:日|天))?"), _h_holiday),
    (re.compile(r"(?:(?P<m>\d{1,2})月)?(?P<d>\d{1,2})(?:号|日)"), _h_month_day),
    (re.compile(r"大后天|后天|明天|今天|今日|今儿|明日|明儿|今晚|明晚|今早|明早"), _h_day_word),
    (re.compile(_CLOCK_RE), _h_clock),
    (re.compile(_PART_RE), _h_part),
]


def _overlaps(span: Tuple[int, int], taken: List[Tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


def parse_time(text: str, now: datetime) -> TimeSpec:
    """Find the time words of a normalised utterance and resolve them against now.

    text: normalised text with Arabic digits, e.g. "明天下午3点半".
    now: naive local wall-clock time.
    """
    out: Dict[str, object] = {}
    taken: List[Tuple[int, int]] = []
    for pattern, handler in _RULES:
        for match in pattern.finditer(text):
            if _overlaps(match.span(), taken):
                continue
            # 末 alone (e.g. inside another word) is not a weekend unless 周 precedes it.
            if handler is _h_weekend and "周" not in match.group() and "星期" not in match.group():
                continue
            handler(match, now, out)
            taken.append(match.span())
    clock = out.get("clock")
    if out.get("every_part") and out.get("bare_hour") and isinstance(clock, time):
        # 每晚九点 → 21:00; 每朝八点 → 08:00: the part of day in the repeat word decides the hour.
        if out.get("part_of_day") == "evening" and clock.hour < 12:
            out["clock"] = time(clock.hour + 12, clock.minute)
        out["bare_hour"] = False
    anchor = out.get("anchor")
    if "clock" in out and anchor is not None:
        # 我刚吃完早餐，九点提醒我吃药: the clock time is the request, the meal only the story.
        anchor = None
        out.pop("offset_min", None)
    if anchor == "":
        anchor = _MEAL_BY_PART.get(str(out.get("part_of_day")))
    window = out.get("window") or (None, None)
    if window != (None, None) and not out.get("every_min") and "clock" not in out:
        out["clock"] = window[0]  # type: ignore[index]  # 明天八点到十点有什么活动: from eight
        window = (None, None)
    spec = TimeSpec(
        anchor=anchor,  # type: ignore[arg-type]
        offset_min=out.get("offset_min"),  # type: ignore[arg-type]
        every_min=out.get("every_min"),  # type: ignore[arg-type]
        window=window,  # type: ignore[arg-type]
        date=out.get("date"),  # type: ignore[arg-type]
        date_range=out.get("date_range"),  # type: ignore[arg-type]
        clock=out.get("clock"),  # type: ignore[arg-type]
        bare_hour=bool(out.get("bare_hour")),
        part_of_day=out.get("part_of_day"),  # type: ignore[arg-type]
        repeat=out.get("repeat"),  # type: ignore[arg-type]
        weekdays=out.get("weekdays") or (),  # type: ignore[arg-type]
        spans=tuple(sorted(taken)),
    )
    if spec.part_of_day is None and "今晚" in text:
        spec = replace(spec, part_of_day="evening")
    if spec.bare_hour and spec.clock is not None and spec.part_of_day is not None:
        # 今晚十点 / 明早八点: the part of day came with the day word, after the clock was read
        hour = spec.clock.hour
        if spec.part_of_day in ("afternoon", "evening") and 1 <= hour <= 11:
            spec = replace(spec, clock=time(hour + 12, spec.clock.minute), bare_hour=False)
        elif spec.part_of_day in ("morning", "early_morning"):
            spec = replace(spec, bare_hour=False)
    return spec


def _bare(clock: time, day: date, now: datetime) -> time:
    """h:00 or (h+12):00 on day, whichever comes first after now (the later one when both passed)."""
    early = datetime.combine(day, clock)
    if early > now or clock.hour >= 12:
        return clock  # an afternoon clock (下昼五点) is not bare whatever else was said
    return time(clock.hour + 12, clock.minute)


def resolve(spec: TimeSpec, now: datetime, future: bool) -> Tuple[Optional[date], Optional[time]]:
    """Day and clock time that the spec means.

    future: True for reminders (a time with no day is today if still ahead, else tomorrow; a repeat
    starts on its first occurrence), False for queries (a time with no day means today).
    """
    today = now.date()
    day, clock = spec.date, spec.clock
    if spec.repeat and (future or day is None):
        # (报名听日太极拳，我日日都去: a booking keeps its day; the habit is the story.)
        # A repeat with a clock time starts on its first occurrence; without one (逢礼拜三提醒我拿药)
        # there is no first occurrence yet: the dialog asks for the time.
        clock = _resolve_clock(spec, today, now)
        return (_first_occurrence(spec, now) if clock is not None else None), clock
    if clock is None:
        if day is None and spec.date_range is None and future and spec.part_of_day is None:
            return None, None
        if day is None and spec.date_range is None and not future and spec.part_of_day is not None:
            return today, None  # 下午有什么活动: this afternoon
        return day, None
    if day is None:
        if spec.bare_hour:
            nxt = _next_bare(clock, now)
            if future:
                return nxt.date(), nxt.time()
            return today, _bare(clock, today, now)
        if not future:
            return today, clock
        day = today if datetime.combine(today, clock) > now else today + timedelta(days=1)
        return day, clock
    if spec.bare_hour:
        return day, _bare(clock, day, now)
    return day, clock


def _next_bare(clock: time, now: datetime) -> datetime:
    today = now.date()
    for offset in (0, 1):
        day = today + timedelta(days=offset)
        for hour in (clock.hour, clock.hour + 12) if clock.hour < 12 else (clock.hour,):
            cand = datetime.combine(day, time(hour, clock.minute))
            if cand > now:
                return cand
    return datetime.combine(today + timedelta(days=1), clock)


def _resolve_clock(spec: TimeSpec, today: date, now: datetime) -> Optional[time]:
    if spec.clock is None:
        return None
    if spec.bare_hour:
        return _next_bare(spec.clock, now).time()
    return spec.clock


def _first_occurrence(spec: TimeSpec, now: datetime) -> date:
    """First day on or after today that the repeat rule hits and whose time is still ahead."""
    clock = _resolve_clock(spec, now.date(), now)
    for offset in range(8):
        day = now.date() + timedelta(days=offset)
        if day.isoweekday() not in spec.weekdays:
            continue
        if clock is None or datetime.combine(day, clock) > now:
            return day
    return now.date() + timedelta(days=7)
