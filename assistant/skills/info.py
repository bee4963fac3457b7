"""Time and date, volunteer points, announcements, family messages and emergencies."""

from __future__ import annotations

import logging

from intents.schema import IntentId, Parse

from .. import say
from ..clock import Clock
from ..phrases import say as phrase
from ..store import Store
from .activities import page
from .answer import SLOT, Answer, Ask

_LOGGER = logging.getLogger(__name__)


def time_now(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'现在几点' → '现在是下午三点半，11月29号 星期日。'"""
    now = clock.now()
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
    """'有没有留言' → unheard family messages, then they count as heard."""
    items = store.unheard_messages()
    if not items:
        return Answer(phrase("message.none"))
    store.mark_heard(m.id for m in items)
    lines = [phrase("message.item", sender=m.peer, text=m.text.rstrip("。")) for m in items]
    return Answer("；".join(lines) + "。")


def send_message(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'告诉女儿我今天不回去吃饭' → an outbox op for the family page."""
    slots = dict(parse.slots)
    to = str(slots.get("to") or phrase("message.default_to"))
    if not slots.get("content"):
        ask = Ask(SLOT, IntentId.MESSAGE_SEND, slots, "content")
        return Answer(phrase("message.ask_content", to=to), ask)
    text = str(slots["content"])
    store.send_message(to, text, clock.now())
    return Answer(phrase("message.sent", to=to, text=text))


def emergency(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'救命' / '我摔倒了' → answer at once, urgent outbox op, no confirmation."""
    store.record_emergency(parse.text, clock.now())
    return Answer(phrase("emergency.help"), urgent=True)
