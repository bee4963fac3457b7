"""Every reply template of assistant/replies/zh.yaml rendered with realistic values.

The templates are read at run time (others add templates), and each placeholder gets values by
its name: every activity title of the demo catalog and of the community's seed data, every
service, times 00:00–23:59 by 5 minutes, the dates of a whole year, counts 0–100, the 200
synced texts of tests/audio/data/synced_texts.txt. A template is rendered as many times as its
longest value list, cycling the others, so every value of every placeholder is said at least once.
"""

from __future__ import annotations

import string
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterator, List, Sequence, Tuple

import yaml

from assistant import say

ROOT = Path(__file__).resolve().parents[2]
REPLIES = ROOT / "assistant" / "replies" / "zh.yaml"
SYNCED = Path(__file__).resolve().parent / "data" / "synced_texts.txt"
TODAY = date(2026, 1, 1)
NOW = datetime.combine(TODAY, time(8, 0))


def synced_texts() -> List[str]:
    """The 200 realistic synced texts (announcements, family messages, reminder contents)."""
    lines = SYNCED.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _section(name: str) -> List[str]:
    """Synced texts of one section of the data file ('announcements', 'family', 'reminder')."""
    out: List[str] = []
    current = ""
    for line in SYNCED.read_text(encoding="utf-8").splitlines():
        if line.startswith("# ---"):
            current = line
        elif line.strip() and not line.startswith("#") and name in current:
            out.append(line.strip())
    return out


def templates() -> Dict[str, str]:
    """Every string of zh.yaml, top level and inside tables (key/sub), lists left out (heard words)."""
    table = yaml.safe_load(REPLIES.read_text(encoding="utf-8"))
    found: Dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, str):
            found[str(key)] = value
        elif isinstance(value, dict):
            for sub, inner in value.items():
                if isinstance(inner, str):
                    found[f"{key}/{sub}"] = inner
    return found


def placeholders(template: str) -> List[str]:
    return sorted({name for _, name, _, _ in string.Formatter().parse(template) if name})


def _titles_places_categories() -> Tuple[List[str], List[str], List[str]]:
    from intents.demo import demo_catalog

    acts = demo_catalog(NOW).activities
    titles = sorted({a.title for a in acts})
    places = sorted({a.place for a in acts if a.place})
    categories = sorted({a.category for a in acts if a.category})
    try:  # the community server's seed data and category names (server extras installed)
        from community.domain.feed import CATEGORY_NAMES
        from community.seed import _TIMETABLE

        for rows in _TIMETABLE.values():
            for title, _category, place, *_rest in rows:
                titles.append(title)
                places.append(place)
        categories.extend(CATEGORY_NAMES.values())
    except ImportError:
        pass
    return sorted(set(titles)), sorted(set(places)) + ["社区"], sorted(set(categories))


def _words(table: Dict[str, Any]) -> List[str]:
    """Plain words of zh.yaml's name tables (service.names, part_of_day, suggest.names …)."""
    words: List[str] = []
    for value in table.values():
        if isinstance(value, dict):
            words.extend(str(v) for v in value.values() if isinstance(v, str) and "{" not in v)
    return words


@lru_cache(maxsize=1)
def pools() -> Dict[str, List[str]]:
    """Realistic values by placeholder name."""
    raw = yaml.safe_load(REPLIES.read_text(encoding="utf-8"))
    days = [TODAY + timedelta(days=i) for i in range(365)]
    times = [time(h, m) for h in range(24) for m in range(0, 60, 5)]
    clock = [say.clock_time(t) for t in times]
    day_names = [say.day_name(d, TODAY) for d in days] + [say.day_name(TODAY - timedelta(days=1), TODAY)]
    moments = [say.moment(datetime.combine(d, times[i % len(times)]), NOW) for i, d in enumerate(days)]
    parts = [str(v) for v in (raw.get("part_of_day") or {}).values()] or ["上午"]
    services = [str(v) for v in (raw.get("service.names") or {}).values()] or ["体检"]
    rules = ["daily", "weekdays", "weekly:1,3,5", "weekly:2,4", "weekly:6,7", "weekly:7"]
    repeat_when = [say.repeat_rule(rules[i % len(rules)]) + c for i, c in enumerate(clock)]
    when: List[str] = []
    for i, name in enumerate(day_names):
        sep = " " if " " in name else ""
        form = i % 3
        at = clock[i % len(clock)] if form == 1 else parts[i % len(parts)]
        when.append(name if form == 0 else name + sep + at)
    when += moments[::7] + repeat_when + ["这几天", "最近"]
    titles, places, categories = _titles_places_categories()
    counts = [str(n) for n in range(101)]
    contents = _section("reminder") + ["吃降压药", "去社区量血压"]
    texts = [t.rstrip("。") for t in synced_texts()]
    senders = ["女儿", "儿子", "王小红", "陈志明", "孙女", "老伴", "家人", "社区工作人员"]
    words = _words(raw)
    values: Dict[str, List[str]] = {
        "when": when,
        "moment": moments,
        "time": clock,
        "first": clock,
        "date": [say.full_date(d) for d in days],
        "day": day_names,
        "count": counts,
        "number": counts,
        "points": counts + ["250", "1000", "12345"],
        "title": titles,
        "other": titles,
        "what": titles + categories + [w for w in words if w not in services] + [""],
        "category": categories,
        "place": places,
        "service": services,
        "content": contents,
        "text": texts,
        "sender": senders,
        "to": ["家人", "女儿", "儿子", "老伴", "孙子", "孙女"],
        "phone": ["13812345678", "138 1234 5678", "020-83456789", "13912345678"],
        "some": ["、".join(titles[i:i + 2]) for i in range(len(titles))] + clock[::12],
        "last": titles + clock,
        "answer": titles + day_names[:30] + clock[::6] + services + parts,
    }
    values["item"] = [f"{m}，{t}，在{p}" for m, t, p in zip(moments, _cycle(titles, 365), _cycle(places, 365),
                                                         strict=True)]
    return values


def _cycle(values: Sequence[str], size: int) -> List[str]:
    return [values[i % len(values)] for i in range(size)]


def _sub_templates(key: str, name: str, table: Dict[str, str]) -> List[str]:
    """Values for {name} in template `key` made by other templates: reminder.how_medicine for
    {how} in reminder.again, status.pending for {status}, emergency.family for {family}."""
    head = key.split(".")[0]
    found = [t for k, t in table.items()
             if k.startswith((f"{head}.{name}", f"{name}.")) and k != key and "/" not in k]
    rendered: List[str] = []
    for template in found:
        rendered.extend(render(template, table, depth=1)[:50])
    return rendered + ([""] if found else [])


def render(template: str, table: Dict[str, str], key: str = "", depth: int = 0) -> List[str]:
    """`template` with every value of each of its placeholders (cycled to the longest list)."""
    names = placeholders(template)
    if not names:
        return [template]
    lists: Dict[str, List[str]] = {}
    for name in names:
        values = _sub_templates(key, name, table) if depth == 0 else []
        lists[name] = values or pools().get(name) or _generic()
    size = max(len(v) for v in lists.values())
    return [template.format(**{n: v[i % len(v)] for n, v in lists.items()}) for i in range(size)]


def _generic() -> List[str]:
    """For a placeholder nobody has described yet: titles, days and counts."""
    p = pools()
    return p["title"] + p["day"][:20] + p["count"][:20]


def rendered_replies() -> Iterator[Tuple[str, str]]:
    """(template key, rendered text) for every template of zh.yaml."""
    table = templates()
    for key, template in table.items():
        for text in render(template, table, key):
            yield key, text
