"""Child process for test_kill9: writes bookings, cancels, reminders and occurrences until killed."""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from assistant.store import Store


@dataclass(frozen=True)
class _Activity:
    """What Store.replace_activities reads (intents.schema.Activity's fields) without the NLU import."""

    id: str
    title: str
    category: str
    start: datetime
    place: str
    capacity: int


def main(path: str, seed: int) -> None:
    rng = random.Random(seed)
    store = Store.open(Path(path))
    start = datetime(2026, 12, 1, 8)
    store.replace_activities([_Activity(f"a{i}", "太极拳", "运动", start + timedelta(hours=i), "广场", 30)
                              for i in range(20)], "server")
    now = datetime(2026, 11, 30, 10)
    print("ready", flush=True)
    step = 0
    while True:
        step += 1
        now += timedelta(seconds=1)
        choice = rng.random()
        if choice < 0.4:
            store.add_booking(f"a{rng.randrange(20)}", now)
        elif choice < 0.55:
            open_ = store.bookings()
            if open_:
                store.cancel_booking(rng.choice(open_).id, now)
        elif choice < 0.8:
            store.add_reminder(f"提醒{step}", time(8), date(2026, 12, 1), "daily", now)
        elif choice < 0.9:
            reminders = store.reminders()
            if reminders:
                store.record_occurrence(rng.choice(reminders).id, now, "fired", now)
        else:
            fired = store.occurrences(statuses=("fired",))
            if fired:
                store.close_occurrence(rng.choice(fired).id, "acknowledged", now)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
