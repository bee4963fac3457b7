"""A household's routine (wake, meals, bed), set by the family; the speaker ties reminders to it.

The defaults are the speaker's own data file (`assistant/data/routine.yaml`), read without
importing the device package, so the family page and a speaker that was never told agree.
"""

from __future__ import annotations

import importlib.util
import logging
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple

import yaml
from sqlalchemy.orm import Session

from ..actors import Actor, ActorKind, get_household
from ..changes import record_change
from ..errors import Forbidden, InvalidInput
from ..models import Entity, HouseholdRoutine

_LOGGER = logging.getLogger(__name__)
ANCHORS = ("wake", "breakfast", "lunch", "dinner", "bed")
"""In the order they come through a day."""
NAMES = {"wake": "起床", "breakfast": "早饭", "lunch": "午饭", "dinner": "晚饭", "bed": "睡觉"}


def _defaults_file() -> Path:
    spec = importlib.util.find_spec("assistant")
    if spec is None or spec.origin is None:
        raise RuntimeError("the assistant package (its data/routine.yaml) is not installed")
    return Path(spec.origin).parent / "data" / "routine.yaml"


@lru_cache(maxsize=1)
def defaults() -> Dict[str, str]:
    """anchor → 'HH:MM' from assistant/data/routine.yaml."""
    data = yaml.safe_load(_defaults_file().read_text(encoding="utf-8")) or {}
    return checked({a: str(data.get(a, "")) for a in ANCHORS})


def _minutes(anchor: str, text: str) -> int:
    value = (text or "").strip()
    hours, sep, minutes = value.partition(":")
    name = NAMES[anchor]
    if not value:
        raise InvalidInput(f"请填写{name}时间，例如 07:30")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(hours) in (1, 2) and len(minutes) == 2):
        raise InvalidInput(f"{name}时间格式不对：“{value[:20]}”，请写成 07:30 这样的时间")
    if not (0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59):
        raise InvalidInput(f"{name}时间不对：“{value[:20]}”，时间要在 00:00 到 23:59 之间")
    return int(hours) * 60 + int(minutes)


def checked(values: Mapping[str, str]) -> Dict[str, str]:
    """Every anchor as 'HH:MM', in the day's order; InvalidInput with a clear Chinese reason."""
    unknown = sorted(set(values) - set(ANCHORS))
    if unknown:
        raise InvalidInput(f"不认识的作息项：{', '.join(unknown)}；只有 {', '.join(ANCHORS)}")
    minutes = {a: _minutes(a, str(values.get(a, ""))) for a in ANCHORS}
    for before, after in zip(ANCHORS, ANCHORS[1:], strict=False):
        if minutes[after] <= minutes[before]:
            raise InvalidInput(
                f"{NAMES[after]}时间要晚于{NAMES[before]}时间（一天的顺序：起床、早饭、午饭、晚饭、睡觉）"
            )
    return {a: f"{minutes[a] // 60:02d}:{minutes[a] % 60:02d}" for a in ANCHORS}


def _row_times(row: HouseholdRoutine) -> Dict[str, str]:
    return {a: getattr(row, a) for a in ANCHORS}


def routine_of(session: Session, household_id: str) -> Tuple[Dict[str, str], Optional[HouseholdRoutine]]:
    """(the times in force, the family's row or None while the defaults apply). No scope check:
    callers have resolved the household through the actor already."""
    row = session.get(HouseholdRoutine, household_id)
    return (_row_times(row) if row is not None else defaults()), row


def get_routine(
    session: Session, actor: Actor, household_id: str
) -> Tuple[Dict[str, str], Optional[HouseholdRoutine]]:
    household = get_household(session, actor, household_id)
    return routine_of(session, household.id)


def set_routine(
    session: Session, actor: Actor, household_id: str, values: Mapping[str, str], now: datetime
) -> Dict[str, str]:
    """Family or staff set the household's routine; the speaker gets it through the change feed."""
    if actor.kind is ActorKind.DEVICE:
        raise Forbidden("音箱不能修改作息", "a speaker cannot change the routine")
    household = get_household(session, actor, household_id)
    times = checked(values)
    row = session.get(HouseholdRoutine, household.id)
    if row is None:
        row = HouseholdRoutine(household_id=household.id, **times, updated_at=now, updated_by=actor.id)
        session.add(row)
    else:
        for anchor, value in times.items():
            setattr(row, anchor, value)
        row.updated_at, row.updated_by = now, actor.id
    session.flush()
    record_change(session, household.community_id, household.id, Entity.HOUSEHOLD, household.id, now)
    return times
