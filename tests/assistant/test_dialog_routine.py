"""Reminders tied to the household routine (anchor/offset_min, every_min): the dialog asks
assistant.routine for clock times; without that module it asks the senior for a clock time."""

from __future__ import annotations

import sys
import types
from datetime import time
from typing import List, Optional

import pytest

from intents.schema import IntentId

R = IntentId.REMINDER_CREATE
TABLE = {
    "早饭后提醒我吃药": (R, {"anchor": "breakfast", "offset_min": 30, "content": "吃药",
                             "repeat": "daily"}),
    "明早饭后提醒我吃药": (R, {"anchor": "breakfast", "offset_min": 30, "content": "吃药",
                               "date": "2026-12-01"}),
    "饭后提醒我吃药": (R, {"offset_min": 30, "content": "吃药"}),
    "每隔两个小时提醒我喝水": (R, {"every_min": 120, "content": "喝水"}),
}


class FakeRoutine:
    MEALS = {"breakfast": time(7, 30), "lunch": time(12), "dinner": time(18), "bed": time(22),
             "wake": time(6, 30)}

    def time_for(self, anchor: str, offset_min: int) -> time:
        base = self.MEALS[anchor]
        minutes = base.hour * 60 + base.minute + offset_min
        return time(minutes // 60, minutes % 60)

    def series(self, every_min: int, start: Optional[time], end: Optional[time]) -> List[time]:
        first, last = start or time(8), end or time(20)
        out, minutes = [], first.hour * 60 + first.minute
        while minutes <= last.hour * 60 + last.minute:
            out.append(time(minutes // 60, minutes % 60))
            minutes += every_min
        return out


@pytest.fixture
def routine(monkeypatch):
    module = types.ModuleType("assistant.routine")
    module.load_routine = lambda store: FakeRoutine()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "assistant.routine", module)


@pytest.fixture
def no_routine(monkeypatch):
    monkeypatch.setitem(sys.modules, "assistant.routine", None)  # import fails as if not installed


def test_an_anchored_reminder_takes_its_time_from_the_routine(make_world, routine):
    w = make_world(table=TABLE)
    assert w.say("早饭后提醒我吃药") == "早饭后，每天早上八点提醒您吃药，对吗？"
    assert w.say("对") == "好的，记住了，早饭后，每天早上八点提醒您吃药。"
    [reminder] = w.store.reminders()
    assert (reminder.at, reminder.repeat) == (time(8), "daily")


def test_an_anchored_one_shot_for_tomorrow(make_world, routine):
    w = make_world(table=TABLE)
    assert w.say("明早饭后提醒我吃药") == "早饭后，明天早上八点提醒您吃药，对吗？"


def test_no_meal_named_asks_which_meal(make_world, routine):
    w = make_world(table=TABLE)
    assert w.say("饭后提醒我吃药") == "是哪顿饭？早饭、午饭，还是晚饭？"
    assert w.say("晚饭") == "晚饭后，今天晚上六点半提醒您吃药，对吗？"


def test_an_interval_becomes_a_series_of_daily_reminders(make_world, routine):
    w = make_world(table=TABLE)
    assert w.say("每隔两个小时提醒我喝水") == "每天从早上八点到晚上八点，一共7次，提醒您喝水，对吗？"
    assert w.say("对").startswith("好的，记住了")
    assert sorted(r.at for r in w.store.reminders()) == [time(h) for h in range(8, 21, 2)]
    assert {r.repeat for r in w.store.reminders()} == {"daily"}


def test_without_the_routine_module_it_asks_for_a_clock_time(make_world, no_routine):
    w = make_world(table=TABLE)
    assert w.say("早饭后提醒我吃药") == "几点提醒您？"
    assert w.say("早上八点") == "每天早上八点提醒您吃药，对吗？"
    assert w.say("每隔两个小时提醒我喝水") == "几点提醒您？"
