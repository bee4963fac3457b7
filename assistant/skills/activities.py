"""Activities: what is on, signing up, cancelling, and 'my schedule'."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any, Dict, List, Optional, Tuple

from intents.schema import Activity, IntentId, Parse

from .. import say
from ..clock import Clock
from ..phrases import name
from ..phrases import say as phrase
from ..records import Booking
from ..store import Store
from .answer import CONFIRM, MORE, SLOT, Answer, Ask, in_part_of_day, slot_date, slot_time
from .services import sort_time, spoken_when

_LOGGER = logging.getLogger(__name__)

PAGE = 3
"""At most three items per answer, then '还有N个，要继续听吗？'."""
DEFAULT_DAYS = 7
"""'有什么活动' without a date looks this many days ahead."""
SLOT_LENGTH = timedelta(hours=1)
"""Two bookings closer than this clash (activities carry no end time)."""


def _window(slots: Dict[str, Any], now: datetime) -> Tuple[datetime, datetime, str]:
    """(from, to, spoken label) for the date/date_range slots; never earlier than now."""
    day = slot_date(slots)
    if day is not None:
        start = datetime.combine(day, datetime.min.time())
        return max(start, now), start + timedelta(days=1), say.day_name(day, now.date())
    span = slots.get("date_range")
    if span:
        first, last = date.fromisoformat(span[0]), date.fromisoformat(span[1])
        start = datetime.combine(first, datetime.min.time())
        return max(start, now), datetime.combine(last, datetime.min.time()) + timedelta(days=1), "这几天"
    return now, now + timedelta(days=DEFAULT_DAYS), "最近"


def _matching(store: Store, slots: Dict[str, Any], now: datetime,
              text: str = "") -> Tuple[List[Activity], str]:
    """Activities matching the slots; titles named in text (八段锦) narrow the list further."""
    start, end, label = _window(slots, now)
    # '有太极拳吗' names one session (activity_id); the question is about all sessions of it.
    named = store.activity(str(slots["activity_id"])) if slots.get("activity_id") else None
    category = slots.get("category")
    at = slot_time(slots)
    found = [a for a in store.activities(since=start, until=end)
             if (not category or a.category == category)
             and in_part_of_day(a.start, slots.get("part_of_day"))
             and (at is None or a.start.time() == at)
             and (named is None or a.title == named.title)]
    if text:
        titles = {title for title in store.activity_titles(since=now) if title in text}
        if titles:
            found = [a for a in found if a.title in titles]
    return found, label


def _item(act: Activity, now: datetime) -> str:
    key = "activity.item" if act.place else "activity.item_noplace"
    return phrase(key, moment=say.moment(act.start, now), title=act.title, place=act.place)


def page(items: List[str], offset: int, intent: IntentId, slots: Dict[str, Any],
         head: str = "") -> Answer:
    """Say items[offset:offset+3] after head; ask '还有N个' when more are left."""
    shown = items[offset:offset + PAGE]
    text = head + "；".join(shown) + "。"
    left = len(items) - offset - len(shown)
    if left <= 0:
        return Answer(text)
    more = dict(slots, offset=offset + PAGE)
    return Answer(text + phrase("activity.more", count=left), Ask(MORE, intent, more))


def query(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'明天上午有什么活动' → the soonest three with time and place."""
    now = clock.now()
    found, label = _matching(store, parse.slots, now)
    named = store.activity(str(parse.slots["activity_id"])) if parse.slots.get("activity_id") else None
    what = named.title if named is not None else parse.slots.get("category") or ""
    if not found:
        text = phrase("activity.none_named" if named else "activity.none", when=label, what=what)
        later = _next_like(store, parse.slots, named, now) if (named or what) else None
        return Answer(text + (phrase("activity.next", item=_item(later, now)) if later else ""))
    offset = int(parse.slots.get("offset") or 0)
    intro = "activity.intro_named" if named is not None else "activity.intro"
    head = "" if offset else phrase(intro, when=label, count=len(found), what=what)
    items = [_item(a, now) for a in found]
    return page(items, offset, IntentId.ACTIVITY_QUERY, dict(parse.slots), head)


def _next_like(store: Store, slots: Dict[str, Any], named: Optional[Activity],
               now: datetime) -> Optional[Activity]:
    """'下周三有书法课吗' with none that day: the soonest session of that title (or category) after it."""
    _, end, _ = _window(slots, now)
    since = max(end, now)
    for act in store.activities(since=since, until=since + timedelta(days=DEFAULT_DAYS * 2)):
        if (named is not None and act.title == named.title) or \
                (named is None and act.category == slots.get("category")):
            return act
    return None


def _find_target(parse: Parse, store: Store, now: datetime) -> Optional[Activity]:
    activity_id = parse.slots.get("activity_id")
    if activity_id and store.activity(str(activity_id)) is not None:
        return store.activity(str(activity_id))
    found, _ = _matching(store, parse.slots, now, parse.text)
    return found[0] if found else None


def _open_bookings(store: Store, now: datetime) -> List[Tuple[Booking, Activity]]:
    pairs = []
    for booking in store.bookings():
        act = store.activity(booking.activity_id)
        if act is not None and act.start >= now - SLOT_LENGTH:
            pairs.append((booking, act))
    return pairs


