"""A small world for scenario tests: the real parser, a real SQLite file, a fake clock."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

import pytest

from assistant.config import Settings
from assistant.dialog import Reply
from assistant.events import Event, SyncFinished
from assistant.records import OutboxOp
from assistant.runtime import Assistant
from intents.schema import Activity, Catalog, IntentId, Parse
from tests.fakes import FakeClock, ReplySink

MONDAY = datetime(2026, 11, 30, 10, 0)
"""Monday; the demo catalog has 书法班 tomorrow at 9:30, 太极拳 every day at 8:00."""


class World:
    """One speaker: an Assistant on tmp_path/assistant.db driven by a FakeClock."""

    def __init__(self, tmp_path: Path, now: datetime = MONDAY, trusted: bool = True,
                 parser: Optional[Callable[[str, datetime, Optional[Catalog]], Parse]] = None,
                 settings: Optional[Settings] = None) -> None:
        self.db = tmp_path / "assistant.db"
        self.settings = settings or Settings(data_dir=tmp_path)
        self.sink = ReplySink()
        self.parser = parser
        self.open(now, trusted)

    def open(self, now: datetime, trusted: bool = True) -> None:
        self.clock = FakeClock(now, trusted=trusted)
        self.assistant = Assistant.open(self.settings, self.clock, self.sink, db_path=self.db,
                                        parser=self.parser)
        self.store = self.assistant.store
        self.seq = self.store.last_seq()

    def reopen(self, now: Optional[datetime] = None, trusted: bool = True) -> List[str]:
        """Power-cycle: close the store, open it again at now, catch up; returns what was said."""
        when = now or self.clock.now()
        self.assistant.stop()
        self.sink.take()
        self.open(when, trusted)
        self.assistant.tick()
        return self.sink.take()

    def say(self, text: str) -> str:
        return "".join(r.text for r in self.replies(text))

    def replies(self, text: str) -> List[Reply]:
        return self.assistant.handle_text(text)

    def advance(self, **span: float) -> List[str]:
        """Move the clock; returns what the scheduler said meanwhile."""
        self.sink.take()
        self.clock.advance(timedelta(**span))
        return self.sink.take()

    def post(self, event: Event) -> List[str]:
        return [r.text for r in self.assistant.process(event)]

    def ops(self) -> List[OutboxOp]:
        """Outbox ops written since the last call."""
        ops = self.store.outbox(self.seq)
        self.seq = self.store.last_seq()
        return ops

    def op_types(self) -> List[str]:
        return [op.type for op in self.ops()]

    def load_catalog(self, activities: Iterable[Activity], taken: Optional[Dict[str, int]] = None) -> None:
        """As if sync delivered a server catalog."""
        self.store.replace_activities(activities, "server", taken)
        self.assistant.process(SyncFinished(ok=True, changed=("activities",)))

    def close(self) -> None:
        self.assistant.stop()


@pytest.fixture
def world(tmp_path: Path) -> Any:
    w = World(tmp_path)
    yield w
    w.close()


class TableParser:
    """The real parser, except for the exact texts in a table (intents the NLU does not give yet).

    table: text → (intent, slots); the Parse carries the text without spaces or punctuation, as
    the NLU's normalised text does.
    """

    def __init__(self, table: Mapping[str, Tuple[IntentId, Dict[str, Any]]]) -> None:
        from intents import parse

        self.table = dict(table)
        self._real = parse

    def __call__(self, text: str, now: datetime, catalog: Optional[Catalog] = None) -> Parse:
        entry = self.table.get(text.strip())
        if entry is None:
            return self._real(text, now, catalog)
        intent, slots = entry
        return Parse(re.sub(r"[\s，。,.！!？?]", "", text), intent, dict(slots), 1.0)


class FakeLink:
    """A server connection for the dialog: status online / offline / unpaired; whether an op is
    taken by the server within the wait (sent)."""

    def __init__(self, status: str = "online", sent: bool = True, fetching: bool = False) -> None:
        self.status, self.sent, self.fetching = status, sent, fetching
        self.waited: List[str] = []

    def link_status(self) -> str:
        return self.status

    def wait_sent(self, op_id: str, timeout: float) -> bool:
        self.waited.append(op_id)
        return self.sent

    def fetching_catalog(self) -> bool:
        return self.fetching


@pytest.fixture
def make_world(tmp_path: Path) -> Any:
    """World(now, table=..., link=..., settings=...) with a table parser and a fake link."""
    made: List[World] = []

    def make(now: datetime = MONDAY, table: Optional[Mapping[str, Tuple[IntentId, Dict[str, Any]]]] = None,
             link: Optional[FakeLink] = None, settings: Optional[Settings] = None) -> World:
        folder = tmp_path / f"w{len(made)}"
        folder.mkdir()
        if settings is not None:
            from dataclasses import replace

            settings = replace(settings, data_dir=folder)
        w = World(folder, now, parser=TableParser(table or {}), settings=settings)
        if link is not None:
            w.assistant._dialog.link = link
        made.append(w)
        return w

    yield make
    for w in made:
        w.close()
