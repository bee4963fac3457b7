"""技能教学 by voice (issue 16): the senior offers to teach a skill, and hears how many signed up for
what they teach."""

from __future__ import annotations

import logging
from typing import List

from intents.schema import IntentId, Parse

from .. import say
from ..clock import Clock
from ..phrases import say as phrase
from ..store import Store
from .answer import CONFIRM, SLOT, Answer, Ask

_LOGGER = logging.getLogger(__name__)

SKILL_MAX = 12
"""A longer skill is asked again in a few words: staff read it as the name of a class."""


def offer(parse: Parse, store: Store, clock: Clock) -> Answer:
    """'我会写毛笔字，可以教大家' → '您会写毛笔字，愿意教大家，我帮您告诉社区，好吗？' → a skill.offer op."""
    slots = dict(parse.slots)
    skill = str(slots.get("skill") or "").strip()
    if not skill or len(skill) > SKILL_MAX:
        slots.pop("skill", None)
        return Answer(phrase("skill.ask_what"), Ask(SLOT, IntentId.SKILL_OFFER, slots, "skill"))
    if not slots.get("confirmed"):
        slots.setdefault("said", parse.text)
        return Answer(phrase("skill.confirm", skill=skill), Ask(CONFIRM, IntentId.SKILL_OFFER, slots))
    store.offer_skill(skill, str(slots.get("said") or parse.text), clock.now())
    return Answer(phrase("skill.sent", skill=skill))


def taught_counts(store: Store, clock: Clock) -> List[str]:
    """'您教的毛笔字班，下个星期三上午十点，已经有5个人报名了。' for each class ahead this elder teaches."""
    now = clock.now()
    teaching = set(store.teaching())
    if not teaching:
        return []
    out = []
    for act in store.activities(since=now):
        if act.id in teaching:
            out.append(phrase("skill.count", title=act.title, moment=say.moment(act.start, now),
                              taken=store.taken(act.id)))
    return out
