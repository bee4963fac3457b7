"""The household routine: when the senior wakes, eats and goes to bed.

Reminders tied to it ("晚饭后提醒我散步" → dinner + 30 min; "每隔两个小时提醒我喝水" → a series
within waking hours) take their clock times from here. The defaults are data
(`assistant/data/routine.yaml`); the family sets the household's own on the web (家属页面 → 作息)
and sync stores it on the speaker (`Store.routine()`, table `routine`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Mapping, Optional

import yaml

from .store import Store

_LOGGER = logging.getLogger(__name__)

ANCHORS = ("wake", "breakfast", "lunch", "dinner", "bed")
"""In the order they come through a day."""
DEFAULTS_FILE = Path(__file__).parent / "data" / "routine.yaml"
_DAY = 24 * 60


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _clock(minutes: int) -> time:
    minutes %= _DAY
    return time(minutes // 60, minutes % 60)


def parse_hhmm(anchor: str, value: object) -> time:
    """'07:30' → time(7, 30); ValueError naming the anchor otherwise."""
    text = str(value).strip()
    hours, sep, minutes = text.partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
        raise ValueError(f"routine {anchor}: expected HH:MM, got {text[:20]!r}")
    if not (0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59):
        raise ValueError(f"routine {anchor}: expected 00:00–23:59, got {text[:20]!r}")
    return time(int(hours), int(minutes))


@lru_cache(maxsize=1)
def default_times() -> Dict[str, time]:
    """The defaults from assistant/data/routine.yaml (checked: every anchor, in order)."""
    data = yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8")) or {}
    return dict(Routine.from_mapping(data).times)


@dataclass(frozen=True)
class Routine:
    """wake, breakfast, lunch, dinner and bed as clock times."""

    times: Mapping[str, time]

    @staticmethod
    def from_mapping(data: Mapping[str, object], base: Optional[Mapping[str, time]] = None) -> "Routine":
        """Anchors from data ('HH:MM'), the rest from base; ValueError if unknown, malformed or out
        of order (wake < breakfast < lunch < dinner < bed)."""
        unknown = sorted(set(data) - set(ANCHORS))
        if unknown:
            raise ValueError(f"routine: unknown {', '.join(unknown)}; expected {', '.join(ANCHORS)}")
        times = dict(base or {})
        times.update({anchor: parse_hhmm(anchor, value) for anchor, value in data.items()})
        missing = [a for a in ANCHORS if a not in times]
        if missing:
            raise ValueError(f"routine: missing {', '.join(missing)}")
        order = [times[a] for a in ANCHORS]
        if any(a >= b for a, b in zip(order, order[1:], strict=False)):
            raise ValueError("routine: expected wake < breakfast < lunch < dinner < bed, got "
                             + ", ".join(f"{a} {times[a]:%H:%M}" for a in ANCHORS))
        return Routine({a: times[a] for a in ANCHORS})

    def time_for(self, anchor: str, offset_min: int) -> time:
        """The clock time offset_min minutes after (negative: before) the anchor: dinner, 30 → 18:30."""
        if anchor not in self.times:
            raise ValueError(f"routine: unknown anchor {anchor!r}; expected {', '.join(ANCHORS)}")
        return _clock(_minutes(self.times[anchor]) + int(offset_min))

    def series(self, every_min: int, start: Optional[time] = None, end: Optional[time] = None) -> List[time]:
        """Every every_min minutes from start to end inclusive (wake … bed when not given).

        An end before the start runs past midnight (start 20:00, end 02:00).
        """
        if int(every_min) <= 0:
            raise ValueError(f"routine: every_min must be positive, got {every_min}")
        first = _minutes(start if start is not None else self.times["wake"])
        last = _minutes(end if end is not None else self.times["bed"])
        if last < first:
            last += _DAY
        return [_clock(m) for m in range(first, last + 1, int(every_min))]


def load_routine(store: Store) -> Routine:
    """The household's routine: what the family set (synced into the store) over the defaults.

    A stored routine that does not hold together (it never should: the server checks it) is
    logged and the defaults are used, so a reminder is never set from nonsense.
    """
    defaults = default_times()
    stored = store.routine()
    if not stored:
        return Routine(defaults)
    try:
        return Routine.from_mapping(stored, defaults)
    except ValueError:
        _LOGGER.exception("stored routine %r is not usable; using the defaults", stored)
        return Routine(defaults)
