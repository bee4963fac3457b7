"""Activities: what is on, signing up, cancelling, and 'my schedule'."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta
from typing import Any, Dict, List, Optional, Tuple

from intents.schema import Activity, IntentId, Parse

from .. import say
from ..clock import Clock
from ..phrases import name
from ..phrases import say as phrase
from ..records import Booking
from ..store import Store
from .answer import (
    CONFIRM,
    MORE,
    SLOT,
    Answer,
    Ask,
    Item,
    choose,
    in_part_of_day,
    slot_date,
    slot_time,
)
from .services import sort_time, spoken_when

_LOGGER = logging.getLogger(__name__)

PAGE = 3
"""At most three items per answer, then '还有N个，要继续听吗？'."""
MAX_CHARS = 60
"""… and at most about this many characters (≈ 12 s of speech) before offering more."""
CHOICES = 3
"""Up to this many items that fit are offered as '您是说…还是…？'; more get '哪一个？'."""
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
        return max(start, now), datetime.combine(last, datetime.min.time()) + timedelta(days=1), \
            _range_name(first, last, now.date())
    return now, now + timedelta(days=DEFAULT_DAYS), "最近"


def _range_name(first: date, last: date, today: date) -> str:
    """'这周' / '下周' / '周末' for the ranges the NLU gives them as, else '这几天'."""
    monday = today - timedelta(days=today.weekday())
    if last == monday + timedelta(days=6) and first <= max(today, monday + timedelta(days=5)):
        return "周末" if first >= monday + timedelta(days=5) else "这周"
    if first == monday + timedelta(days=7) and last == monday + timedelta(days=13):
        return "下周"
    if first == monday + timedelta(days=12) and last == monday + timedelta(days=13):
        return "下周末"
    return "这几天"


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


def _item(act: Activity, now: datetime, one_day: bool = False) -> str:
    """'明天早上八点，太极拳，在社区广场'; one_day: the day was said once already ('早上八点，…')."""
    key = "activity.item" if act.place else "activity.item_noplace"
    when = say.clock_time(act.start.time()) if one_day else say.moment(act.start, now)
    return phrase(key, moment=when, title=act.title, place=act.place)


def activity_ref(act: Activity, now: datetime) -> Item:
    return Item("activity", act.id, f"{say.moment(act.start, now)}的{act.title}",
                act.start.date().isoformat(), act.start.strftime("%H:%M"), act.title)


def _booking_ref(booking: Booking, act: Activity, now: datetime) -> Item:
    return Item("booking", booking.id, f"{say.moment(act.start, now)}的{act.title}",
                act.start.date().isoformat(), act.start.strftime("%H:%M"), act.title)


def page(items: List[str], offset: int, intent: IntentId, slots: Dict[str, Any],
         head: str = "", refs: Optional[List[Item]] = None, same_day: Optional[List[str]] = None) -> Answer:
    """Say items from offset after head — at most PAGE of them and about MAX_CHARS characters
    (always at least one) — and ask '还有N个' when more are left. refs[i] is what items[i] names;
    same_day[i], when given, is items[i] without its day, said when the item before was that day."""
    shown: List[str] = []
    for index in range(offset, min(len(items), offset + PAGE)):
        text = items[index]
        if same_day and index > offset and refs and refs[index].date == refs[index - 1].date:
            text = same_day[index]
        if shown and len(head) + len("；".join(shown + [text])) + 1 > MAX_CHARS:
            break
        shown.append(text)
    text = head + "；".join(shown) + "。"
    listed = tuple(refs[offset:offset + len(shown)]) if refs else ()
    left = len(items) - offset - len(shown)
    if left <= 0:
        return Answer(text, listed=listed)
    more = dict(slots, offset=offset + len(shown))
    return Answer(text + phrase("activity.more", count=left), Ask(MORE, intent, more), listed=listed)


def one_day(days: List[date]) -> Optional[date]:
    """The day when every item falls on it, else None."""
    first = days[0] if days else None
    return first if first is not None and all(d == first for d in days) else None


def query(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'明天上午有什么活动' → the soonest ones with time and place, the day said once."""
    now = clock.now()
    found, label = _matching(store, parse.slots, now)
    named = store.activity(str(parse.slots["activity_id"])) if parse.slots.get("activity_id") else None
    what = named.title if named is not None else parse.slots.get("category") or ""
    missing = _title_missing(parse, store, found, label, now) if named is None and found else None
    if missing is not None:
        return missing
    if not found:
        text = phrase("activity.none_named" if named else "activity.none", when=label, what=what)
        later = _next_like(store, dict(parse.slots, said=parse.text), named, now) if (named or what) else None
        if later is None:
            return Answer(text)
        return Answer(text + phrase("activity.next", item=_item(later, now)),
                      listed=(activity_ref(later, now),))
    offset = int(parse.slots.get("offset") or 0)
    day = one_day([a.start.date() for a in found])
    if day is not None:
        label = say.day_name(day, now.date())
    intro = "activity.intro_named" if named is not None else "activity.intro"
    head = "" if offset else phrase(intro, when=label, count=len(found), what=what)
    if named is not None and len({a.place for a in found}) == 1:
        # Sessions of one title in one place: only the times, the place said once at the start.
        if not offset and found[0].place:
            head = phrase("activity.intro_named_place", when=label, count=len(found), what=what,
                          place=found[0].place)
        items = [say.clock_time(a.start.time()) if day is not None else say.moment(a.start, now)
                 for a in found]
        short = [say.clock_time(a.start.time()) for a in found]
    else:
        items = [_item(a, now, one_day=day is not None) for a in found]
        short = [_item(a, now, one_day=True) for a in found]
    return page(items, offset, IntentId.ACTIVITY_QUERY, dict(parse.slots), head,
                [activity_ref(a, now) for a in found], short)


