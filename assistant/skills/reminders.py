"""Reminders by voice: create (read back, confirm), list, cancel."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any, Dict, List, Optional

from intents.schema import IntentId, Parse

from .. import say
from ..clock import Clock
from ..phrases import say as phrase
from ..records import Reminder
from ..recurrence import next_due, validate_rule
from ..store import Store
from .activities import CHOICES, page
from .answer import CONFIRM, SLOT, Answer, Ask, Item, choose, slot_date, slot_time

_LOGGER = logging.getLogger(__name__)


def spoken_when(reminder: Reminder, due: Optional[datetime], now: datetime, dated: bool = False) -> str:
    """'每天早上八点' for a repeating reminder, '明天下午三点' for a one-shot
    (dated, in a read-back: '明天3月8号下午三点')."""
    if reminder.repeat:
        return say.repeat_rule(reminder.repeat) + say.clock_time(reminder.at)
    when = due or datetime.combine(reminder.start_date, reminder.at)
    return say.moment(when, now, dated)


_NUM = "零〇一二两三四五六七八九十百"
_TIME_WORDS = re.compile(
    r"每天|每日|每晚|每朝|天天|每个?(?:星期|礼拜|周)[一二三四五六日天1-7、,，]*|逢?(?:星期|礼拜|周)[一二三四五六日天1-7、,，]+"
    r"|工作日|大后天|后天|明天|听日|明日|明早|明晚|今天|今日|今晚|今早|今朝"
    r"|凌晨|早上|上午|中午|下午|晚上|傍晚|朝早|晏昼|下昼|夜晚|夜里|早晨"
    rf"|[\d{_NUM}]+月[\d{_NUM}]+[号日]|[\d{_NUM}]+[号日](?=[^本子]|$)"
    rf"|每隔[\d{_NUM}半]*个?(?:分钟|小时|钟头?|钟)|[\d{_NUM}半]+个?(?:分钟|小时|钟头|钟)(?:以?后|之后)?"
    rf"|[\d{_NUM}]+[点點](?:钟|半|一刻|三刻|[\d{_NUM}]+分?)?|\d+[:：]\d+|饭后|饭前|睡前|睡觉前|起床后"
    r"|[0-9]+")
_NARRATION = re.compile(r"我这个|记性|医生(?:说|讲|话)|因为|所以|不然|否则|怕|老是|总是|成日|唔记得|"
                        r"忘记|忘了|年纪大|越来越|我个人|我跟你讲|你知道")
_ACTION = re.compile(r"吃|食|喝|饮|去|打|量|测|买|拿|带|交|关|开|看|做|洗|浇|接|送|复诊|换|收|晒|煲|倒|"
                     r"出门|锻炼|散步|睡|起身|起床|叫|给|还|缴|充|取|领")
_LEAD = re.compile(r"^(?:请|麻烦|记得|记住|要|你|您|帮我|给我|提醒我|提醒|叫我|我要|我|就|再|到时候?|"
                   r"准时|按时|的)+")
_TAIL = re.compile(r"(?:的|了|吧|啊|呀|喔|哦|啦|嘛|呢|先|一下|一声|哈)+$")
SHORT_CONTENT = 10
"""Reminder content longer than this (after cleaning) gets '提醒您做什么？用几个字说'."""


def clean_content(text: str) -> str:
    """What to be reminded of, as few words: times, dates, digits and narration stripped.

    '老伴下午3点吃药' → '老伴吃药'; '我这个记性越来越差了医生说要按时吃药' → '吃药'.
    """
    text = re.sub(r"[\s，。,.！!？?；;、：:…~～\"'“”]+", "", text)
    text = _TIME_WORDS.sub("", text)
    marker = _NARRATION.search(text)
    if marker is not None:
        before = text[:marker.start()]
        if _ACTION.search(before):
            text = before
        else:
            actions = list(_ACTION.finditer(text, marker.end()))
            text = text[actions[-1].start():] if actions else ""
    for _ in range(2):
        text = _TAIL.sub("", _LEAD.sub("", text))
    return text


ANCHOR_WORDS = {"breakfast": "早饭", "lunch": "午饭", "dinner": "晚饭", "bed": "睡觉", "wake": "起床"}
_MEALS = (("breakfast", re.compile(r"早饭|早餐|早茶|早上|朝早|早")),
          ("lunch", re.compile(r"午饭|中午|午餐|晏昼|中饭")),
          ("dinner", re.compile(r"晚饭|晚餐|晚上|夜饭|晚")))


def meal_of(text: str) -> Optional[str]:
    """'早饭' / '中午那顿' → breakfast / lunch; None if no meal is named."""
    for anchor, pattern in _MEALS:
        if pattern.search(text):
            return anchor
    return None


def _routine(store: Store) -> Any:
    """The household routine (assistant.routine), or None while that module is not installed."""
    try:
        from ..routine import load_routine  # type: ignore[import-not-found,attr-defined,unused-ignore]
    except ImportError:
        return None
    try:
        return load_routine(store)
    except Exception:  # a broken routine must not stop a reminder: ask for a clock time instead
        _LOGGER.exception("cannot load the household routine")
        return None


def _anchored(slots: Dict[str, Any], store: Store) -> Optional[Answer]:
    """Turn anchor/offset_min or every_min into clock times (slots changed in place); an Answer
    when something must be asked first."""
    if slot_time(slots) is not None or slots.get("times"):
        return None
    anchor, offset, every = slots.get("anchor"), slots.get("offset_min"), slots.get("every_min")
    if not anchor and offset is None and not every:
        return None
    routine = _routine(store)
    if routine is None:  # no routine on this device: a clock time instead
        for key in ("anchor", "offset_min", "every_min", "from", "until"):
            slots.pop(key, None)
        return None
    if offset is not None and not anchor and not every:
        return Answer(phrase("reminder.ask_meal"), Ask(SLOT, IntentId.REMINDER_CREATE, dict(slots), "anchor"))
    try:
        if every:
            bounds = [time.fromisoformat(slots[k]) if slots.get(k) else None for k in ("from", "until")]
            series = [t.strftime("%H:%M") for t in routine.series(int(every), bounds[0], bounds[1])]
        else:
            slots["time"] = routine.time_for(str(anchor), int(offset or 0)).strftime("%H:%M")
            return None
    except (ValueError, TypeError):  # an anchor or span the routine cannot place: ask for a time
        _LOGGER.exception("routine cannot place anchor %r offset %r every %r", anchor, offset, every)
        for key in ("anchor", "offset_min", "every_min", "from", "until", "time"):
            slots.pop(key, None)
        return None
    if not series:
        return Answer(phrase("reminder.ask_time"), Ask(SLOT, IntentId.REMINDER_CREATE, dict(slots), "time"))
    slots["times"] = series
    slots["time"] = series[0]
    slots.setdefault("repeat", "daily")
    return None


def _anchor_words(slots: Dict[str, Any]) -> str:
    """'早饭后，' / '睡觉前，' for a reminder tied to the routine; '' otherwise."""
    anchor = slots.get("anchor")
    if not anchor or anchor not in ANCHOR_WORDS:
        return ""
    offset = int(slots.get("offset_min") or 0)
    side = "后" if offset > 0 else "前" if offset < 0 else "时"
    return ANCHOR_WORDS[anchor] + side + "，"


def create(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'每天早上八点提醒我吃降压药' → '每天早上八点提醒您吃降压药，对吗？' → saved."""
    now = clock.now()
    slots: Dict[str, Any] = dict(parse.slots)
    if slots.get("content"):
        cleaned = clean_content(str(slots["content"]))
        if cleaned != slots["content"]:
            slots["content"] = cleaned
    if not slots.get("content"):
        slots.pop("content", None)
        return Answer(phrase("reminder.ask_content"), Ask(SLOT, IntentId.REMINDER_CREATE, slots, "content"))
    if len(str(slots["content"])) > SHORT_CONTENT and not slots.get("content_asked"):
        ask = dict(slots, content_asked=True)
        ask.pop("content")
        return Answer(phrase("reminder.ask_short"), Ask(SLOT, IntentId.REMINDER_CREATE, ask, "content"))
    question = _anchored(slots, store)
    if question is not None:
        return question
    at = slot_time(slots)
    if at is None:
        return Answer(phrase("reminder.ask_time"), Ask(SLOT, IntentId.REMINDER_CREATE, slots, "time"))
    repeat = validate_rule(slots.get("repeat"))
    day = slot_date(slots)
    if day is None:
        day = now.date() if repeat or at > now.time() else now.date() + timedelta(days=1)
        slots["date"] = day.isoformat()
    times = [time.fromisoformat(t) for t in slots.get("times") or [at.strftime("%H:%M")]]
    draft = Reminder(id="", content=str(slots["content"]), at=at, start_date=day, repeat=repeat,
                     active=True, created_at=now)
    first = next_due(draft, now)
    if repeat and first is not None and first.date() > day and len(times) == 1:
        # 每日朝早七点 said at 07:05: it starts tomorrow, its first occurrence — never one already past.
        day = first.date()
        slots["date"] = day.isoformat()
    if len(times) > 1:
        when = phrase("reminder.series", first=say.clock_time(times[0]), last=say.clock_time(times[-1]),
                      count=len(times))
    else:
        dated = bool(slots.get("corrected")) and not slots.get("confirmed")
        when = _anchor_words(slots) + spoken_when(draft, first, now, dated)
    if first is None and len(times) == 1:
        return Answer(phrase("reminder.past", when=when))
    if not slots.get("confirmed"):
        return Answer(phrase("reminder.confirm", when=when, content=draft.content),
                      Ask(CONFIRM, IntentId.REMINDER_CREATE, slots))
    for each in times:
        store.add_reminder(draft.content, each, day, repeat, now)
    return Answer(phrase("reminder.set", when=when, content=draft.content))