def _obstacle(act: Activity, store: Store, now: datetime) -> Optional[str]:
    """Why act cannot be booked (spoken), or None."""
    moment = say.moment(act.start, now)
    if act.start <= now:
        return phrase("book.started", title=act.title)
    for _booking, other in _open_bookings(store, now):
        if other.id == act.id:
            return phrase("book.already", moment=moment, title=act.title)
        if abs(other.start - act.start) < SLOT_LENGTH:
            return phrase("book.clash", moment=say.moment(other.start, now), other=other.title)
    if store.seats_left(act.id) == 0:
        return phrase("book.full", moment=moment, title=act.title)
    return None


def _offer_next(act: Activity, store: Store, now: datetime) -> Answer:
    """The next bookable session (same title first, else same category), as a yes/no offer."""
    later = [a for a in store.activities(since=max(now, act.start)) if a.id != act.id]
    same_title = [a for a in later if a.title == act.title]
    same_category = [a for a in later if a.category == act.category and a.title != act.title]
    for other in same_title + same_category:
        if _obstacle(other, store, now) is None:
            text = phrase("book.offer_next", title=other.title, moment=say.moment(other.start, now),
                          place=other.place or "社区")
            return Answer(text, Ask(CONFIRM, IntentId.ACTIVITY_BOOK, {"activity_id": other.id}))
    return Answer(phrase("book.no_next", category=act.category))


def book(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'报名明天的太极拳' → read back, confirm, then a pending booking (等社区确认)."""
    now = clock.now()
    slots = parse.slots
    if not any(slots.get(k) for k in ("activity_id", "category", "date", "time", "part_of_day")):
        return Answer(phrase("book.ask_which"), Ask(SLOT, IntentId.ACTIVITY_BOOK, dict(slots), "activity_id"))
    act = _find_target(parse, store, now)
    if act is None:
        return Answer(phrase("book.not_found"))
    obstacle = _obstacle(act, store, now)
    if obstacle is not None:
        offer = _offer_next(act, store, now)
        return Answer(obstacle + offer.text, offer.ask)
    if not slots.get("confirmed"):
        text = phrase("book.confirm", moment=say.moment(act.start, now), place=act.place or "社区",
                      title=act.title)
        return Answer(text, Ask(CONFIRM, IntentId.ACTIVITY_BOOK, {"activity_id": act.id}))
    store.add_booking(act.id, now)
    return Answer(phrase("book.done", title=act.title))


def cancel(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'取消明天的太极拳' → read back, confirm, cancel (with an outbox op)."""
    now = clock.now()
    slots = parse.slots
    pairs = [(b, a) for b, a in _open_bookings(store, now) if a.start >= now]
    if not pairs:
        return Answer(phrase("cancel.none"))
    if slots.get("booking_id"):
        pairs = [(b, a) for b, a in pairs if b.id == slots["booking_id"]]
    else:
        filtered = _filter_pairs(pairs, slots)
        if filtered is None:
            if len(pairs) > 1:
                return Answer(phrase("cancel.ask_which"),
                              Ask(SLOT, IntentId.BOOKING_CANCEL, dict(slots), "activity_id"))
        else:
            pairs = filtered
    if not pairs:
        return Answer(phrase("cancel.not_found"))
    booking, act = pairs[0]
    if not slots.get("confirmed"):
        text = phrase("cancel.confirm", moment=say.moment(act.start, now), title=act.title)
        return Answer(text, Ask(CONFIRM, IntentId.BOOKING_CANCEL, {"booking_id": booking.id}))
    store.cancel_booking(booking.id, now)
    return Answer(phrase("cancel.done", title=act.title))


def _filter_pairs(pairs: List[Tuple[Booking, Activity]],
                  slots: Dict[str, Any]) -> Optional[List[Tuple[Booking, Activity]]]:
    """Bookings matching the slots; None when the slots name nothing to filter by."""
    keys = ("activity_id", "category", "date", "time", "part_of_day")
    if not any(slots.get(k) for k in keys):
        return None
    day, at = slot_date(slots), slot_time(slots)
    return [(b, a) for b, a in pairs
            if (not slots.get("activity_id") or a.id == slots["activity_id"])
            and (not slots.get("category") or a.category == slots["category"])
            and (day is None or a.start.date() == day)
            and (at is None or a.start.time() == at)
            and in_part_of_day(a.start, slots.get("part_of_day"))]


def schedule(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'我报了哪些活动' → bookings and service requests still ahead, soonest first."""
    now = clock.now()
    entries: List[Tuple[datetime, str]] = []
    for booking, act in _open_bookings(store, now):
        if act.start >= now:
            status = phrase(f"status.{booking.status.value}")
            entries.append((act.start, phrase("schedule.booking", moment=say.moment(act.start, now),
                                              title=act.title, status=status)))
    for req in store.services():
        if req.day >= now.date():
            when = spoken_when(req.day, req.time, now)
            entries.append((datetime.combine(req.day, sort_time(req.time)), phrase(
                "schedule.service", when=when, service=name("service.names", req.service),
                status=phrase(f"status.{req.status.value}"))))
    if not entries:
        return Answer(phrase("schedule.none"))
    entries.sort(key=lambda e: e[0])
    offset = int(parse.slots.get("offset") or 0)
    head = "" if offset else phrase("schedule.intro", count=len(entries))
    return page([text for _, text in entries], offset, IntentId.BOOKING_LIST, dict(parse.slots), head)