def _title_missing(parse: Parse, store: Store, found: List[Activity], label: str,
                   now: datetime) -> Optional[Answer]:
    """'听日有冇书法班' with none tomorrow (the NLU gives its category): say so, and when the next one
    is — not the rest of its kind, which never names what was asked about."""
    title = title_said(store, parse.text) if parse.slots.get("category") else ""
    if not title or any(a.title == title for a in found):
        return None
    text = phrase("activity.none_named", when=label, what=title)
    later = _next_like(store, dict(parse.slots, said=parse.text), None, now)
    if later is None:
        return Answer(text)
    return Answer(text + phrase("activity.next", item=_item(later, now)), listed=(activity_ref(later, now),))


def _next_like(store: Store, slots: Dict[str, Any], named: Optional[Activity],
               now: datetime) -> Optional[Activity]:
    """'下周三有书法课吗' with none that day: the soonest session of that title (or category) after it."""
    _, end, _ = _window(slots, now)
    since = max(end, now)
    title = named.title if named is not None else title_said(store, str(slots.get("said") or ""))
    for act in store.activities(since=since, until=since + timedelta(days=DEFAULT_DAYS * 2)):
        if (title and act.title == title) or (not title and act.category == slots.get("category")):
            return act
    return None


_TITLE_TAIL = re.compile(r"(团|班|课堂|课|会|队)$")


def title_said(store: Store, text: str) -> str:
    """The catalog title the senior's words name (合唱 → 合唱团), even when the NLU gave only its category
    because the title has no session on the day asked about ('今晚有冇合唱团' → the next 合唱团, not the
    next of its category)."""
    if not text:
        return ""
    for title in sorted({a.title for a in store.activities()}, key=len, reverse=True):
        short = _TITLE_TAIL.sub("", title)
        if title in text or (len(short) >= 2 and short in text):
            return title
    return ""


def _targets(parse: Parse, store: Store, now: datetime) -> List[Activity]:
    """The activities a sign-up means: the one named, else those matching the slots (narrowed
    to slots['candidates'], the items of the list said last, when some of them fit)."""
    activity_id = parse.slots.get("activity_id")
    if activity_id:
        act = store.activity(str(activity_id))
        if act is not None:
            return [act]
    found, _ = _matching(store, parse.slots, now, parse.text)
    candidates = parse.slots.get("candidates") or ()
    narrowed = [a for a in found if a.id in candidates]
    return narrowed or found


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


def _named_elsewhen(parse: Parse, store: Store, now: datetime) -> Optional[Answer]:
    """'听日有冇剪纸班？我想报' with no 剪纸班 that day: say so and offer its next session (a read-back)."""
    if "corrected" in parse.slots:
        return None  # 唔系 夜晚嗰个跳舞: the correction names what is wanted instead
    day = slot_date(parse.slots) if parse.slots.get("date") else None
    title = title_said(store, parse.text)
    if day is None or not title:
        return None
    later = [a for a in store.activities(since=now) if a.title == title and _obstacle(a, store, now) is None]
    if not later:
        return None
    nxt = min(later, key=lambda a: a.start)
    text = phrase("activity.none_named", when=say.day_name(day, now.date()), what=title) + phrase(
        "book.offer_next", title=nxt.title, moment=say.moment(nxt.start, now), place=nxt.place or "社区")
    return Answer(text, Ask(CONFIRM, IntentId.ACTIVITY_BOOK, {"activity_id": nxt.id}))


