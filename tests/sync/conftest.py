"""Fixtures for sync tests: a real server process (SQLite or PostgreSQL) and paired speakers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Callable, Iterator, List

import pytest
from sync_world import World, create_pg_database, drop_pg_database, local_now, postgres_reason, wait_for

import assistant.sync
from assistant.config import Settings
from assistant.pairing import pair_device
from assistant.runtime import Assistant
from assistant.sync import SyncSettings
from tests.fakes import FakeClock, ReplySink

FAST = SyncSettings(long_poll=10.0, backoff_min=0.1, backoff_max=0.5)
"""Short backoff so that a restarted server is found again within a second."""


@pytest.fixture(autouse=True)
def _fast_sync(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assistant.sync, "DEFAULT_SETTINGS", FAST)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    item = World.create(tmp_path)
    yield item
    item.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """A populated world on SQLite and on PostgreSQL, with no server process (for in-process apps)."""
    url = None
    if request.param == "postgresql":
        reason = postgres_reason()
        if reason:
            pytest.skip(reason)
        url = create_pg_database()
    item = World.create(tmp_path, url, serve=False)
    yield item
    item.close()
    if url:
        drop_pg_database(url)


@pytest.fixture
def pg_world(tmp_path: Path) -> Iterator[World]:
    reason = postgres_reason()
    if reason:
        pytest.skip(reason)
    url = create_pg_database()
    item = World.create(tmp_path, url, workers=2)
    yield item
    item.close()
    drop_pg_database(url)


@dataclass
class Speaker:
    """A paired speaker: real store, real dialog thread and sync worker, fake wall clock."""

    settings: Settings
    clock: FakeClock
    sink: ReplySink
    assistant: Assistant

    def said(self, fragment: str, timeout: float = 3.0) -> str:
        """The first reply containing fragment (waits up to timeout seconds)."""
        return wait_for(
            lambda: next((t for t in self.sink.texts() if fragment in t), None),
            timeout,
            f"the speaker to say {fragment!r}; said {self.sink.texts()}",
        )

    def stop(self) -> None:
        self.assistant.stop()


@pytest.fixture
def speaker(tmp_path: Path) -> Iterator[Callable[[World], Speaker]]:
    made: List[Speaker] = []

    def make(
        world: World,
        name: str = "dev",
        household: str = "home",
        trusted: bool = True,
        skew: timedelta = timedelta(0),
    ) -> Speaker:
        settings = Settings.from_flat(
            {
                "data_dir": str(tmp_path / name),
                "server_url": world.server.url,
                "clock_trust": "always",
                "dialog.quiet_start": "00:00",
                "dialog.quiet_end": "00:00",
            }
        )
        pair_device(settings, world.server.url, world.pairing_code(household))
        sink = ReplySink()
        clock = FakeClock(local_now() + skew, trusted=trusted)
        item = Speaker(settings, clock, sink, Assistant.open(settings, clock, sink))
        item.assistant.start()
        made.append(item)
        return item

    yield make
    for item in made:
        item.stop()
