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

from rapidfuzz import fuzz

from .lexical import fold as fold_words
from .normalize import clean, phrases
from .pinyin import keys

_LOGGER = logging.getLogger(__name__)
ANY, NONE = "any", "none"
Choice = Union[int, str]

_ANY = re.compile(r"都(?:可以|得|行|好|ok|OK|中意|钟意|喜欢|冇问题|没问题|随便)"
                  r"|随便|冇所谓|无所谓|没所谓|都一样|边个都|哪个都|任何一个|全部都")
_NONE = re.compile(r"唔知|不知道|不晓得|唔清楚|说不准|讲唔定|唔想答|不想答|唔答|不答|唔选|不选"
                   r"|冇意见|没意见|(?:我|都)(?:唔|不)(?:去|参加|要|想去|想要|中意|喜欢)"
                   r"|(?:唔|不)感兴趣|冇兴趣|没兴趣|一个都(?:唔|不)"
                   r"|(?:^|，)(?:唔|不)(?:去|参加|要)(?:喇|啦|了|嘞|喔|啊)?(?:，|$)")
_QUESTION = re.compile(r"[吗？?]|(.)(?:唔|不)\1|几远|几钱|几多钱|点去|点样|怎么|怎样"
                       r"|什么|乜|咩|边度|哪里|系咪|是不是")
_CORRECTED = re.compile(r"(?:(?:唔系|不是|唔啱|不对|错咗|错了|讲错)[，啊呀喔唔系不是]*)+")
_CLAUSE = re.compile(r"[，,。.！!；;\s]+")
_REFUSING = re.compile(r"太(?:远|早|迟|晚|夜|贵|热|冻|冷|累|辛苦|挤|难|长|短|多人|嘈|甜|咸|油|腻|硬)"
                       r"|去过|唔得|不得|不行|唔去|不去|唔要|不要|唔好|不好|唔系|不是|冇时间|没时间|唔得闲"
                       r"|生日|返工|上班|唔中意|不喜欢|唔钟意|我要|要去|有事|起唔到|起不|睇唔到|唔想|不想"
                       r"|唔郁|行唔|去唔到|唔掂|唔方便|不方便|唔惯|不惯|食唔|吃不|怕")
"""A clause that turns its option down: 白云山太远喇 / 三点我要瞓晏觉 / 自助餐就唔好啦."""
_CHOSEN_END = re.compile(r"(?:啦|吧|啰|喇|嘞|呀|啊|喔|先|好|得)$")
"""A clause that ends as a choice does (盆菜啦): a reason after it does not turn it down."""
_NUMBERS = {"一": 1, "1": 1, "头": 1, "二": 2, "两": 2, "2": 2, "三": 3, "3": 3, "四": 4, "4": 4}
_ORDINAL = re.compile(r"第\s*([一二两三四1-4])|([一二两三四1-4])\s*(?:号|个|项|种|嗰个|那个)"
                      r"|头(?:一)?(?:个|嗰个)|^([一二两三四1-4])(?:啦|吧|呀|啊)?$")
_CLOSE = 85
"""rapidfuzz partial_ratio of the option's folded pinyin within the answer's, for a near-homophone."""
_WEEK = re.compile(r"(?:周|礼拜|星期)([一二三四五六日天1-7])")
_LAST = re.compile(r"最后(?:一|嗰|那)?(?:个|项|种)|尾(?:嗰|那)个")