def book(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'报名明天的太极拳' → read back, confirm, then a pending booking (等社区确认)."""
    now = clock.now()
    slots = parse.slots
    if not any(slots.get(k) for k in ("activity_id", "category", "date", "time", "part_of_day",
                                      "candidates")):
        return Answer(phrase("book.ask_which"), Ask(SLOT, IntentId.ACTIVITY_BOOK, dict(slots), "activity_id"))
    found = _targets(parse, store, now)
    if not found:
        return _named_elsewhen(parse, store, now) or Answer(phrase("book.not_found"))
    if len(found) > 1:
        keep = {k: v for k, v in slots.items() if k in ("date", "part_of_day", "category")}
        if len(found) <= CHOICES:
            return choose(IntentId.ACTIVITY_BOOK, "activity_id",
                          tuple(activity_ref(a, now) for a in found), keep)
        day = one_day([a.start.date() for a in found])
        when = say.day_name(day, now.date()) if day else "最近"
        return Answer(phrase("book.ask_which_of", when=when, count=len(found)),
                      Ask(SLOT, IntentId.ACTIVITY_BOOK, keep, "activity_id"))
    act = found[0]
    obstacle = _obstacle(act, store, now)
    if obstacle is not None and any(b.activity_id == act.id for b, _ in _open_bookings(store, now)):
        return Answer(obstacle)  # already signed up for it: nothing to offer instead
    if obstacle is not None:
        offer = _offer_next(act, store, now)
        return Answer(obstacle + offer.text, offer.ask)
    if not slots.get("confirmed"):
        moment = say.moment(act.start, now, dated=bool(slots.get("corrected")))
        text = phrase("book.confirm", moment=moment, place=act.place or "社区", title=act.title)
        return Answer(text, Ask(CONFIRM, IntentId.ACTIVITY_BOOK, {"activity_id": act.id}))
    store.add_booking(act.id, now)
    return Answer(phrase("book.done", title=act.title))


def cancel(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'取消明天的太极拳' → read back, confirm, cancel (with an outbox op); two that fit → which?"""
    now = clock.now()
    slots = parse.slots
    if slots.get("request_id") or (slots.get("service") and not slots.get("activity_id")):
        from .services import cancel as cancel_service

        return cancel_service(parse, store, clock)
    pairs = [(b, a) for b, a in _open_bookings(store, now) if a.start >= now]
    if not pairs:
        return Answer(phrase("cancel.none"))
    booked = pairs
    if slots.get("booking_id"):
        pairs = [(b, a) for b, a in pairs if b.id == slots["booking_id"]]
    else:
        filtered = _filter_pairs(pairs, slots, store)
        if filtered is None:
            candidates = slots.get("candidates") or ()
            narrowed = [(b, a) for b, a in pairs if b.id in candidates or a.id in candidates]
            pairs = narrowed or pairs
        else:
            pairs = filtered
    if not pairs:
        return _booked_elsewhen(parse, booked, store, now) or Answer(phrase("cancel.not_found"))
    if len(pairs) > 1:
        keep = {k: v for k, v in slots.items() if k in ("date", "category")}
        if len(pairs) <= CHOICES:
            return choose(IntentId.BOOKING_CANCEL, "booking_id",
                          tuple(_booking_ref(b, a, now) for b, a in pairs), keep)
        return Answer(phrase("cancel.ask_which"), Ask(SLOT, IntentId.BOOKING_CANCEL, keep, "activity_id"))
    booking, act = pairs[0]
    if not slots.get("confirmed"):
        moment = say.moment(act.start, now, dated=bool(slots.get("corrected")))
        text = phrase("cancel.confirm", moment=moment, title=act.title)
        return Answer(text, Ask(CONFIRM, IntentId.BOOKING_CANCEL, {"booking_id": booking.id}))
    store.cancel_booking(booking.id, now)
    return Answer(phrase("cancel.done", title=act.title))


def _booked_elsewhen(parse: Parse, booked: List[Tuple[Booking, Activity]], store: Store,
                     now: datetime) -> Optional[Answer]:
    """'取消后日个太极' when the one 太极拳 booked is tomorrow's: say so and read that one back (a yes
    cancels it; the senior hears the day it really is first)."""
    day = slot_date(parse.slots) if parse.slots.get("date") else None
    named = store.activity(str(parse.slots["activity_id"])) if parse.slots.get("activity_id") else None
    title = named.title if named is not None else title_said(store, parse.text)
    same = [(b, a) for b, a in booked if a.title == title]
    if day is None or not title or len(same) != 1:
        return None
    booking, act = same[0]
    text = phrase("cancel.other_day", when=say.day_name(day, now.date()), title=title,
                  moment=say.moment(act.start, now))
    return Answer(text, Ask(CONFIRM, IntentId.BOOKING_CANCEL, {"booking_id": booking.id}))


def _filter_pairs(pairs: List[Tuple[Booking, Activity]], slots: Dict[str, Any],
                  store: Store) -> Optional[List[Tuple[Booking, Activity]]]:
    """Bookings matching the slots; None when the slots name nothing to filter by.

    An activity_id with no date names a title, not a session: the parser picks the next
    session of '太极拳', but '取消太极拳' with two 太极拳 booked means either of them.
    """
    keys = ("activity_id", "category", "date", "time", "part_of_day", "title")
    if not any(slots.get(k) for k in keys):
        return None
    day, at = slot_date(slots), slot_time(slots)
    title, activity_id = slots.get("title"), slots.get("activity_id")
    if activity_id and day is None and at is None:
        named = store.activity(str(activity_id))
        title, activity_id = (named.title if named else None), (None if named else activity_id)
    return [(b, a) for b, a in pairs
            if (not activity_id or a.id == activity_id)
            and (title is None or a.title == title)
            and (not slots.get("category") or a.category == slots["category"])
            and (day is None or a.start.date() == day)
            and (at is None or a.start.time() == at)
            and in_part_of_day(a.start, slots.get("part_of_day"))]


def schedule(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'我报了哪些活动' → bookings and service requests still ahead, soonest first."""
    now = clock.now()
    entries: List[Tuple[datetime, Tuple[str, str], Item]] = []
    """(sort key, (words with the day, words when the day was said once), what it names)"""
    for booking, act in _open_bookings(store, now):
        if act.start >= now:
            status = phrase(f"status.{booking.status.value}")
            words = tuple(phrase("schedule.booking", moment=when, title=act.title, status=status)
                          for when in (say.moment(act.start, now), say.clock_time(act.start.time())))
            entries.append((act.start, (words[0], words[1]), _booking_ref(booking, act, now)))
    for req in store.services():
        if req.day >= now.date():
            status = phrase(f"status.{req.status.value}")
            service = name("service.names", req.service)
            full = spoken_when(req.day, req.time, now)
            words = tuple(phrase("schedule.service", when=when, service=service, status=status)
                          if when else phrase("schedule.service_anytime", service=service, status=status)
                          for when in (full, _service_time(req.time)))
            at = req.time if req.time and ":" in req.time else ""
            entries.append((datetime.combine(req.day, sort_time(req.time)), (words[0], words[1]),
                            Item("service", req.id, f"{full}的{service}", req.day.isoformat(), at, service)))
    if parse.slots.get("date") or parse.slots.get("date_range"):
        # 我今日报咗啲咩: only that day's (or that week's) plans, not everything ahead.
        start, end, label = _window(parse.slots, now)
        first_day = start.date()
        entries = [e for e in entries if e[0] < end and (e[0] >= start or e[0].date() >= first_day)]
        if not entries:
            return Answer(phrase("schedule.none_when", when=label))
    if not entries:
        return Answer(phrase("schedule.none"))
    entries.sort(key=lambda e: e[0])
    offset = int(parse.slots.get("offset") or 0)
    day = one_day([when.date() for when, _, _ in entries])
    if offset:
        head = ""
    elif day is not None:
        head = phrase("schedule.intro_day", when=say.day_name(day, now.date()), count=len(entries))
    else:
        head = phrase("schedule.intro", count=len(entries))
    return page([words[day is not None] for _, words, _ in entries], offset, IntentId.BOOKING_LIST,
                dict(parse.slots), head, [ref for _, _, ref in entries])


def _service_time(when: Optional[str]) -> str:
    """'下午两点' / '上午' / '' for a request whose day was already said."""
    if not when:
        return ""
    if ":" in when:
        return say.clock_time(datetime.strptime(when, "%H:%M").time())
    return name("part_of_day", when)
