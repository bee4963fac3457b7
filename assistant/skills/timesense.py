"""Time sense on the dialog side: parts of day, bare hours answering '几点？', spoken day words.

The NLU turns a whole request into slots; these helpers settle what only the conversation
knows: a bare '八点半' answering '几点提醒您？' for 后天早上 is 后天 08:30 (not tonight), and a
'朝早八点' is 08:00 whatever the hour arithmetic said.
"""

from __future__ import annotations

import logging
import re
from datetime import date, time, timedelta
from typing import Any, Dict, Optional, Tuple

_LOGGER = logging.getLogger(__name__)

_PARTS = (
    ("early_morning", re.compile(r"凌晨|半夜|深夜")),
    ("morning", re.compile(r"早上|上午|朝早|早晨|清早|一早|明早|今早|朝头早|早起")),
    ("noon", re.compile(r"中午|晏昼|晌午")),
    ("afternoon", re.compile(r"下午|下昼|午后")),
    ("evening", re.compile(r"晚上|夜晚|傍晚|今晚|明晚|夜里|晚黑|夜晚黑|夜间|挨晚")),
)
"""part_of_day slot values and the words that say them (Mandarin and Cantonese)."""

_DAY_OFFSETS = (("大后天", 3), ("大后日", 3), ("后天", 2), ("后日", 2), ("听朝", 1), ("听晚", 1), ("明天", 1),
                ("听日", 1), ("明日", 1), ("明早", 1), ("明晚", 1), ("今天", 0), ("今日", 0), ("今晚", 0),
                ("今早", 0), ("今朝", 0))
_OTHER_DAY = re.compile(r"星期|礼拜|周[一二三四五六日天1-7]|[0-9一二三四五六七八九十]+[号日](?!本)|月")
_NUM = "零〇一二两三四五六七八九十"
_HOUR = re.compile(rf"(\d{{1,2}}|[{_NUM}]{{1,3}})\s*(?:点|點|时|時)(?:钟|鐘)?\s*"
                   rf"(半|[一1]刻|[三3]刻|(\d{{1,2}}|[{_NUM}]{{1,3}})(?![点點时時刻\d{_NUM}])分?)?")
_COLON = re.compile(r"(\d{1,2})[:：](\d{2})")


_GREETINGS = re.compile(r"早上好|早晨好|早安|上午好|中午好|下午好|晚上好|晚安"
                        r"|^早晨(?![\d一二两三四五六七八九十点])")
"""'早上好，今天有什么活动' greets; it does not ask about the morning."""


def spoken_part(text: str) -> Optional[str]:
    """The part of day a text names first ('朝早八点' → 'morning'), or None."""
    text = _GREETINGS.sub("", text)
    best: Optional[Tuple[int, str]] = None
    for part, pattern in _PARTS:
        found = pattern.search(text)
        if found and (best is None or found.start() < best[0]):
            best = (found.start(), part)
    return best[1] if best else None


def part_near_clock(text: str) -> Optional[str]:
    """The part of day said closest before the first clock time ('我早上吃过了，晚上八点…' →
    'evening'); without a clock time, the first part of day said."""
    text = _GREETINGS.sub("", text)
    clock = _COLON.search(text) or _HOUR.search(text)
    if clock is None:
        return spoken_part(text)
    best: Optional[Tuple[int, str]] = None
    for part, pattern in _PARTS:
        for found in pattern.finditer(text):
            if found.start() < clock.start() and (best is None or found.start() > best[0]):
                best = (found.start(), part)
    return best[1] if best else None


def day_offset(text: str) -> Optional[int]:
    """Days from today for the one relative day word in text (听日 → 1); None if none or several."""
    found = set()
    rest = text
    for word, offset in _DAY_OFFSETS:
        if word in rest:
            found.add(offset)
            rest = rest.replace(word, "")
    return found.pop() if len(found) == 1 else None


def names_day(text: str) -> bool:
    """Whether text says a day at all (明天, 后天, 礼拜三, 5号 …)."""
    return any(word in text for word, _ in _DAY_OFFSETS) or bool(_OTHER_DAY.search(text))


def _number(text: str) -> Optional[int]:
    if text.isdigit():
        return int(text)
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    digits.update({"〇": 0, "两": 2})
    if text == "十":
        return 10
    if "十" in text:
        head, _, tail = text.partition("十")
        tens = digits.get(head, 1) if head else 1
        ones = digits.get(tail, 0) if tail else 0
        return tens * 10 + ones
    return digits.get(text) if len(text) == 1 else None


def spoken_clock(text: str) -> Optional[Tuple[int, int]]:
    """(hour as said, minute) of the first clock time in text: '八点半' → (8, 30), '20:15' → (20, 15)."""
    colon = _COLON.search(text)
    if colon:
        return int(colon.group(1)), int(colon.group(2))
    found = _HOUR.search(text)
    if not found:
        return None
    hour = _number(found.group(1))
    if hour is None or hour > 24:
        return None
    tail = found.group(2) or ""
    minute = {"半": 30, "一刻": 15, "1刻": 15, "三刻": 45, "3刻": 45}.get(tail)
    if minute is None:
        minute = _number(found.group(3)) if found.group(3) else 0
    if minute is None or minute > 59:
        return None
    return hour, minute


