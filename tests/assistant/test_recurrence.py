"""Due times of one-shot and repeating reminders."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from assistant.records import Reminder
from assistant.recurrence import dues, next_due, validate_rule

MONDAY = datetime(2026, 11, 30, 10, 0)


def _reminder(at: str, repeat=None, start=date(2026, 11, 30)) -> Reminder:
    return Reminder("r", "吃药", time.fromisoformat(at), start, repeat, True, MONDAY)


def test_rules_over_a_week():
    week = (MONDAY, datetime(2026, 12, 7, 10, 0))
    assert [d.day for d in dues(_reminder("08:00", "daily"), *week)] == [1, 2, 3, 4, 5, 6, 7]
    assert [d.day for d in dues(_reminder("08:00", "weekdays"), *week)] == [1, 2, 3, 4, 7]
    assert [d.day for d in dues(_reminder("08:00", "weekly:1,3,5"), *week)] == [2, 4, 7]
    assert [d.day for d in dues(_reminder("12:00", "weekly:1"), *week)] == [30]
    assert list(dues(_reminder("12:00", None, date(2026, 12, 1)), *week)) == [datetime(2026, 12, 1, 12)]


def test_next_due_and_past_one_shot():
    assert next_due(_reminder("08:00", "weekly:7"), MONDAY) == datetime(2026, 12, 6, 8)
    assert next_due(_reminder("08:00"), MONDAY) is None
    assert next_due(_reminder("10:00", "daily"), MONDAY) == datetime(2026, 12, 1, 10)


@pytest.mark.parametrize("rule", ["hourly", "weekly:", "weekly:0", "weekly:8", "weekly:a"])
def test_bad_rules_say_what_is_allowed(rule):
    with pytest.raises(ValueError, match="expected daily, weekdays or weekly:1,3,5"):
        validate_rule(rule)
