"""Pronunciation front end: reply text → what the speech engine is given.

Stages, each a function of the one before (`FrontEnd.prepare` runs them all; docs/audio.md shows
one reply through every stage):

1. **clean** — full-width forms folded (NFKC), emoji, web addresses and e-mail addresses dropped;
2. **numerals** — every Arabic number becomes Chinese words: 2个 → 两个, 3点 → 三点,
   12月3号 → 十二月三号, 15:30 → 十五点三十, 50% → 百分之五十, ￥20 → 二十元, 25℃ → 二十五度,
   phone numbers digit by digit in groups (1 → 幺); two numbers never run together (a pause
   mark goes between them); symbols become words (& → 和) or go; Latin words are spelled letter
   by letter (OK → O K), said as Chinese (audio/data/pronounce_zh.yaml) or dropped;
3. **pauses** — punctuation normalised to Chinese marks (each one a pause in espeak-ng), a space
   between Chinese words becomes a comma (12月3号 星期四 → …三号，星期四), runs of marks collapse;
4. **reading** — for a voice that reads pinyin (audio/data/voices.yaml), Chinese characters
   become tone-numbered pinyin by phrase (pypinyin's phrase dictionary: 银行 yin2 hang2,
   行长 hang2 zhang3), with the product's words from the override table; tone sandhi is left to
   the engine (espeak-ng applies 3-3 sandhi itself). A voice that reads characters natively
   gets them unchanged.

The text is then cut into segments after 。！？； — each is synthesised on its own and followed
by a short silence (`Segment.pause`): longer after a sentence, shorter after a list item.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Callable, Dict, List, Match, Optional, Sequence, Tuple

import yaml

from .errors import SpeechError

_LOGGER = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parent / "data"
VOICES_FILE = DATA / "voices.yaml"
TABLE_FILE = DATA / "pronounce_zh.yaml"

PAUSE_RATE = 130
"""Segment pauses are given in seconds at this rate (wpm) and stretch when speech is slower."""
SENTENCE_PAUSE = 0.25
"""Silence added after 。！？ (on top of espeak-ng's own ~0.48 s at 130 wpm)."""
ITEM_PAUSE = 0.2
"""Silence added after ； — between the items of a list (espeak-ng's own: ~0.36 s at 130 wpm)."""

PINYIN = "pinyin"
HANZI = "hanzi"

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef\u3007"
_HAN_RE = re.compile(f"[{_HAN}]")
_YI1 = "\ue01a"
"""Stands for 一 read yi1 (an hour: 一点 as one o'clock, not 'a little'); becomes 一 for Hanzi voices."""
_DOT = "\ue01b"
"""A decimal point while numerals are converted (so 三点六五元 is not taken for a time); becomes 点."""
_CN_DIGITS = "零一二三四五六七八九"
_CN_NUMERAL = "零一二三四五六七八九十两百千万亿" + _YI1
_SENTENCE_MARKS = "。！？"
_PAUSE_MARKS = "。！？；：，、"
_MARK_STRENGTH = {"。": 5, "！": 5, "？": 5, "；": 4, "：": 3, "，": 2, "、": 1}


# ----------------------------------------------------------------------------- voices


@dataclass(frozen=True)
class VoiceSpec:
    """A configured voice and what it reads (from audio/data/voices.yaml)."""

    name: str
    """The configured id (settings voice.voice), e.g. cmn."""
    engine: str
    """The espeak-ng voice the engines get, e.g. cmn-latn-pinyin."""
    reads: str
    """PINYIN or HANZI."""
    lang: str
    """The voice's own phoneme language in `espeak-ng -x` output, e.g. cmn."""


@lru_cache(maxsize=1)
def _voices() -> Dict[str, Dict[str, str]]:
    with open(VOICES_FILE, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{VOICES_FILE}: expected a mapping of voice ids")
    return {str(k).lower(): dict(v) for k, v in data.items()}


def known_voices() -> Tuple[str, ...]:
    """Every voice id with a declared input."""
    return tuple(_voices())


def voice_spec(name: str) -> VoiceSpec:
    """What `name` reads; SpeechError naming the table when the voice is not declared there."""
    entry = _voices().get(name.strip().lower())
    if entry is None:
        raise SpeechError(
            f"voice {name!r}: not declared in {VOICES_FILE.name} (whether it reads pinyin or Chinese "
            f"characters); known: {', '.join(known_voices())} — set voice.voice = cmn or declare it there")
    reads = str(entry.get("reads", ""))
    if reads not in (PINYIN, HANZI):
        raise SpeechError(f"voice {name!r} in {VOICES_FILE.name}: reads must be {PINYIN} or {HANZI}")
    return VoiceSpec(name, str(entry.get("engine") or name), reads, str(entry.get("lang") or name))


# ----------------------------------------------------------------------------- override table


@dataclass(frozen=True)
class Table:
    """The override table (audio/data/pronounce_zh.yaml)."""

    words: Dict[str, Tuple[str, ...]]
    """Word → one syllable per character."""
    latin: Dict[str, str]
    """Lower-case Latin word → Chinese words."""
    longest: int = 0
    """Characters in the longest word."""

    @staticmethod
    def load(path: Path = TABLE_FILE) -> "Table":
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
        words: Dict[str, Tuple[str, ...]] = {}
        for word, reading in (data.get("words") or {}).items():
            syllables = tuple(str(reading).split())
            if len(syllables) != len(str(word)) or not all(_SYLLABLE.fullmatch(s) for s in syllables):
                raise ValueError(f"{path.name}: {word}: {reading!r} needs one tone-numbered syllable "
                                 f"per character")
            words[str(word)] = syllables
        latin = {str(k).lower(): str(v) for k, v in (data.get("latin") or {}).items()}
        return Table(words, latin, max((len(w) for w in words), default=0))


_SYLLABLE = re.compile(r"[a-zü]+[1-5]|[a-z]+")


@lru_cache(maxsize=1)
def default_table() -> Table:
    return Table.load()


# ----------------------------------------------------------------------------- stage 1: clean

_KEYCAP = re.compile("[0-9#*]\ufe0f?\u20e3")
_URL = re.compile(r"(?:https?://|www\.)[^\s,;!?()<>\"'\u3000-\u303f\uff00-\uffef" + _HAN + r"]+",
                  re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_DOMAIN = re.compile(r"(?<![A-Za-z0-9.-])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:com|cn|net|org|gov|edu)"
                     r"(?:/[!-~]*)?(?![A-Za-z0-9-])", re.IGNORECASE)


def clean(text: str) -> str:
    """Full-width forms folded, emoji keycaps, web and e-mail addresses dropped."""
    text = text.replace("…", "。").replace("⋯", "。").replace("〇", "零")
    text = text.replace("℃", "°C").replace("℉", "°F")
    text = _KEYCAP.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    return _DOMAIN.sub(" ", text)


# ----------------------------------------------------------------------------- stage 2: numerals

_MEASURE = ("个 位 名 人 场 次 回 遍 趟 项 件 条 张 本 块 元 角 毛 斤 两 克 公斤 千克 瓶 盒 包 袋 "
            "片 粒 颗 杯 碗 份 套 双 对 只 头 天 周 星期 礼拜 年 岁 小时 钟头 分钟 秒 点 刻 层 倍 "
            "种 样 句 声 步 台 辆 间 家 户 所 首 节 堂 门 道 支 把 元钱 块钱 万 千 百 亿 米 公里 "
            "里 滴 勺 口 顿 餐 下 圈 组 针 剂 贴 格 桶 箱 毫升 升 毫克 厘米 毫米 平方米 平米 周岁").split()
_MEASURE_RE = "|".join(sorted(_MEASURE, key=len, reverse=True))
_PHONE_CONTEXT = "电话|热线|拨打|拨|打|致电|联系|号码|手机|座机|呼叫"
_NUM = r"\d+(?:\.\d+)?"


def _digitwise(digits: str, one: str = "一") -> str:
    return "".join(one if d == "1" else _CN_DIGITS[int(d)] for d in digits if d.isdigit())


def _grouped(digits: str, one: str) -> str:
    """Digits read one by one in groups of 3–4, a pause between groups (13812345678 → 3-4-4)."""
    digits = "".join(d for d in digits if d.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        groups = [digits[:3], digits[3:7], digits[7:]]
    elif len(digits) <= 5:
        groups = [digits]
    elif len(digits) <= 7:
        groups = [digits[:3], digits[3:]]
    else:
        head = len(digits) % 4 or 4
        groups = [digits[:head]] + [digits[i:i + 4] for i in range(head, len(digits), 4)]
    return "，".join(_digitwise(g, one) for g in groups)


def number(digits: str, before: str = "") -> str:
    """Chinese reading of a decimal number: 2 → 二 (两 before a measure word), 2000 → 两千, 3.50 → 三点五."""
    import cn2an

    if "." in digits:
        whole, frac = digits.split(".", 1)
        frac = frac.rstrip("0")
        head = number(whole or "0")
        return head + (_DOT + _digitwise(frac) if frac else "")
    if len(digits) > 1 and digits.startswith("0"):
        return _digitwise(digits)
    if len(digits) > 12:
        return _digitwise(digits)
    text = str(cn2an.an2cn(digits, "low"))
    if text == "二":
        return "两" if before and re.match(_MEASURE_RE, before) else "二"
    if text[:2] in ("二千", "二万", "二亿", "二百"):
        text = "两" + text[1:]
    return text


def _hour(hour: int) -> str:
    if hour == 1:
        return _YI1
    if hour == 2:
        return "两"
    return number(str(hour))


def _minutes(minutes: int) -> str:
    if minutes == 0:
        return ""
    if minutes < 10:
        return "零" + _CN_DIGITS[minutes]
    return number(str(minutes))


def _clock(hour: int, minutes: int) -> str:
    return _hour(hour) + "点" + _minutes(minutes)


def _valid_time(hour: str, minutes: str) -> bool:
    return 0 <= int(hour) <= 24 and 0 <= int(minutes) <= 59


_Rule = Tuple["re.Pattern[str]", Callable[[Match[str]], Optional[str]]]


def _time(m: Match[str]) -> Optional[str]:
    if not _valid_time(m["h"], m["m"]):
        return None
    return _clock(int(m["h"]), int(m["m"]))


def _time_range(m: Match[str]) -> Optional[str]:
    if not (_valid_time(m["h1"], m["m1"]) and _valid_time(m["h2"], m["m2"])):
        return None
    return _clock(int(m["h1"]), int(m["m1"])) + "到" + _clock(int(m["h2"]), int(m["m2"]))


def _ampm(m: Match[str]) -> Optional[str]:
    hour, minutes = int(m["h"]), int(m["m"] or 0)
    if not (1 <= hour <= 12 and minutes <= 59):
        return None
    half = m["ap"].lower().replace(".", "")
    return ("上午" if half == "am" else "下午") + _clock(hour, minutes)


def _full_date(m: Match[str]) -> Optional[str]:
    month, day = int(m["mo"]), int(m["d"])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    tail = "号" if m["end"] == "号" else "日"
    return _digitwise(m["y"]) + "年" + number(str(month)) + "月" + number(str(day)) + tail


def _month_day(m: Match[str]) -> Optional[str]:
    month, day = int(m["mo"]), int(m["d"])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return number(str(month)) + "月" + number(str(day)) + m["end"]


def _mobile(m: Match[str]) -> str:
    return _grouped(m["n"], "幺")


def _landline(m: Match[str]) -> str:
    return _digitwise(m["area"], "幺") + "，" + _grouped(m["n"], "幺")


def _phone_in_context(m: Match[str]) -> str:
    return m["ctx"] + _grouped(m["n"], "幺")


def _temperature(m: Match[str]) -> str:
    value = number(m["n"])
    return ("零下" if m["neg"] else "") + value + "度"


def _percent(m: Match[str]) -> str:
    return ("负" if m["neg"] else "") + ("千分之" if m["sign"] == "‰" else "百分之") + number(m["n"])


def _money(m: Match[str]) -> str:
    unit = "美元" if m["cur"] == "$" else "元"
    return number(m["n"], unit) + unit


def _fraction(m: Match[str]) -> Optional[str]:
    if not 0 < int(m["a"]) < int(m["b"]) <= 100:
        return None  # 135/85 is a blood pressure, not a fraction: read as two numbers
    return number(m["b"]) + "分之" + number(m["a"])


def _ratio(m: Match[str]) -> str:
    return number(m["a"]) + "比" + number(m["b"])


def _range(m: Match[str]) -> Optional[str]:
    if int(float(m["a"])) >= int(float(m["b"])):
        return None  # 8-3: not a range
    return number(m["a"]) + "到" + number(m["b"], m["after"]) + m["after"]


def _code(m: Match[str]) -> str:
    return "，".join(_digitwise(part, "幺") for part in re.split(r"\D+", m.group(0)) if part)


def _letters_code(m: Match[str]) -> str:
    return _grouped(m.group(0), "幺")


_UNITS = {"kg": "公斤", "g": "克", "mg": "毫克", "km": "公里", "m": "米", "cm": "厘米", "mm": "毫米",
          "ml": "毫升", "l": "升"}


def _unit(m: Match[str]) -> str:
    return number(m["n"], "个") + _UNITS[m["u"].lower()]


def _year(m: Match[str]) -> str:
    return _digitwise(m["y"]) + "年"


def _hour_word(m: Match[str]) -> Optional[str]:
    hour = int(m["h"])
    return _hour(hour) if hour <= 24 else None  # 点 stays in the text


def _hour_minutes(m: Match[str]) -> Optional[str]:
    hour, minutes = int(m["h"]), int(m["m"])
    if m["end"] == "分钟" or hour > 24 or minutes > 59:
        return None
    return _hour(hour) + "点" + (_minutes(minutes) or "零") + "分"


def _room(m: Match[str]) -> str:
    return _digitwise(m["n"], "幺") + m["end"]


def _ordinal(m: Match[str]) -> str:
    return "第" + number(m["n"])


def _negative(m: Match[str]) -> str:
    return "负" + number(m["n"])


def _plain(m: Match[str]) -> str:
    digits, after = m["n"], m["after"]
    if "." not in digits and len(digits) >= 5 and not after:
        return _grouped(digits, "一")
    return number(digits, after) + after


_UNIT_AFTER = rf"(?P<after>(?:{_MEASURE_RE})?)"

_RULES: Tuple[_Rule, ...] = (
    (re.compile(r"(?<![\d.])(?:\+?86[- ]?)?(?P<n>1[3-9]\d[- ]?\d{4}[- ]?\d{4})(?![\d])"), _mobile),
    (re.compile(r"(?<![\d.])\(?(?P<area>0\d{2,3})(?:\)\s*|[- ])(?P<n>\d{7,8})(?!\d)"), _landline),
    (re.compile(rf"(?P<ctx>(?:{_PHONE_CONTEXT})[:：]?\s*)(?P<n>\d{{3,}})(?!\d|\.\d|\s*(?:{_MEASURE_RE}))"),
     _phone_in_context),
    (re.compile(r"(?<![\d-])\d+(?:-\d+){2,}(?![\d-])"), _code),
    (re.compile(r"(?<!\d)(?P<y>\d{4})\s*(?:[-/.]|年)\s*(?P<mo>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})"
                r"\s*(?P<end>[日号]?)(?![\d:])"), _full_date),
    (re.compile(r"(?<![\d.])(?P<h1>\d{1,2}):(?P<m1>\d{2})\s*(?:-|~|—|–|至|到)\s*(?P<h2>\d{1,2}):(?P<m2>\d{2})"
                r"(?!\d)"), _time_range),
    (re.compile(r"(?<![\d.])(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ap>[ap]\.?m\.?)(?![a-z])", re.IGNORECASE),
     _ampm),
    (re.compile(r"(?<![\d.])(?P<h>\d{1,2}):(?P<m>\d{2})(?![\d])"), _time),
    (re.compile(r"(?<![\d.])(?P<mo>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*(?P<end>[日号])"), _month_day),
    (re.compile(r"(?<!\d)(?P<y>\d{4})\s*年"), _year),
    (re.compile(r"(?P<neg>(?<![\w.])-)?(?P<n>\d+(?:\.\d+)?)\s*(?:°\s*C|°|度)"), _temperature),
    (re.compile(r"(?<=[A-Za-z])\d{3,}(?![\d.])"), _letters_code),
    (re.compile(r"(?<![\dA-Za-z.])(?P<n>\d+(?:\.\d+)?)\s*(?P<u>kg|KG|Kg|g|mg|km|cm|mm|ml|mL|ML|m|L)"
                r"(?![A-Za-z])"), _unit),
    (re.compile(r"(?P<neg>(?<![\w.])-)?(?P<n>\d+(?:\.\d+)?)\s*(?P<sign>[%‰])"), _percent),
    (re.compile(r"(?P<cur>[¥$])\s*(?P<n>\d+(?:\.\d+)?)(?:\s*元)?"), _money),
    (re.compile(r"(?<![\d/])(?P<a>\d+)/(?P<b>\d+)(?![\d/])"), _fraction),
    (re.compile(r"(?<![\d:])(?P<a>\d+):(?P<b>\d)(?![\d:])"), _ratio),
    (re.compile(rf"(?<![\d.])(?P<a>\d+)\s*(?:-|~|—|–)\s*(?P<b>\d+)(?![\d.]){_UNIT_AFTER}"), _range),
    (re.compile(r"(?<![\d.])(?P<h>\d{1,2})\s*[点:]\s*(?P<m>\d{1,2})\s*(?P<end>分钟|分)(?!钟)"),
     _hour_minutes),
    (re.compile(r"(?<![\d.])(?P<h>\d{1,2})(?=\s*点)"), _hour_word),
    (re.compile(r"(?<![\d.-])(?P<n>\d{3,4})\s*(?P<end>室|房|号房)"), _room),
    (re.compile(r"第\s*(?P<n>\d+)"), _ordinal),
    (re.compile(r"(?<![\w.])-(?P<n>\d+(?:\.\d+)?)"), _negative),
    (re.compile(rf"(?P<n>\d+(?:\.\d+)?)\s*{_UNIT_AFTER}"), _plain),
)

# A time said in Chinese already (下午一点): 一 is the hour, read yi1 (pypinyin reads 一点 "a little").
_SPOKEN_HOUR_ONE = re.compile(r"(?<=凌晨|早上|上午|中午|下午|晚上|夜里|傍晚|今晚|明早)一(?=点)")
# A time followed at once by a count or a number (八点两片药, 九点三号楼): a pause between them.
_TIME_THEN_NUMBER = re.compile(
    rf"(?<=[点半分])(?=[{_CN_NUMERAL}]+(?:[个片粒颗杯次遍位条件张本块元斤瓶盒包袋份号楼层栋路]|单元))")
_NUMERAL_END = set(_CN_NUMERAL + "点分半号日")
# 4月1日-4月30日, 8-10℃ (after the numbers are words): the dash is 到.
_NUMBER_DASH_NUMBER = re.compile(f"(?<=[{_CN_NUMERAL}日号点分半度])\\s*[-~～—–]\\s*(?=[{_CN_NUMERAL}])")


def numerals(text: str) -> str:
    """Every Arabic number in `text` as Chinese words (see the module doc); two never run together."""
    for regex, convert in _RULES:
        text = regex.sub(partial(_spoken, convert=convert), text)
    text = _SPOKEN_HOUR_ONE.sub(_YI1, text)
    text = _NUMBER_DASH_NUMBER.sub("到", text)
    return _TIME_THEN_NUMBER.sub("，", text).replace(_DOT, "点")


def _spoken(m: Match[str], convert: Callable[[Match[str]], Optional[str]]) -> str:
    spoken = convert(m)
    if spoken is None:
        return m.group(0)
    before = m.string[:m.start()].rstrip(" ")
    # Two numbers side by side (九点3号楼, 2025-03-05 15:30) get a pause between them.
    if before and (before[-1].isdigit() or before[-1] in _NUMERAL_END):
        return "，" + spoken
    return spoken


# ----------------------------------------------------------------------------- symbols and Latin

_SYMBOL_WORDS = {"&": "和", "+": "加", "=": "等于", "×": "乘", "÷": "除以", "°": "度", "№": "第"}
_SYMBOL_PAUSES = set("~-—–|/\\()[]{}<>《》〈〉「」『』【】〔〕（）［］｛｝")
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")


def _latin(word: str, table: Table) -> str:
    said = table.latin.get(word.lower())
    if said is not None:
        return said
    letters = word.replace("'", "").replace("’", "")
    if len(letters) <= 4 or (letters.isupper() and len(letters) <= 6):
        return " " + " ".join(letters.upper()) + " "
    return " "


def words_for_symbols(text: str, table: Table) -> str:
    """Symbols as words or pauses, Latin words spelled or said or dropped, emoji and the rest dropped."""
    text = _LATIN_WORD.sub(lambda m: _latin(m.group(0), table), text)
    out: List[str] = []
    for i, ch in enumerate(text):
        if ch == "/" and _HAN_RE.match(text[i + 1:i + 2]) and text[i + 1] not in _CN_NUMERAL:
            out.append("每")  # 10元/斤 → 十元每斤
        elif ch in _SYMBOL_WORDS:
            out.append(_SYMBOL_WORDS[ch])
        elif ch in _SYMBOL_PAUSES:
            out.append("，")
        elif ch in ",，":
            out.append("，")
        elif ch in ".。":
            out.append("。")
        elif ch in "?？":
            out.append("？")
        elif ch in "!！":
            out.append("！")
        elif ch in ";；":
            out.append("；")
        elif ch in ":：":
            out.append("：")
        elif ch == "、" or ch == _YI1 or _HAN_RE.match(ch) or ("A" <= ch <= "Z"):
            out.append(ch)
        elif ch.isspace():
            out.append(" ")
        # everything else — emoji, quotes, other scripts, marks — is not said
    return "".join(out)


# ----------------------------------------------------------------------------- stage 3: pauses

_SPACE_BETWEEN_HAN = re.compile(f"(?<=[{_HAN}{_YI1}])\\s+(?=[{_HAN}{_YI1}])")
_MARK_RUN = re.compile(f"[{_PAUSE_MARKS}\\s]*[{_PAUSE_MARKS}][{_PAUSE_MARKS}\\s]*")


def pauses(text: str) -> str:
    """A space between Chinese words → ，; runs of marks → the strongest; no mark at the start."""
    text = _SPACE_BETWEEN_HAN.sub("，", text)

    def strongest(m: Match[str]) -> str:
        marks = [c for c in m.group(0) if c in _MARK_STRENGTH]
        return max(marks, key=lambda c: _MARK_STRENGTH[c])

    text = _MARK_RUN.sub(strongest, text)
    text = re.sub(r"\s+", " ", text).strip()
    return text.lstrip(_PAUSE_MARKS + " ")


# ----------------------------------------------------------------------------- stage 4: reading


@dataclass(frozen=True)
class Reading:
    """One character and how it is read."""

    char: str
    syllable: str
    source: str
    """pypinyin (phrase dictionary), table (audio/data/pronounce_zh.yaml) or rule (an hour's 一)."""


@lru_cache(maxsize=8192)
def phrase_pinyin(run: str) -> Tuple[str, ...]:
    """pypinyin's phrase reading of a run of Chinese characters: TONE3, neutral tone 5, one
    syllable per character ('' where it has none). Cached: replies repeat their words."""
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(run, style=Style.TONE3, neutral_tone_with_five=True,
                             errors=_no_reading))  # type: ignore[arg-type]  # a list per character


def _no_reading(chars: str) -> List[str]:
    """pypinyin's answer for characters it has no reading for: '' each, so positions stay aligned."""
    return [""] * len(chars)


def read_han(run: str, table: Table) -> List[Reading]:
    """Pinyin of a run of Chinese characters (one Reading each; '' for a character without one)."""
    plain = run.replace(_YI1, "一")
    base = phrase_pinyin(plain)
    readings = [Reading(c, _engine_syllable(s), "pypinyin") for c, s in zip(plain, base, strict=True)]
    i, longest = 0, table.longest
    while i < len(plain):
        for size in range(min(longest, len(plain) - i), 1, -1):
            syllables = table.words.get(plain[i:i + size])
            if syllables is not None:
                readings[i:i + size] = [Reading(c, s, "table")
                                        for c, s in zip(plain[i:i + size], syllables, strict=True)]
                i += size
                break
        else:
            if run[i] == _YI1:
                readings[i] = Reading("一", "yi1", "rule")
            i += 1
    return readings


def _engine_syllable(syllable: str) -> str:
    """pypinyin's TONE3 syllable as espeak-ng's pinyin voice takes it (ü written v, ê as ei)."""
    return syllable.replace("ü", "v").replace("ê", "ei")


_TOKEN = re.compile(f"(?P<han>[{_HAN}{_YI1}]+)|(?P<letter>[A-Z])|(?P<mark>[{_PAUSE_MARKS}])|(?P<other>.)")


def to_pinyin(text: str, table: Table) -> Tuple[str, List[Reading]]:
    """Engine input for a pinyin voice: syllables and spelled letters apart, marks after a word."""
    words: List[str] = []
    readings: List[Reading] = []
    for m in _TOKEN.finditer(text):
        if m["han"]:
            found = read_han(m["han"], table)
            readings.extend(found)
            words.extend(r.syllable for r in found if r.syllable)
        elif m["letter"]:
            words.append(m["letter"])
        elif m["mark"]:
            if words and words[-1][-1] not in _PAUSE_MARKS:
                words[-1] += m["mark"]
            elif words:
                words[-1] = words[-1][:-1] + max(words[-1][-1], m["mark"], key=lambda c: _MARK_STRENGTH[c])
    return " ".join(words), readings


# ----------------------------------------------------------------------------- the front end


@dataclass(frozen=True)
class Segment:
    """One piece the engine says on its own, then a short silence."""

    text: str
    """What the engine is given."""
    pause: float
    """Silence after it, seconds at PAUSE_RATE (stretched at slower rates)."""
    syllables: int
    """Syllables and spelled letters in it (for the duration estimate)."""
    marks: str
    """The pause marks inside and at the end of it, in order."""


@dataclass(frozen=True)
class Spoken:
    """One text through every stage."""

    text: str
    cleaned: str
    numerals: str
    """After numerals, symbols, Latin words and pauses: the Chinese text that is read."""
    readings: Tuple[Reading, ...]
    """Every Chinese character and its syllable (pinyin voices; empty for Hanzi voices)."""
    segments: Tuple[Segment, ...]

    @property
    def input(self) -> str:
        """Everything the engine is given, segments joined by a space."""
        return " ".join(s.text for s in self.segments)

    @property
    def pinyin(self) -> str:
        """The syllables only, space-separated (pinyin voices)."""
        return " ".join(r.syllable for r in self.readings if r.syllable)


_SEGMENT_END = re.compile(f"(?<=[{_SENTENCE_MARKS}；])")


class FrontEnd:
    """Reply text → engine input for one voice (see the module doc)."""

    def __init__(self, spec: VoiceSpec, table: Optional[Table] = None) -> None:
        self.spec = spec
        self.table = table or default_table()

    @staticmethod
    def for_voice(name: str) -> "FrontEnd":
        """The front end of a configured voice id (SpeechError when it is not declared)."""
        return FrontEnd(voice_spec(name))

    @property
    def engine_voice(self) -> str:
        return self.spec.engine

    def normalise(self, text: str) -> Tuple[str, str]:
        """(cleaned, text after numerals, symbols, Latin words and pauses)."""
        cleaned = clean(text)
        said = pauses(words_for_symbols(numerals(cleaned), self.table))
        return cleaned, said

    def prepare(self, text: str) -> Spoken:
        """`text` through every stage."""
        cleaned, said = self.normalise(text)
        segments: List[Segment] = []
        readings: List[Reading] = []
        for piece in (p.strip() for p in _SEGMENT_END.split(said)):
            if not piece or all(c in _PAUSE_MARKS + " " for c in piece):
                continue
            if self.spec.reads == PINYIN:
                engine, found = to_pinyin(piece, self.table)
                readings.extend(found)
                count = len(engine.split())
            else:
                engine = piece.replace(_YI1, "一")
                count = len(_HAN_RE.findall(engine)) + len(re.findall(r"[A-Z]", engine))
            if not count:
                continue
            end = piece[-1]
            pause = ITEM_PAUSE if end == "；" else SENTENCE_PAUSE
            marks = "".join(c for c in piece if c in _PAUSE_MARKS)
            segments.append(Segment(engine, pause, count, marks))
        return Spoken(text, cleaned, said.replace(_YI1, "一"), tuple(readings), tuple(segments))

    def plain(self, text: str) -> Spoken:
        """The last resort when prepare() fails: Chinese characters and pause marks only, read
        as they are (no numerals, no table) — something sensible is still said."""
        kept = "".join(c if _HAN_RE.match(c) or c in _PAUSE_MARKS else " " for c in text)
        said = pauses(kept)
        if self.spec.reads == PINYIN:
            engine, readings = to_pinyin(said, Table({}, {}))
        else:
            engine, readings = said, []
        segments = (Segment(engine, SENTENCE_PAUSE, len(engine.split()) or 1, ""),) if engine else ()
        return Spoken(text, text, said, tuple(readings), segments)

    def input_for(self, text: str) -> str:
        """Just what the engine is given for `text`."""
        return self.prepare(text).input


# ----------------------------------------------------------------------------- duration

# espeak-ng 1.51, cmn-latn-pinyin, fitted by least squares over the reply templates' segments at
# 80–200 wpm (docs/audio.md): each cost is A + B / rate seconds — a syllable inside a clause, a
# pause mark inside a segment, and the end of a segment (espeak-ng's own final pause); then the
# speaker's Segment.pause. Within ±15 % of the synthesised length (tests/audio/test_audio_pacing.py).
_COST = {
    "syllable": (-0.008, 47.5),
    "，": (-0.096, 45.5), "、": (-0.096, 45.5),
    "：": (-0.095, 74.9), "；": (-0.095, 74.9),
    "。": (-0.095, 74.9), "！": (-0.095, 74.9), "？": (-0.095, 74.9),
    "end。": (-0.2, 83.6), "end；": (-0.2, 68.0), "end，": (-0.159, 92.4),
}


def _cost(kind: str, rate: int) -> float:
    a, b = _COST[kind]
    return max(0.0, a + b / max(1, rate))


def seconds(spoken: Spoken, rate: int) -> float:
    """Estimated length of `spoken` at `rate` wpm, pauses included."""
    total = 0.0
    for segment in spoken.segments:
        total += segment.syllables * _cost("syllable", rate)
        last = segment.text[-1:]
        inner = segment.marks[:-1] if last in _PAUSE_MARKS and segment.marks else segment.marks
        total += sum(_cost(m, rate) for m in inner)
        end = "end；" if last == "；" else "end，" if last in "，、：" else "end。"
        total += _cost(end, rate) + pause_seconds(segment, rate)
    return round(total, 2)


def pause_seconds(segment: Segment, rate: int) -> float:
    """The silence the speaker adds after `segment` at `rate` wpm."""
    return segment.pause * PAUSE_RATE / max(1, rate)


__all__: Sequence[str] = [
    "FrontEnd", "Reading", "Segment", "Spoken", "Table", "VoiceSpec", "clean", "default_table",
    "known_voices", "number", "numerals", "pause_seconds", "pauses", "phrase_pinyin", "read_han", "seconds",
    "to_pinyin", "voice_spec", "words_for_symbols",
]
