"""Chinese numerals → Arabic digits, only where they count something (八点, 三号, 两个小时)."""

from __future__ import annotations

import logging
import re

import cn2an

_LOGGER = logging.getLogger(__name__)

_DIGITS = "零〇一二两三四五六七八九十百"
_RUN = re.compile(f"[{_DIGITS}]+")
# A run is a number only before a unit: 八点, 三号, 五分钟, 两个小时, 一个半小时, 十二月.
# Words such as 一起, 一下, 统一, 星期一 keep their 一 because no unit follows it.
_UNIT = re.compile(r"(点|时|分|号|日|月|岁|楼|个半?(小时|钟头|月|星期|礼拜)|小时|钟头)")
# 大声一点 / 慢一点 mean "a bit", not one o'clock.
_A_BIT_BEFORE = set("声慢快轻响大小些高低楚")
_WEEKDAY_PREFIX = ("星期", "礼拜", "周")
# The hour at the end of a run that follows a weekday word: 周一八点 → 周一 + 8点, 星期三十点 → 星期三 + 10点.
_HOUR_TAIL = re.compile(r"(十[一二]?|[零一二两三四五六七八九])$")


def to_number(run: str) -> int:
    """Value of a run of Chinese numerals ("二十五" → 25); raises ValueError when it is not a number."""
    value = cn2an.cn2an(run.replace("〇", "零"), "smart")
    return int(value)


def convert(text: str) -> str:
    """Replace counting Chinese numerals in text by Arabic digits.

    text: utterance without spaces, e.g. "明天下午三点半" → "明天下午3点半", "周一八点" → "周一8点".
    """
    out = []
    last = 0
    for match in _RUN.finditer(text):
        start, end = match.span()
        run = match.group()
        before = text[:start]
        after = text[end:]
        prefix = ""
        if before.endswith(_WEEKDAY_PREFIX):
            tail = _HOUR_TAIL.search(run)
            if tail is None or tail.start() == 0 or not _UNIT.match(after):
                continue
            prefix, run = run[: tail.start()], run[tail.start():]
        elif not (_UNIT.match(after) or before.endswith("点")):
            continue
        if run == "一" and after.startswith("点") and before[-1:] in _A_BIT_BEFORE:
            continue
        try:
            number = to_number(run)
        except (ValueError, TypeError, KeyError, IndexError):
            _LOGGER.debug("not a number: %r", run)
            continue
        out.append(text[last:start])
        out.append(prefix + str(number))
        last = end
    out.append(text[last:])
    return "".join(out)
