"""志愿帮扶 by voice (issue 16): ask the community's volunteers for a hand, read back, confirm, send."""

from __future__ import annotations

import logging
from datetime import datetime, time
from typing import Optional

from intents.schema import IntentId, Parse

from ..clock import Clock
from ..phrases import say as phrase
from ..store import Store
from .answer import CONFIRM, PART_HOURS, SLOT, Answer, Ask, slot_date
from .services import spoken_when

_LOGGER = logging.getLogger(__name__)

WHAT_MAX = 16
"""A longer 'what' is asked again in a few words: the volunteer reads it on a phone."""


def request(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'我想搵个人帮我换个灯泡' → '帮您请社区志愿者来换个灯泡，对吗？' → a help.request op."""
    now = clock.now()
    slots = dict(parse.slots)
    what = str(slots.get("content") or "").strip()
    if not what or len(what) > WHAT_MAX:
        slots.pop("content", None)
        return Answer(phrase("help.ask_what"), Ask(SLOT, IntentId.HELP_REQUEST, slots, "content"))
    day = slot_date(slots)
    when = slots.get("time") or slots.get("part_of_day")
    spoken = spoken_when(day, when, now) if day is not None else ""
    if not slots.get("confirmed"):
        return Answer(phrase("help.confirm", when=spoken, what=_to_you(what)),
                      Ask(CONFIRM, IntentId.HELP_REQUEST, slots))
    store.add_help_request(what, _wanted_at(day, when), now)
    return Answer(phrase("help.sent", what=_to_you(what)))


def _to_you(what: str) -> str:
    """The senior's words said back to them, after 来 unless they say where to go: 换灯泡 → 来换灯泡,
    陪我去医院 → 陪您去医院 (the volunteer reads them as said)."""
    said = what.replace("我们", "您").replace("我", "您")
    return said if said.startswith(("去", "陪", "来", "过来")) else "来" + said


def _wanted_at(day: Optional[object], when: Optional[str]) -> Optional[datetime]:
    """The local time the senior would like the help: the clock said, else the start of the part of day."""
    if day is None:
        return None
    if when and ":" in when:
        return datetime.combine(day, time.fromisoformat(when))  # type: ignore[arg-type]
    hour = PART_HOURS[when][0] if when in PART_HOURS else 9
    return datetime.combine(day, time(max(hour, 8)))  # type: ignore[arg-type]
