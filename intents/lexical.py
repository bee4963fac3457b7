"""The lexical layer: traditional → simplified (OpenCC) and Guangzhou / Cantonese words → Mandarin.

Runs on cleaned text before homophone repair, so that a local word (听日, 食咗, 唔该) becomes the
Mandarin word it means (明天, 吃了, 谢谢) instead of being "repaired" towards a wrong one. The word
list is data: ``intents/data/zh/cantonese.yaml`` (each rule with an example that the tests check).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import FrozenSet, List, Pattern, Tuple

import yaml

from intents.templates import DATA_DIR

_LOGGER = logging.getLogger(__name__)

RULES_FILE = DATA_DIR / "cantonese.yaml"
_HAN = re.compile(r"[\u4e00-\u9fff]")

Rule = Tuple[Pattern[str], str, str, str]
"""(pattern, replacement, example as heard, example after the whole layer)."""


@lru_cache(maxsize=1)
def rules() -> Tuple[Rule, ...]:
    """The Cantonese rules in order, compiled once."""
    with open(RULES_FILE, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    out: List[Rule] = []
    for row in data.get("rules") or ():
        pattern, replacement, example, expected = (str(item) for item in row)
        out.append((re.compile(pattern), replacement, example, expected))
    return tuple(out)


@lru_cache(maxsize=1)
def _converter() -> object:
    import opencc  # OpenCC's own tables: no hand-made character list

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=2048)
def simplified(text: str) -> str:
    """Traditional characters folded to simplified: 預約體檢 → 预约体检; other text unchanged."""
    if not _HAN.search(text):
        return text
    return str(_converter().convert(text))  # type: ignore[attr-defined]


def cantonese(text: str) -> str:
    """Guangzhou / Cantonese words → Mandarin: 听日朝早食咗药 → 明天早上吃了药."""
    for pattern, replacement, _, _ in rules():
        if pattern.search(text):
            text = pattern.sub(replacement, text)
    return text


@lru_cache(maxsize=1)
def sound_words() -> Tuple[str, ...]:
    with open(RULES_FILE, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return tuple(str(w) for w in data.get("sound_words") or ())


@lru_cache(maxsize=1)
def _sounds() -> object:
    from intents.index import Vocabulary  # the same homophone repair the catalog words use

    words = sound_words()
    return Vocabulary(words, frozenset(w for w in words if len(w) == 2))


# 下昼 (afternoon) sounds exactly like 下周 (next week), so it cannot be restored by sound alone. Right
# after a day word only the afternoon makes sense (礼拜六下奏 / 听日下周 / 后日下走三点), unless 下周末.
_DAY_BEFORE = re.compile(r"(?:今天|今日|明天|听日|后天|后日|大后天|明日|(?:礼拜|星期|周)[一二三四五六七日天]"
                         r"|[0-9一二三四五六七八九十]+号)下(?P<zou>.)(?!末)")


def _afternoon(text: str) -> str:
    from intents.pinyin import keys

    def one(found: "re.Match[str]") -> str:
        if keys(found.group("zou")) != ("zou",):
            return found.group(0)
        return found.group(0)[: found.start("zou") - found.start() - 1] + "下昼"

    return _DAY_BEFORE.sub(one, text)


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """The whole lexical layer on cleaned text (no spaces or punctuation): simplified, local words
    misheard by one character restored by sound (朝燥 → 朝早), 下昼 heard as 下周 after a day word,
    then Mandarin (→ 早上)."""
    plain = simplified(text)
    locked = kept_positions(plain)
    return cantonese(_afternoon(_sounds().repair(plain, locked)))  # type: ignore[attr-defined]


@lru_cache(maxsize=1)
def _kept_pattern() -> "re.Pattern[str]":
    """Everyday Mandarin words a sound repair must not break (问题我有空 is not 问 + 提我, 开始咗 not
    开 + 食咗, 女儿家 not 女 + 而家), as one pattern, longest first."""
    with open(RULES_FILE, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    words = sorted((str(w) for w in data.get("kept_words") or ()), key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words) or r"(?!)")


def kept_positions(text: str) -> FrozenSet[int]:
    """Positions of text inside an everyday word (电视, 女儿, 医院): no repair and no misheard title
    may take them apart."""
    return frozenset(i for found in _kept_pattern().finditer(text) for i in range(found.start(), found.end()))
