"""Faults: the device sync process killed with SIGKILL mid-sync, the server stopped mid-run."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import pytest
import sqlalchemy as sa
from sync_world import ROOT, World, wait_for

from assistant.changes import CURSOR_KEY
from assistant.config import Settings
from assistant.pairing import pair_device
from assistant.store import Store

KILLS = 50
CHILD = Path(__file__).with_name("device_proc.py")


def _child(data_dir: Path, url: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(CHILD), str(data_dir), url],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def _intend(store: Store, i: int, activities: List[str], intended: Dict[str, set]) -> None:
    from datetime import datetime

    now = datetime.now()
    store.send_message("女儿", f"消息{i}", now)
    intended["messages"].add(f"消息{i}")
    if i < len(activities):
        store.add_booking(activities[i], now)
        intended["bookings"].add(activities[i])
    if i % 5 == 0:
        store.record_emergency(f"救命{i}", now)
        intended["alerts"].add(f"救命{i}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_world(request: pytest.FixtureRequest) -> World:
    return request.getfixturevalue("world" if request.param == "sqlite" else "pg_world")  # type: ignore[no-any-return]


@pytest.mark.slow
def test_sigkill_during_sync_50_times_loses_and_doubles_nothing(any_world: World, tmp_path: Path) -> None:
    world = any_world
    data_dir = tmp_path / "device"
    pair_device(Settings(data_dir=data_dir), world.server.url, world.pairing_code())
    activities = [world.add_activity(f"活动{i}", capacity=50) for i in range(10)]
    store = Store.open(data_dir / "assistant.db")
    intended: Dict[str, set] = {"messages": set(), "bookings": set(), "alerts": set()}
    rng = random.Random(7)
    killed_with_ops = 0
    for i in range(KILLS):
        _intend(store, i, activities, intended)
        child = _child(data_dir, world.server.url)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.03))
        if store.pending_ops(1):
            killed_with_ops += 1
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    child = _child(data_dir, world.server.url)
    out, _ = child.communicate(timeout=60)
    assert out.split() == ["ready", "done"]
    assert killed_with_ops >= KILLS // 3  # many kills landed while ops were still being sent

    home = world.ids["home"]
    sent = (
        world.database.reader()
        .execute(
            sa.text("SELECT body FROM messages WHERE household_id = :h AND direction = 'from_elder'"),
            {"h": home},
        )
        .scalars()
        .all()
    )
    assert sorted(sent) == sorted(intended["messages"])  # each once: none twice, none missing
    booked = world.scalar(
        "SELECT count(*) FROM bookings WHERE household_id = :h AND status = 'confirmed'", h=home
    )
    assert booked == len(intended["bookings"]) == 10
    assert all(world.scalar("SELECT booked FROM activities WHERE id = :a", a=a) == 1 for a in activities)
    notes = world.database.reader().execute(sa.text("SELECT note FROM emergency_alerts")).scalars().all()
    assert sorted(notes) == sorted(intended["alerts"])
    total = len(intended["messages"]) + len(intended["bookings"]) + len(intended["alerts"])
    assert world.scalar("SELECT count(*) FROM device_ops") == total
    assert store.pending_ops(1) == []
    assert [b.status for b in store.bookings(("pending", "confirmed", "rejected"))] == ["confirmed"] * 10
    assert store.integrity_check() == "ok"
    assert store.get_setting(CURSOR_KEY)
    store.close()


def test_server_stopped_and_restarted_mid_run(world: World, speaker, monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.sync
    from assistant.sync import SyncSettings

    monkeypatch.setattr(
        assistant.sync,
        "DEFAULT_SETTINGS",
        SyncSettings(long_poll=10.0, backoff_min=0.1, backoff_max=0.5, batch=2),
    )
    spk = speaker(world)
    store = spk.assistant.store
    wait_for(lambda: store.get_setting(CURSOR_KEY), 5, "the first sync")
    texts = [f"留言{i}" for i in range(40)]
    for text in texts:
        store.send_message("女儿", text, spk.clock.now())
    spk.assistant.outbox_changed.set()
    wait_for(lambda: len(store.pending_ops(100)) < 35, 5, "some ops to be sent")
    world.server.stop()
    assert store.pending_ops(100)  # stopped mid-run: part of the outbox is still unsent
    time.sleep(0.3)
    world.server.start()
    wait_for(lambda: not store.pending_ops(1), 10, "the whole outbox to be acknowledged")
    sent = (
        world.database.reader()
        .execute(sa.text("SELECT body FROM messages WHERE direction = 'from_elder'"))
        .scalars()
        .all()
    )
    assert sorted(sent) == sorted(texts)
