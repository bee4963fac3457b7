"""Services (体检, 送餐, 用车, 理发, 保洁): ask what and when, read back, confirm, submit."""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from typing import Optional

from intents.schema import IntentId, Parse

from .. import say
from ..clock import Clock
from ..phrases import name
from ..phrases import say as phrase
from ..records import ServiceRequest
from ..store import Store
from .answer import CONFIRM, PART_HOURS, SLOT, Answer, Ask, Item, choose, slot_date

_LOGGER = logging.getLogger(__name__)

SERVICES = ("checkup", "meal", "transport", "haircut", "housekeeping")


def spoken_when(day: date, when: Optional[str], now: datetime, dated: bool = False) -> str:
    """'明天上午', '12月3号 星期四 下午三点'; when is HH:MM, a part of day or None."""
    spoken = say.day_name(day, now.date(), dated)
    sep = " " if " " in spoken else ""
    if not when:
        return spoken
    if ":" in when:
        return spoken + sep + say.clock_time(time.fromisoformat(when))
    return spoken + sep + name("part_of_day", when)


def sort_time(when: Optional[str]) -> time:
    """Where a request sorts within its day: its HH:MM, the start of its part of day, or midnight."""
    if when and ":" in when:
        return time.fromisoformat(when)
    return time(PART_HOURS[when][0]) if when in PART_HOURS else time(0)


def request(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'我要预约明天上午体检' → confirm → a pending request (等社区确认)."""
    now = clock.now()
    slots = dict(parse.slots)
    service = slots.get("service")
    if service not in SERVICES:
        return Answer(phrase("service.ask_which"), Ask(SLOT, IntentId.SERVICE_BOOK, slots, "service"))
    day = slot_date(slots)
    if day is None:
        return Answer(phrase("service.ask_day"), Ask(SLOT, IntentId.SERVICE_BOOK, slots, "date"))
    when = slots.get("time") or slots.get("part_of_day")
    dated = bool(slots.get("corrected")) and not slots.get("confirmed")  # a corrected day: with its date
    spoken = spoken_when(day, when, now, dated)
    service_name = name("service.names", service)
    if not slots.get("confirmed"):
        return Answer(phrase("service.confirm", when=spoken, service=service_name),
                      Ask(CONFIRM, IntentId.SERVICE_BOOK, slots))
    store.add_service(service, day, when, now)
    return Answer(phrase("service.done", service=service_name))


def cancel(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'体检我不去了' → the open request of that service (which, if two) → read back → a cancellation op
    that the community sees on its services page."""
    now = clock.now()
    slots = parse.slots
    service = str(slots.get("service") or "")
    wanted = [r for r in store.services() if r.day >= now.date()
              and (r.id == slots["request_id"] if slots.get("request_id") else r.service == service)]
    day = slot_date(slots)
    if day is not None and not slots.get("request_id"):
        wanted = [r for r in wanted if r.day == day] or wanted
    service_name = name("service.names", service) if service in SERVICES else "服务"
    if not wanted:
        return Answer(phrase("service.cancel_none", service=service_name))
    if len(wanted) > 1:
        items = tuple(Item("service", r.id, _label(r, now),
                           date=r.day.isoformat(), time=r.time if r.time and ":" in r.time else "")
                      for r in wanted[:3])
        return choose(IntentId.BOOKING_CANCEL, "request_id", items, {"service": service})
    request = wanted[0]
    when = spoken_when(request.day, request.time, now, dated=bool(slots.get("corrected")))
    service_name = name("service.names", request.service)
    if not slots.get("confirmed"):
        ask = Ask(CONFIRM, IntentId.BOOKING_CANCEL, {"request_id": request.id, "service": request.service})
        return Answer(phrase("service.cancel_confirm", when=when, service=service_name), ask)
    store.cancel_service(request.id, now)
    return Answer(phrase("service.cancelled", when=when, service=service_name))


def _label(request: ServiceRequest, now: datetime) -> str:
    """'明天上午的体检', how a request is named in '您是说A，还是B？'."""
    return spoken_when(request.day, request.time, now) + "的" + name("service.names", request.service)