def with_part(hour: int, part: Optional[str]) -> int:
    """A said hour (1–12) in a part of day as a 24-hour hour: (8, evening) → 20, (8, morning) → 8."""
    if hour > 12 or part is None:
        return hour % 24
    if part == "early_morning":
        return hour % 12
    if part == "morning":
        return hour % 12 if hour == 12 else hour
    if part == "noon":
        return hour if hour >= 11 else hour + 12
    if hour == 12:
        return 12
    return hour + 12  # afternoon, evening


def future_day_hour(hour: int) -> int:
    """A bare hour for a day after today: 6–11 in the morning, 12 noon, 1–5 in the afternoon."""
    if hour > 12 or hour == 0:
        return hour % 24
    if 1 <= hour <= 5:
        return hour + 12
    return hour


def _hhmm(hour: int, minute: int) -> str:
    return f"{hour:02d}:{minute:02d}"


def _clock_meant(parsed: Any, text: str) -> Tuple[Optional[Tuple[int, int]], str]:
    """(hour, minute) of the clock said that the parser chose, and the text up to it (for the part of
    day said between it and the clock before it): not merely the first clock
    ('九点前要到…八点钟来接我' → 八点; '唔系九点，系朝早十点' → 十点).
    Without a parsed time, the first clock said and the whole text."""
    first = spoken_clock(text)
    if first is None or not parsed:
        return first, text
    want = time.fromisoformat(str(parsed))
    start = 0
    for found in _HOUR.finditer(text):
        clock = spoken_clock(found.group(0))
        if clock is not None and clock[0] % 12 == want.hour % 12 and clock[1] == want.minute:
            return clock, text[start:found.end()]
        start = found.end()
    return first, text


def settle_request(slots: Dict[str, Any], text: str, today: date, fill_day: bool = True) -> Dict[str, Any]:
    """A fresh request's slots with the time sense applied.

    - a part of day said with the hour wins over the hour arithmetic ('朝早八点' → 08:00);
    - a part of day said is kept as part_of_day (so '几点？' → '八点半' keeps it);
    - fill_day: a single relative day word (听日) gives the date when the parse has none.
    """
    out = dict(slots)
    said, text = _clock_meant(out.get("time"), text)
    near = part_near_clock(text) if said else spoken_part(text)
    part = near or out.get("part_of_day")
    if near and not out.get("part_of_day"):
        out["part_of_day"] = near
    if out.get("time") and said and near and said[0] <= 12:
        fixed = _hhmm(with_part(said[0], part), said[1])
        if fixed != out["time"]:
            _LOGGER.info("time %s said as %r: %s", out["time"], text, fixed)
            out["time"] = fixed
    if fill_day and not out.get("date") and not out.get("date_range") and not out.get("repeat"):
        offset = day_offset(text)
        if offset is not None:
            out["date"] = (today + timedelta(days=offset)).isoformat()
    return out


def settle_answer(pending: Dict[str, Any], found: Dict[str, Any], answer: str, today: date) -> Dict[str, Any]:
    """Slots from an answer ('八点半', '唔系，我话朝早八点', '后天') merged over the pending slots.

    A day is taken from the answer only when the answer says one; a bare hour takes the
    pending part of day, else on a future day 6–11 is morning and 1–5 afternoon, else the
    parser's next-occurrence reading stands.
    """
    found = dict(found)
    if not names_day(answer):
        found.pop("date", None)
        found.pop("date_range", None)
    merged = dict(pending)
    merged.update(found)
    said, answer = _clock_meant(found.get("time"), answer)
    part = part_near_clock(answer)
    day_text = merged.get("date")
    day = date.fromisoformat(day_text) if isinstance(day_text, str) and day_text else None
    if said is not None:
        hour, minute = said
        if part is not None:
            merged["part_of_day"] = part
            merged["time"] = _hhmm(with_part(hour, part), minute)
        elif hour <= 12 and pending.get("part_of_day"):
            merged["time"] = _hhmm(with_part(hour, pending["part_of_day"]), minute)
        elif hour <= 12 and day is not None and day > today:
            merged["time"] = _hhmm(future_day_hour(hour), minute)
            merged.pop("part_of_day", None)
        elif "time" not in found and hour <= 24:
            merged["time"] = _hhmm(hour % 24, minute)
    elif part is not None:
        merged["part_of_day"] = part
        if pending.get("time"):  # '唔系，我话朝早' for a read-back of 20:00 → 08:00
            hour, minute = (int(x) for x in str(pending["time"]).split(":"))
            merged["time"] = _hhmm(with_part(hour % 12 or 12, part), minute)
    return merged
