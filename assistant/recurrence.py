"""When a reminder is due: one-shot or repeating (daily, weekdays, weekly:1,3,5)."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Iterator, Optional

from .records import Reminder

_LOGGER = logging.getLogger(__name__)


def validate_rule(rule: Optional[str]) -> Optional[str]:
    """Return rule unchanged if valid; raise ValueError saying what is allowed."""
    if rule in (None, "", "daily", "weekdays"):
        return rule or None
    if rule.startswith("weekly:"):
        days = [d for d in rule.split(":", 1)[1].split(",") if d]
        if days and all(d.isdigit() and 1 <= int(d) <= 7 for d in days):
            return rule
    raise ValueError(f"unknown repeat {rule!r}; expected daily, weekdays or weekly:1,3,5")


def applies(rule: Optional[str], day: date) -> bool:
    """Whether a repeating rule has an occurrence on day (1 = Monday in weekly:…)."""
    if rule == "daily":
        return True
    if rule == "weekdays":
        return day.weekday() < 5
    if rule and rule.startswith("weekly:"):
        return str(day.weekday() + 1) in rule.split(":", 1)[1].split(",")
    return False


def dues(reminder: Reminder, after: datetime, until: datetime) -> Iterator[datetime]:
    """Due times d with after < d <= until, in order."""
    if not reminder.repeat:
        due = datetime.combine(reminder.start_date, reminder.at)
        if after < due <= until:
            yield due
        return
    day = max(reminder.start_date, after.date())
    while True:
        due = datetime.combine(day, reminder.at)
        if due > until:
            return
        if due > after and applies(reminder.repeat, day):
            yield due
        day += timedelta(days=1)


def next_due(reminder: Reminder, after: datetime, horizon_days: int = 8) -> Optional[datetime]:
    """The first due time strictly after `after`, or None (a one-shot already past). The look-ahead counts
    from the reminder's first day when that is later (a reminder set for the 3rd of next month)."""
    start = max(after, datetime.combine(reminder.start_date, time.min))
    return next(dues(reminder, after, start + timedelta(days=horizon_days)), None)
