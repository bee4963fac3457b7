"""Toneless pinyin per character with southern-accent folding (zh/z, n/l, -ing/-in, …)."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import List, Tuple

from pypinyin import Style, pinyin

_LOGGER = logging.getLogger(__name__)

# Initials merged by Guangzhou speakers of Mandarin: 知 zhi → zi, 吃 chi → ci, 书 shu → su, 你 ni → li.
_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
# Finals merged the same way: 星 xing → xin, 灯 deng → den, 上 shang → san (also iang → ian).
_FINALS = (("ing", "in"), ("eng", "en"), ("ang", "an"))


def fold(syllable: str) -> str:
    """Fold one toneless pinyin syllable to its accent class, e.g. "shang" → "san", "neng" → "len".

    syllable: lower-case toneless pinyin ("zhong", "lv").
    """
    out = syllable
    for src, dst in _INITIALS:
        if out.startswith(src):
            out = dst + out[len(src):]
            break
    for src, dst in _FINALS:
        if out.endswith(src):
            out = out[: -len(src)] + dst
            break
    return out


@lru_cache(maxsize=8192)
def char_key(char: str) -> str:
    """Folded pinyin of one character; non-Chinese characters map to themselves.

    Each character gets its single most common reading, so that a template word and the same word
    inside an utterance always produce the same key (context-dependent readings would not).
    """
    if not ("\u4e00" <= char <= "\u9fff"):
        return char
    reading = pinyin(char, style=Style.NORMAL, heteronym=False, errors="ignore")
    if not reading or not reading[0]:
        return char
    return fold(reading[0][0].lower())


def keys(text: str) -> Tuple[str, ...]:
    """Folded pinyin key of every character of text (one key per character)."""
    return tuple(char_key(ch) for ch in text)


def spelled(text: str) -> str:
    """Folded pinyin of text as one space-separated string, e.g. "书法" → "su fa"."""
    return " ".join(keys(text))


def plain(text: str) -> List[str]:
    """Unfolded toneless pinyin (for debugging and docs)."""
    return [item[0] for item in pinyin(text, style=Style.NORMAL, heteronym=False)]
