"""Answers to a voice poll (活动调查, issue 16): which of the 2–4 options the senior chose.

The options are only known while the poll is asked, so this reads an answer against them: an option's
words, or a distinctive part of them, heard as said or as a homophone (compared on folded pinyin, so
百云山 finds 白云山); its number (第二个, 二号, 最后嗰个); 都可以 / 随便 (ANY); 唔知 / 不选 (NONE). Anything
else — a question about an option, two options and no way to tell, another request — is no choice
(None): the speaker asks again or serves the request.
"""

from __future__ import annotations

import logging
import re
from typing import List, Optional, Sequence, Tuple, Union

from .lexical import fold as fold_words
from .normalize import clean
from .pinyin import keys

_LOGGER = logging.getLogger(__name__)
ANY, NONE = "any", "none"
Choice = Union[int, str]

_ANY = re.compile(r"都(?:可以|得|行|好|ok|OK|中意|钟意|喜欢|冇问题|没问题|随便)"
                  r"|随便|冇所谓|无所谓|没所谓|都一样|边个都|哪个都|任何一个|全部都")
_NONE = re.compile(r"唔知|不知道|不晓得|唔清楚|说不准|讲唔定|唔想答|不想答|唔答|不答|唔选|不选"
                   r"|冇意见|没意见|(?:我|都)(?:唔|不)(?:去|参加|要|想去|想要|中意|喜欢)"
                   r"|(?:唔|不)感兴趣|冇兴趣|没兴趣|一个都(?:唔|不)")
_QUESTION = re.compile(r"[吗嘛？?]|(.)(?:唔|不)\1|几远|几钱|几多钱|点去|点样|怎么|怎样"
                       r"|什么|乜|咩|边度|哪里|系咪|是不是")
_NOT = re.compile(r"(?:唔系|不是|唔要|不要|唔去|不去|唔好|不好)$")
_NUMBERS = {"一": 1, "1": 1, "头": 1, "二": 2, "两": 2, "2": 2, "三": 3, "3": 3, "四": 4, "4": 4}
_ORDINAL = re.compile(r"第\s*([一二两三四1-4])|([一二两三四1-4])\s*(?:号|个|项|种|嗰个|那个)"
                      r"|头(?:一)?(?:个|嗰个)|^([一二两三四1-4])(?:啦|吧|呀|啊)?$")
_WEEK = re.compile(r"(?:周|礼拜|星期)([一二三四五六日天1-7])")
_LAST = re.compile(r"最后(?:一|嗰|那)?(?:个|项|种)|尾(?:嗰|那)个")


def read_choice(text: str, options: Sequence[str]) -> Optional[Choice]:
    """The option number (1-based), ANY, NONE, or None when the answer chooses nothing clearly."""
    heard = _WEEK.sub(r"星期\1", clean(text).replace(" ", ""))
    if not heard or not options:
        return None
    folded = fold_words(heard)
    found = _options_named(heard, folded, options)
    asked = _QUESTION.search(heard)
    if len(found) == 1 and not asked:
        index, start = found[0]
        return None if _NOT.search(heard[:start]) else index + 1
    if len(found) >= 2:
        if _ANY.search(heard):
            return ANY
        # 唔系白云山 系越秀公园: the one named after the refusal
        first, second = found[0], found[-1]
        if _NOT.search(heard[:first[1]]) and not asked:
            return second[0] + 1
        return None
    if asked:
        return None
    if _NONE.search(heard) or _NONE.search(folded):
        return NONE
    if _ANY.search(heard) or _ANY.search(folded):
        return ANY
    if _LAST.search(heard):
        return len(options)
    number = _ORDINAL.search(heard)
    if number:
        digit = next((g for g in number.groups() if g), "一")
        value = _NUMBERS.get(digit, 1)
        return value if value <= len(options) else None
    return None


def _options_named(heard: str, folded: str, options: Sequence[str]) -> List[Tuple[int, int]]:
    """(option index, where it starts in heard) of each option heard, in the order said."""
    said = keys(heard)
    found = []
    for index, option in enumerate(options):
        start = _where(heard, folded, said, option, [o for i, o in enumerate(options) if i != index])
        if start is not None:
            found.append((index, start))
    return sorted(found, key=lambda item: item[1])


def _where(heard: str, folded: str, said: Tuple[str, ...], option: str,
           others: Sequence[str]) -> Optional[int]:
    """Where the option, or its longest part (≥ 2 characters) no other option shares, is heard —
    by its characters or, for a homophone, by its folded pinyin."""
    option = _WEEK.sub(r"星期\1", clean(option).replace(" ", ""))
    if not option:
        return None
    for text in (heard, folded):
        for form in (option, fold_words(option)):
            if form in text:
                return text.find(form) if text is heard else max(0, heard.find(form[:1]))
    sounds = keys(option)
    other_sounds = [" ".join(keys(clean(o).replace(" ", ""))) for o in others]
    spoken = " ".join(said)
    for size in range(len(option), 1, -1):
        for begin in range(0, len(option) - size + 1):
            part = option[begin:begin + size]
            sound = " ".join(sounds[begin:begin + size])
            if any(part in o for o in others) or any(sound in o for o in other_sounds):
                continue
            if part in heard:
                return heard.find(part)
            at = _syllable_at(said, sounds[begin:begin + size])
            if at is not None and sound in spoken:
                return at
    return None


def _syllable_at(said: Tuple[str, ...], sounds: Tuple[str, ...]) -> Optional[int]:
    for i in range(len(said) - len(sounds) + 1):
        if said[i:i + len(sounds)] == sounds:
            return i
    return None
