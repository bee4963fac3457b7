"""A fragment read as the answer to the speaker's open question ("几点？" → "九点啦").

On its own "九点啦" is no request at all; said after "几点提醒您吃药？" it is the time of that reminder.
The caller names what it is waiting for as ``intent/slot`` (``reminder.create/time``); the fragment is
parsed inside the sentence the question came from (the carrier, ``data/zh/carriers.yaml``) and only
the slots the senior actually spoke are kept: the carrier's own words (提醒我做事) and the days the
time rules would fill in (a bare 九点 has no spoken date) are the dialog's to add, not the words'.

A reading of its own wins whenever the utterance has one: a new request (明天有什么活动), a yes or no,
a correction, an emergency. Only an utterance that means nothing alone, or a bare name or time that
would otherwise be read as a question about it (书法班 → activity.query), becomes the answer.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Callable, Dict, Optional

import yaml

from intents.normalize import normalize, phrases
from intents.schema import Catalog, IntentId, Parse
from intents.templates import DATA_DIR
from intents.timeparse import parse_time

CARRIERS_FILE = DATA_DIR / "carriers.yaml"
_NEUTRAL = {"content": "做事", "service": "体检", "to": "女儿"}
"""What fills a carrier's other placeholders when the caller does not know them."""
_FRAGMENT_READINGS = (IntentId.UNKNOWN, IntentId.ACTIVITY_QUERY)
"""Readings a bare name or time gets alone that an answer replaces: 书法班 → a question about it."""
_QUESTION = re.compile(r"吗|什么|几点|几号|哪|多少|有没有|有冇|点样|咩|乜|边个|边度|几时|呢")
_TRAILING = re.compile(r"(?:的|那个|嗰个|那场|嗰场|嘅|那次|啦|喇|吧|啊|呀|咯|嘞|囉|罗)+$")
_SPAN = re.compile(r"点.*[到至]")
"""从八点到晚上八点: the bounds of an interval reminder, not one time."""
_KEYS = {"anchor": ("anchor",), "to": ("to",), "repeat": ("repeat", "date"),
         "time": ("time", "part_of_day", "anchor", "offset_min", "date"),
         "date": ("date", "date_range", "part_of_day"), "content": ("content",), "service": ("service",),
         "activity_id": ("activity_id", "category")}
"""Which slots answer which question: 'which day?' is answered by 听日下昼 too."""
_TIME_WORDS = {"date": "date", "date_range": "date_range", "time": "clock", "part_of_day": "part_of_day"}

Parser = Callable[..., Parse]


_TASKS = ("skill.offer/skill", "help.request/content")
"""Answers that are a task in a few words, often with a reason after a pause."""
_WHEN = re.compile(r"听日|明天|后日|后天|今日|今天|朝早|早上|上午|中午|晏昼|下昼|下午|晚上|夜晚"
                   r"|点|号|礼拜|星期")
_FILLER = re.compile(r"^(?:嗯|呃|啊|哦|唔|嗰个|那个|就是|即系|…|\.)+$")


def _task_said(text: str) -> str:
    """The task in an answer said with pauses: '包粽子 端午就快到喇' → 包粽子; '嗯 太极 太极拳' → 太极拳 (said
    again in full); '呃 厕所个水箱一直漏水 帮我整下个水箱' → 整下个水箱 (the part that asks)."""
    chunks = [c for c in phrases(text) if not _FILLER.match(c.strip("…"))]
    if len(chunks) < 2:
        return text
    asking = [c for c in chunks if re.match(r"(?:帮我|帮下我|帮手)", c)]
    if asking:
        return re.sub(r"^(?:帮我|帮下我|帮手)", "", asking[-1])
    first = chunks[0]
    later = [c for c in chunks[1:] if c.startswith(first) and len(c) > len(first)]
    when = [c for c in chunks[1:] if _WHEN.search(c)]  # 陪我去街市买餸 听日朝早: the time stays
    return " ".join([later[0] if later else first, *when])


@lru_cache(maxsize=1)
def _carriers() -> Dict[str, str]:
    with open(CARRIERS_FILE, encoding="utf-8") as handle:
        return {str(k): str(v) for k, v in (yaml.safe_load(handle) or {}).items()}


def carrier(key: str) -> Optional[str]:
    """The carrier sentence of a question, e.g. 'activity.book/activity_id' → '报名{answer}'; None if none."""
    return _carriers().get(key)


def expecting_key(value: str) -> str:
    """Check an ``intent/slot`` name; ValueError with the known names when there is no such carrier."""
    if value not in _carriers() and value != "poll.answer/choice":
        known = ", ".join(sorted([*_carriers(), "poll.answer/choice"]))
        raise ValueError(f"no carrier for {value!r}; known: {known}")
    return value


def read_answer(text: str, alone: Parse, expecting: str, now: datetime, catalog: Optional[Catalog],
                parse: Parser, fill: Optional[Dict[str, str]] = None) -> Optional[Parse]:
    """The fragment as the answer to `expecting`, or None when it is not one (the reading alone stands).

    alone: the utterance parsed without context. fill: the pending request's own words for the
    carrier's other placeholders (content, service); neutral words otherwise.
    """
    template = carrier(expecting)
    if template is None:
        return None
    intent_name, slot = expecting.split("/", 1)
    intent = IntentId(intent_name)
    readings = _FRAGMENT_READINGS + ((IntentId.SERVICE_BOOK,) if slot == "anchor" else ()) + (
        (IntentId.REMINDER_ACK,) if slot == "content" else ())  # 食药 answering 提醒您做什么？
    every = tuple(k for keys in _KEYS.values() for k in keys)
    wanted = every if slot == "correct" else _KEYS.get(slot, (slot,))
    if alone.intent is intent and any(alone.slots.get(k) for k in wanted):
        return None  # the request said again, with the answer in it
    if alone.intent is IntentId.REMINDER_ACK and re.search(r"了|过|完|咗", text):
        return None  # 食咗药 is taken, not a new thing to be reminded of
    if alone.intent not in readings and alone.intent is not intent:
        return None  # ('晚饭' answering 是哪顿饭？ is the meal, not a meal service)
    answer = normalize(_task_said(text) if expecting in _TASKS else text).core
    if alone.intent is not IntentId.UNKNOWN and _QUESTION.search(answer):
        return None  # '书法班几点开始' is a question, not the answer '书法班'
    answer = _TRAILING.sub("", answer) or answer
    words = dict(_NEUTRAL, **(fill or {}))
    if intent is IntentId.REMINDER_CREATE and _SPAN.search(answer):
        window = parse((carrier("reminder.create/window") or "").format(answer=answer, **words), now, catalog)
        if window.slots.get("from") and window.slots.get("until"):
            return Parse(text=alone.text, intent=intent,
                         slots={"from": window.slots["from"], "until": window.slots["until"]}, confidence=0.9)
    inside = parse(template.format(answer=answer, **words), now, catalog)
    if inside.intent is not intent:
        return None
    own = parse(template.format(answer="", **words), now, catalog).slots
    slots = {k: v for k, v in inside.slots.items() if v not in (None, "", []) and own.get(k) != v}
    spoken = parse_time(answer, now)
    for key, attr in _TIME_WORDS.items():
        if key in slots and not getattr(spoken, attr):
            slots.pop(key)  # filled in by the time rules, not said: 九点 has no date
    if slot == "anchor":
        slots = {k: v for k, v in slots.items() if k == "anchor"}  # the meal; 饭后 was said before
    if not any(k in slots for k in wanted):
        return None
    return Parse(text=alone.text, intent=intent, slots=slots, confidence=min(inside.confidence, 0.9))