def read_choice(text: str, options: Sequence[str]) -> Optional[Choice]:
    """The option number (1-based), ANY, NONE, or None when the answer chooses nothing clearly."""
    heard = _WEEK.sub(r"星期\1", _joined(text))
    if not heard or not options:
        return None
    options = [_WEEK.sub(r"星期\1", clean(o).replace(" ", "")) for o in options]
    fixed = list(_CORRECTED.finditer(heard))
    if fixed and heard[fixed[-1].end():].strip("，"):
        # 第二个 唔系唔系 第三个: what comes after the last correction word
        again = read_choice(heard[fixed[-1].end():].strip("，"), options)
        if again is not None:
            return again
    chosen: List[int] = []
    refused: List[int] = []
    last: List[int] = []
    for clause in filter(None, _CLAUSE.split(heard)):
        named = [index for index, _ in _options_named(clause, fold_words(clause), options)]
        if not named:
            if last and _REFUSING.search(clause):  # 年廿八要煮饭拜神 冇时间: the reason goes on
                refused += last
                chosen = [i for i in chosen if i not in last]
            last = []
            continue
        if _REFUSING.search(clause) or _QUESTION.search(clause):
            refused += named  # 白云山太远喇 / 三点我要瞓晏觉 / 陈家祠远唔远
            last = []
        else:
            chosen += [i for i in named if i not in chosen]
            last = [] if _CHOSEN_END.search(clause) else named
    left = [i for i in chosen if i not in refused]
    if len(left) == 1:
        return left[0] + 1
    if len(left) >= 2:
        return ANY if _ANY.search(heard) else None
    if chosen or refused:
        return None  # only options refused or asked about
    close = _options_named(heard, fold_words(heard), options, fuzzy=True)
    if len(close) == 1 and not _REFUSING.search(heard) and not _QUESTION.search(heard):
        return close[0][0] + 1
    return _without_option(heard, len(options))


def _without_option(heard: str, count: int) -> Optional[Choice]:
    """No option named: 唔知 / 都可以 / 第二个 / 最后嗰个, or nothing."""
    folded = fold_words(heard)
    if _NONE.search(heard) or _NONE.search(folded):
        return NONE
    if _ANY.search(heard) or _ANY.search(folded):
        return ANY
    if _QUESTION.search(heard):
        return None
    if _LAST.search(heard):
        return count
    number = _ORDINAL.search(heard)
    if number:
        digit = next((g for g in number.groups() if g), "一")
        value = _NUMBERS.get(digit, 1)
        return value if value <= count else None
    return None


def _joined(text: str) -> str:
    """The words with the senior's pauses as commas; a recogniser's word-by-word spacing removed."""
    return "，".join(c for c in (clean(p) for p in phrases(text)) if c)


def _options_named(heard: str, folded: str, options: Sequence[str],
                   fuzzy: bool = False) -> List[Tuple[int, int]]:
    """(option index, where it starts in heard) of each option heard, in the order said."""
    said = keys(heard)
    found = []
    for index, option in enumerate(options):
        start = _where(heard, folded, said, option, [o for i, o in enumerate(options) if i != index])
        if start is not None:
            found.append((index, start))
    if fuzzy and not found:  # 盘菜 heard for 盆菜: one option alone close enough in sound
        spoken = " ".join(said)
        close = [i for i, option in enumerate(options)
                 if 2 <= len(option) <= len(said)
                 and fuzz.partial_ratio(" ".join(keys(option)), spoken) >= _CLOSE]
        if len(close) == 1:
            found.append((close[0], 0))
    return sorted(found, key=lambda item: item[1])


def _where(heard: str, folded: str, said: Tuple[str, ...], option: str,
           others: Sequence[str]) -> Optional[int]:
    """Where the option, or its longest part (≥ 2 characters) no other option shares, is heard —
    by its characters or, for a homophone, by its folded pinyin."""
    if not option:
        return None
    for text in (heard, folded):
        for form in (option, fold_words(option)):
            if form in text:
                return text.find(form) if text is heard else max(0, heard.find(form[:1]))
    sounds = keys(option)
    other_sounds = [" ".join(keys(o)) for o in others]
    spoken = " ".join(said)
    for size in range(len(option), 1, -1):
        for begin in range(0, len(option) - size + 1):
            part = option[begin:begin + size]
            sound = " ".join(sounds[begin:begin + size])
            if any(part in o for o in others) or any(sound in o for o in other_sounds):
                continue
            if part in heard:
                return heard.find(part)
            if part in folded:  # 下昼 heard, 下午 in the option
                return max(0, min(len(heard) - 1, folded.find(part)))
            at = _syllable_at(said, sounds[begin:begin + size])
            if at is not None and sound in spoken:
                return at
    return None


def _syllable_at(said: Tuple[str, ...], sounds: Tuple[str, ...]) -> Optional[int]:
    for i in range(len(said) - len(sounds) + 1):
        if said[i:i + len(sounds)] == sounds:
            return i
    return None
