"""A small world for scenario tests: the real parser, a real SQLite file, a fake clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

import pytest

from assistant.config import Settings
from assistant.dialog import Reply
from assistant.events import Event, SyncFinished
from assistant.records import OutboxOp
from assistant.runtime import Assistant
from intents.schema import Activity
from tests.fakes import FakeClock, ReplySink

MONDAY = datetime(2026, 11, 30, 10, 0)
"""Monday; the demo catalog has 书法班 tomorrow at 9:30, 太极拳 every day at 8:00."""


class World:
    """One speaker: an Assistant on tmp_path/assistant.db driven by a FakeClock."""

    def __init__(self, tmp_path: Path, now: datetime = MONDAY, trusted: bool = True) -> None:
        self.db = tmp_path / "assistant.db"
        self.settings = Settings(data_dir=tmp_path)
        self.sink = ReplySink()
        self.open(now, trusted)

    def open(self, now: datetime, trusted: bool = True) -> None:
        self.clock = FakeClock(now, trusted=trusted)
        self.assistant = Assistant.open(self.settings, self.clock, self.sink, db_path=self.db)
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
