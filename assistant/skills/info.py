"""Time and date, volunteer points, announcements, family messages and emergencies."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from intents.schema import IntentId, Parse

from .. import say
from ..clock import Clock
from ..phrases import say as phrase
from ..store import Store
from .activities import page
from .answer import CONFIRM, SLOT, Answer, Ask, Item, slot_date
from .timesense import day_offset

_LOGGER = logging.getLogger(__name__)


def time_now(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'现在几点' → '现在是下午三点半，11月29号 星期日。'; '明天几号' → '明天是11月30号 星期一。'"""
    now = clock.now()
    day = slot_date(parse.slots)
    if day is None:
        offset = day_offset(parse.text)
        day = now.date() + timedelta(days=offset) if offset else None
    if day is not None and day != now.date():
        return Answer(phrase("time.day", day=say.day_name(day, now.date()), date=say.full_date(day)))
    return Answer(phrase("time.now", time=say.clock_time(now.time()), date=say.full_date(now.date())))


def points(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'我有多少积分' → the balance as last synced."""
    balance = store.points()
    if balance is None:
        return Answer(phrase("points.none"))
    return Answer(phrase("points.balance", points=balance))


def announcements(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'有什么通知' → the latest announcements again, newest first."""
    items = store.announcements(limit=10)
    if not items:
        return Answer(phrase("announce.none"))
    lines = [phrase("announce.urgent" if a.urgent else "announce.new", text=a.text.rstrip("。"))
             for a in items]
    offset = int(parse.slots.get("offset") or 0)
    return page(lines, offset, IntentId.ANNOUNCEMENT_QUERY, dict(parse.slots))


def messages(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'有什么留言' / '再听一次女儿的留言' → the latest family messages, heard ones too, newest
    first (only that sender's when one is named); the unheard ones then count as heard."""
    now = clock.now()
    items = store.messages_in(limit=10)
    named = [m for m in items if m.peer and m.peer in parse.text]
    items = named or items
    if not items:
        return Answer(phrase("message.none"))
    offset = int(parse.slots.get("offset") or 0)
    lines = [phrase("message.item", when=say.day_name(m.created_at.date(), now.date()), sender=m.peer,
                    text=m.text.rstrip("。")) for m in items]
    answer = page(lines, offset, IntentId.MESSAGE_QUERY, dict(parse.slots),
                  refs=[Item("message", m.id, words=m.text) for m in items])
    shown = {ref.id for ref in answer.listed}
    unheard = [m.id for m in items if m.id in shown and not m.heard]
    if unheard:
        store.mark_heard(unheard, now)
    return answer


def send_message(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'告诉女儿我今天不回去吃饭' → an outbox op for the family page."""
    slots = dict(parse.slots)
    if not slots.get("to") and _TO_THEM.search(parse.text):
        heard = [m for m in store.messages_in(1) if m.heard]
        if heard:
            slots["to"] = heard[0].peer  # '同佢讲…' right after hearing 孙女's message: a reply to her
    to = str(slots.get("to") or phrase("message.default_to"))
    if not slots.get("content"):
        ask = Ask(SLOT, IntentId.MESSAGE_SEND, slots, "content")
        return Answer(phrase("message.ask_content", to=to), ask)
    text = _addressed(str(slots["content"]))
    if not slots.get("confirmed"):
        # Read back first: a recogniser's slip in free text would reach the family as written.
        return Answer(phrase("message.confirm", to=to, text=text), Ask(CONFIRM, IntentId.MESSAGE_SEND, slots))
    store.send_message(to, text, clock.now())
    return Answer(phrase("message.sent", to=to))


_TO_THEM = re.compile(r"(?:同|跟|给|对|回|话畀|话俾|回复)(?:佢|他|她)")
_TOLD_THEM = re.compile(r"^(?:话|讲|说|叫|同)?(?:他|她|佢)(?=.)")


def _addressed(text: str) -> str:
    """The message as the family member will read it: '(话)佢今晚唔使嚟' told to 女儿 is about her, so
    she reads '你今晚不用来'."""
    return _TOLD_THEM.sub("你", text, count=1)
