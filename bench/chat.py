"""Assistant benchmark: turn latency (text in → reply text out, no TTS) and scheduler drift.

Usage:
  python bench/chat.py                 # 300 activities, 100 reminders, 1 000 due reminders
  python bench/chat.py --turns 2000 --due 1000

Turn latency runs the real parser, dialog, skills and SQLite store (WAL file in a temp dir)
with a fake clock. Drift runs the threaded runtime on a real (shifted) wall clock: 1 000
one-shot reminders fall due on the same minute, and each reply's delivery time is compared
with its due time.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.clock import FakeClock  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.dialog import Reply  # noqa: E402
from assistant.events import ClockMoved  # noqa: E402
from assistant.runtime import Assistant  # noqa: E402
from intents.schema import Activity  # noqa: E402

_LOGGER = logging.getLogger(__name__)

START = datetime(2026, 11, 30, 10, 0)
TITLES = [("太极拳", "运动"), ("八段锦", "运动"), ("书法班", "文化"), ("剪纸班", "文化"), ("合唱团", "娱乐"),
          ("广场舞", "运动"), ("健康讲座", "健康"), ("中医养生课", "健康"), ("手机课堂", "学习"),
          ("象棋", "娱乐"), ("茶话会", "娱乐"), ("编织班", "文化")]
SENTENCES = ["明天有什么活动", "不用了", "明天下午有什么活动", "不要", "报名明天的太极拳", "不要",
             "我报了哪些活动", "我有哪些提醒", "不要", "现在几点", "每天早上八点提醒我吃降压药", "不要",
             "我想约体检", "明天上午", "不要", "有什么运动类的活动", "要", "不要", "取消吃药的提醒", "不要",
             "大声一点", "再说一遍", "有没有留言", "我有多少积分", "救命", "你能做什么"]


def _activities(count: int) -> List[Activity]:
    items = []
    for i in range(count):
        title, category = TITLES[i % len(TITLES)]
        start = START.replace(hour=8) + timedelta(days=1 + (i // 22) % 14, hours=(i % 22) // 2,
                                                  minutes=30 * (i % 2))
        items.append(Activity(f"act{i}", title, category, start, f"活动室{i % 9 + 1}", 30))
    return items


def _percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def bench_turns(turns: int, activities: int, reminders: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock(START)
        assistant = Assistant.open(Settings(data_dir=Path(tmp)), clock, lambda r: None)
        assistant.store.replace_activities(_activities(activities), "server")
        assistant._catalog_changed()
        for i in range(reminders):
            assistant.store.add_reminder(f"提醒事项{i}", dtime(6 + i % 16, (i * 7) % 60), START.date(),
                                         "daily" if i % 2 else None, START)
        for sentence in SENTENCES:  # warm-up: parser indexes, SQL statement cache
            assistant.handle_text(sentence)
        took: List[float] = []
        for i in range(turns):
            begin = time.perf_counter()
            assistant.handle_text(SENTENCES[i % len(SENTENCES)])
            took.append((time.perf_counter() - begin) * 1000)
        ticks: List[float] = []
        night = START.replace(hour=23)  # nothing due: the cost of the once-a-second idle tick
        for i in range(200):
            old, new = night + timedelta(seconds=i), night + timedelta(seconds=i + 1)
            begin = time.perf_counter()
            assistant.process(ClockMoved(old, new))
            ticks.append((time.perf_counter() - begin) * 1000)
        assistant.stop()
    print(f"turn latency ({activities} activities, {reminders} reminders, {turns} turns): "
          f"p50 {statistics.median(took):.1f} ms, p99 {_percentile(took, 0.99):.1f} ms, "
          f"max {max(took):.1f} ms")
    print(f"idle scheduler tick ({reminders} reminders): median {statistics.median(ticks):.1f} ms "
          f"(≈ {statistics.median(ticks) / 10:.2f} % of one core at one tick per second)")


class _ShiftedClock:
    """The real wall clock moved so that the next minute starts in ~2 s (no waiting for it)."""

    def __init__(self) -> None:
        real = datetime.now()
        target = real.replace(second=0, microsecond=0) + timedelta(minutes=1)
        self.offset = (target - timedelta(seconds=2)) - real
        self.due = target

    def now(self) -> datetime:
        return datetime.now() + self.offset

    def monotonic(self) -> float:
        return time.monotonic()

    def is_trusted(self) -> bool:
        return True


def bench_drift(due_count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clock = _ShiftedClock()
        delays: List[float] = []
        done = threading.Event()

        def on_reply(reply: Reply) -> None:
            if reply.text.startswith("提醒您"):
                delays.append((clock.now() - clock.due).total_seconds())
                if len(delays) == due_count:
                    done.set()

        assistant = Assistant.open(Settings(data_dir=Path(tmp)), clock, on_reply)  # type: ignore[arg-type]
        due_day: date = clock.due.date()
        created = clock.now() - timedelta(minutes=5)
        for i in range(due_count):
            assistant.store.add_reminder(f"事项{i}", clock.due.time(), due_day, None, created)
        assistant.start()
        finished = done.wait(timeout=30)
        assistant.stop()
    if not finished:
        print(f"scheduler drift: only {len(delays)} of {due_count} reminders fired within 30 s")
        return
    print(f"scheduler drift ({due_count} reminders due on the same minute): first {min(delays):.3f} s, "
          f"median {statistics.median(delays):.3f} s, last {max(delays):.3f} s")


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/chat.py")
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument("--activities", type=int, default=300)
    parser.add_argument("--reminders", type=int, default=100)
    parser.add_argument("--due", type=int, default=1000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    bench_turns(args.turns, args.activities, args.reminders)
    bench_drift(args.due)
    return 0


if __name__ == "__main__":
    sys.exit(main())
