"""Text normalisation: width, spaces, punctuation, numerals, fillers and politeness words."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, List, Pattern, Tuple

from intents.lexical import fold
from intents.numerals import convert
from intents.templates import load_lexicon

_LOGGER = logging.getLogger(__name__)

MAX_CHARS = 120
"""Utterances longer than this (after cleaning) are not spoken requests; they parse as unknown."""

_CLOCK = re.compile(r"(\d{1,2})[:：](\d{2})")
_KEEP = re.compile(r"[^\u4e00-\u9fff0-9a-z]+")
_FILLERS = re.compile(r"(嗯+|呃+|额|唉|哎呀|哎|那个|就是说|就是|然后呢|然后"
                      r"|^那么|^那(?=给|跟|同|帮我|我想|我要|你帮))")
_POLITE = re.compile(
    r"(麻烦你|麻烦您|麻烦|请你|请您|请(?![人假客])|帮我们|(?<!帮)帮我|帮忙|能不能|可不可以|能否|你能|您能|你可以|我能)"
)
_TRAILING = re.compile(r"[吗呢吧啊呀啦哦嘛哈喔噢嘞咧哇]+$")
_THANKS = re.compile(r"(谢谢你|谢谢您|谢谢|谢啦|多谢)$")
_LEADING = re.compile(r"^[啊哦噢喂]+")


@dataclass(frozen=True)
class Normalized:
    """An utterance in its normalised forms."""

    folded: str
    """Cleaned text after the lexical layer (simplified, Mandarin words), before any repair: the words
    as heard, which emergencies and bookings must be supported by."""
    heard: str
    """Cleaned, homophone-repaired text without fillers, numerals as heard (小声一点 keeps its 一点)."""
    plain: str
    """Cleaned text: NFKC, lower case, digits, no spaces/punctuation (fillers kept)."""
    core: str
    """plain without fillers, politeness words and a leading interjection."""


def clean(text: str) -> str:
    """NFKC, lower case, 8:30 → 8点30分, and nothing but Chinese characters, digits and Latin letters."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _CLOCK.sub(lambda m: f"{int(m.group(1))}点{int(m.group(2))}分", text)
    text = text.replace("您", "你")
    return _KEEP.sub("", text)


def _same(text: str) -> str:
    return text


@lru_cache(maxsize=1)
def _colloquial() -> Tuple[Tuple[Pattern[str], str], ...]:
    rules: List[Tuple[Pattern[str], str]] = []
    for pattern, replacement in load_lexicon().get("colloquial") or ():
        rules.append((re.compile(str(pattern)), str(replacement)))
    return tuple(rules)


def colloquial(text: str) -> str:
    """Southern/colloquial words → the words the templates use: 有冇 → 有没有, 俾我 → 给我, 讲 → 说.

    text: cleaned text (no spaces). The rules are data: lexicon.yaml, key "colloquial".
    """
    for pattern, replacement in _colloquial():
        text = pattern.sub(replacement, text)
    return text


def normalize(text: str, repair: Callable[[str], str] = _same, rewrite: bool = True) -> Normalized:
    """Normalise one recogniser result.

    text: raw text, e.g. "嗯 那个 明天 下午 三点 有 什么 活动 ？" → core "明天下午3点有什么活动".
    repair: homophone repair, applied before numerals and fillers are read, so that a misheard
    unit (十分棕后 → 十分钟后) or filler (那葛 → 那个) is restored first.
    rewrite: apply the colloquial rewrites (有冇 → 有没有); off to show an unknown utterance as heard.
    """
    cleaned = clean(text)
    if len(cleaned) > MAX_CHARS:
        return Normalized(folded="", heard="", plain=cleaned[:MAX_CHARS], core="")
    cleaned = fold(cleaned) if rewrite else cleaned
    repaired = repair(cleaned)
    heard = colloquial(repaired) if rewrite else repaired
    plain = convert(heard)
    core = _FILLERS.sub("", plain)
    stripped = _POLITE.sub("", core)
    if stripped:
        core = stripped
    core = _LEADING.sub("", core)
    core = _THANKS.sub("", core) or core
    core = _halve(core)
    if repaired == cleaned:  # nothing was repaired (most utterances): the heard form is plain itself
        folded = plain
    else:
        folded = convert(colloquial(cleaned)) if rewrite else cleaned
    return Normalized(folded=folded,
                      heard=_FILLERS.sub("", heard), plain=plain, core=core)


def _halve(text: str) -> str:
    """A short answer said twice counts once: 好的好的 → 好的, 对对 stays (it is a phrase itself)."""
    half = len(text) // 2
    if 2 <= half <= 3 and len(text) % 2 == 0 and text[:half] == text[half:]:
        return text[:half]
    return text


def strip_particles(text: str) -> str:
    """Drop sentence-final particles: "有什么活动呢" → "有什么活动"; "了" stays (吃了, 算了)."""
    return _TRAILING.sub("", text)


_WRITTEN = re.compile(r"[。！!？?；;，,]")
_PUNCTUATION = re.compile(r"[。！!？?；;，,…]+\s*")
_PAUSE = re.compile(r"[。！!？?；;，,…]+\s*|\s+")
_WIDE_GAP = re.compile(r"[。！!？?；;，,…]+\s*|\s{2,}")


def punctuated(text: str) -> bool:
    """Whether the recogniser wrote punctuation (an ellipsis, 嗯…等阵…, is a pause either way, not a sign
    of it)."""
    return _WRITTEN.search(text) is not None


def pauses(text: str) -> "re.Pattern[str]":
    """What marks the senior's pauses: punctuation when the recogniser wrote any; else, when it spaced
    word by word and left wider gaps too (我十点 要去覆诊  你九点半 提醒我), only the wider gaps;
    else every space."""
    if punctuated(text):
        return _PUNCTUATION
    return _WIDE_GAP if re.search(r"\S\s\S", text) and re.search(r"\s{2,}", text) else _PAUSE


def phrases(text: str) -> List[str]:
    """The phrases between the senior's pauses, without the recogniser's word gaps inside them; a line
    spaced word by word with no wider gaps (我 会 剪 纸公仔 如果 有人 想 学) is one phrase."""
    marks = pauses(text)
    chunks = [re.sub(r"\s+", "", c) for c in marks.split(text)]
    chunks = [c for c in chunks if c]
    if marks is _PAUSE and len(chunks) > 3 and sum(map(len, chunks)) / len(chunks) < 2.2:
        return ["".join(chunks)]
    return chunks