def _upcoming(store: Store, now: datetime) -> List[Reminder]:
    """Active reminders that will still fire, soonest first."""
    pairs = [(next_due(r, now), r) for r in store.reminders()]
    live = [(due, r) for due, r in pairs if due is not None]
    live.sort(key=lambda p: p[0])
    return [r for _, r in live]


def _spoken_order(reminders: List[Reminder]) -> List[Reminder]:
    """How a list of reminders is said: the repeating ones by time of day, then the one-off ones
    soonest first — the order people count in when they answer '第一个'."""
    repeating = sorted((r for r in reminders if r.repeat), key=lambda r: r.at)
    return repeating + [r for r in reminders if not r.repeat]


def reminder_ref(reminder: Reminder, now: datetime) -> Item:
    due = next_due(reminder, now)
    when = spoken_when(reminder, due, now)
    return Item("reminder", reminder.id, f"{when}{reminder.content}的提醒",
                due.date().isoformat() if due else "", reminder.at.strftime("%H:%M"), reminder.content)


def list_all(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'我有哪些提醒' → the repeating ones by time of day (每天早上八点… before 每天下午四点半…, the order
    people expect when they answer '第一个'), then the one-off ones soonest first; then '还有N个'."""
    now = clock.now()
    items = _spoken_order(_upcoming(store, now))
    if not items:
        return Answer(phrase("reminder.none"))
    lines = [phrase("reminder.item", when=spoken_when(r, next_due(r, now), now), content=r.content)
             for r in items]
    offset = int(parse.slots.get("offset") or 0)
    head = "" if offset else phrase("reminder.intro", count=len(items))
    return page(lines, offset, IntentId.REMINDER_LIST, dict(parse.slots), head,
                [reminder_ref(r, now) for r in items])


def _subsequence(short: str, long: str) -> bool:
    """'吃药' names '吃降压药': every character of short appears in long, in order."""
    chars = iter(long)
    return all(char in chars for char in short)


_VERB = re.compile(r"^(?:吃|喝|食|饮|服|去|做|打|买|量|洗|煲|睇|看)")


def _names(content: str, reminder_content: str) -> bool:
    """'吃药' names '吃降压药' and '喝中药' (the thing, whatever the verb); '去银行' is not '去医院'."""
    if _subsequence(content, reminder_content) or _subsequence(reminder_content, content):
        return True
    thing, other = _VERB.sub("", content), _VERB.sub("", reminder_content)
    return bool(thing and other) and (_subsequence(thing, other) or _subsequence(other, thing))


def _shares_word(content: str, reminder_content: str) -> bool:
    """'去复诊医生改了期' and '去医院复诊' share 复诊: two characters of the thing, side by side in both."""
    thing, other = _VERB.sub("", content), _VERB.sub("", reminder_content)
    pairs = {thing[i:i + 2] for i in range(len(thing) - 1)}
    return any(other[i:i + 2] in pairs for i in range(len(other) - 1))


def _matches(reminder: Reminder, slots: Dict[str, Any]) -> bool:
    content = str(slots.get("content") or "")
    at = slot_time(slots)
    if content and not _names(content, reminder.content):
        return False
    return at is None or reminder.at == at


def _choice_label(reminder: Reminder, now: datetime, same_content: bool) -> str:
    """'吃降压药的' when the contents differ, '每天早上八点吃药的' when they do not."""
    if same_content:
        return spoken_when(reminder, next_due(reminder, now), now) + reminder.content + "的"
    return reminder.content + "的"


def cancel(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'取消吃药的提醒' → confirm → cancelled (with an outbox op); two that fit → which one?"""
    now = clock.now()
    slots = dict(parse.slots)
    items = _upcoming(store, now)
    if slots.get("reminder_id"):
        items = [r for r in items if r.id == slots["reminder_id"]]
    elif slots.get("content") or slots.get("time"):
        matched = [r for r in items if _matches(r, slots)]
        at = slot_time(slots)
        if not matched and at is not None and at.hour % 12:
            # 九点嗰个 said at 10:00 reads as 21:00; the 09:00 reminder is the one meant if no 21:00 one
            other = at.replace(hour=(at.hour + 12) % 24)
            matched = [r for r in items if _matches(r, dict(slots, time=other.strftime("%H:%M")))]
        if not matched and slots.get("content"):
            # the content as said carries a remark (去复诊 医生改咗期): a reminder whose words it shares
            # is the one meant when it is the only one — read back before anything is cancelled
            at = slot_time(slots)
            near = [r for r in items if _shares_word(str(slots["content"]), r.content)
                    and (at is None or r.at == at)]
            matched = near if len(near) == 1 else []
        items = matched
    elif slots.get("candidates"):
        items = [r for r in items if r.id in slots["candidates"]] or items
    if not items:
        return Answer(phrase("reminder.not_found") if slots else phrase("reminder.none"))
    if len(items) > 1:
        if len(items) > CHOICES:
            return Answer(phrase("reminder.cancel_which"),
                          Ask(SLOT, IntentId.REMINDER_CANCEL, {}, "content"))
        same = len({r.content for r in items}) < len(items)
        items = _spoken_order(items)
        refs = tuple(replace(reminder_ref(r, now), label=_choice_label(r, now, same)) for r in items)
        return choose(IntentId.REMINDER_CANCEL, "reminder_id", refs, {})
    target = items[0]
    if not slots.get("confirmed"):
        when = spoken_when(target, next_due(target, now), now)
        return Answer(phrase("reminder.cancel_confirm", when=when, content=target.content),
                      Ask(CONFIRM, IntentId.REMINDER_CANCEL, {"reminder_id": target.id}))
    store.cancel_reminder(target.id, now)
    return Answer(phrase("reminder.cancelled", content=target.content))
