"""The built-in demo catalog: two weeks of typical community activities, dated from now."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import List, Tuple

from intents.schema import Activity, Catalog

_LOGGER = logging.getLogger(__name__)

# (slug, title, category, ISO weekdays, start, place, capacity)
_PROGRAMME: Tuple[Tuple[str, str, str, Tuple[int, ...], time, str, int], ...] = (
    ("taiji", "太极拳", "运动", (1, 2, 3, 4, 5, 6, 7), time(8, 0), "社区广场", 30),
    ("baduanjin", "八段锦", "运动", (1, 3, 5), time(9, 0), "活动中心一楼", 25),
    ("shufa", "书法班", "文化", (2, 4), time(9, 30), "活动中心二楼书画室", 20),
    ("jianzhi", "剪纸班", "文化", (3,), time(10, 0), "活动中心二楼", 15),
    ("hechang", "合唱团", "娱乐", (3, 6), time(15, 0), "多功能厅", 40),
    ("guangchangwu", "广场舞", "运动", (1, 2, 3, 4, 5, 6, 7), time(19, 0), "社区广场", 50),
    ("jiankang", "健康讲座", "健康", (5,), time(10, 0), "多功能厅", 60),
    ("yangsheng", "中医养生课", "健康", (2,), time(15, 0), "活动中心一楼", 30),
    ("shouji", "手机课堂", "学习", (1, 4), time(14, 30), "电脑室", 20),
    ("xiangqi", "象棋", "娱乐", (2, 6), time(14, 0), "棋牌室", 16),
    ("chahua", "茶话会", "娱乐", (7,), time(15, 0), "多功能厅", 40),
)


@lru_cache(maxsize=8)
def _catalog_for(day: datetime) -> Catalog:
    items: List[Activity] = []
    for offset in range(14):
        current = day + timedelta(days=offset)
        for slug, title, category, weekdays, start, place, capacity in _PROGRAMME:
            if current.isoweekday() in weekdays:
                items.append(Activity(
                    id=f"{slug}-{current:%m%d}",
                    title=title,
                    category=category,
                    start=datetime.combine(current.date(), start),
                    place=place,
                    capacity=capacity,
                ))
    items.sort(key=lambda act: (act.start, act.id))
    return Catalog(tuple(items))


def demo_catalog(now: datetime) -> Catalog:
    """The demo catalog: activities from now's day for 14 days; ids look like "taiji-0305".

    now: naive local time; the same day always gives the same (cached) Catalog object.
    """
    return _catalog_for(datetime(now.year, now.month, now.day))
