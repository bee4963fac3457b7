"""kill -9 at random moments during writes: the store stays sound, no half booking, no lost op."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KILLS = 20


def _check(path: Path) -> int:
    """Assert consistency; returns the number of bookings."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ops = {}
        for type_, payload in conn.execute("SELECT type, payload FROM outbox"):
            ops.setdefault(type_, []).append(json.loads(payload))
        bookings = dict(conn.execute("SELECT id, status FROM bookings"))
        created = [p["booking_id"] for p in ops.get("booking.create", [])]
        assert sorted(created) == sorted(bookings)
        cancelled = sorted(p["booking_id"] for p in ops.get("booking.cancel", []))
        assert cancelled == sorted(b for b, status in bookings.items() if status == "cancelled")
        reminders = [r for (r,) in conn.execute("SELECT id FROM reminders")]
        assert sorted(p["reminder_id"] for p in ops.get("reminder.create", [])) == sorted(reminders)
        occurrences = sorted(conn.execute("SELECT reminder_id, due_at FROM reminder_events"))
        fired = sorted((p["reminder_id"], p["due_at"].replace("T", " "))
                       for p in ops.get("reminder.fired", []))
        assert [(r, d[:19]) for r, d in occurrences] == fired
        acked = sorted(conn.execute(
            "SELECT reminder_id, due_at FROM reminder_events WHERE status = 'acknowledged'"))
        acked_ops = sorted((p["reminder_id"], p["due_at"].replace("T", " "))
                           for p in ops.get("reminder.acknowledged", []))
        assert [(r, d[:19]) for r, d in acked] == acked_ops
        op_ids = [r[0] for r in conn.execute("SELECT op_id FROM outbox")]
        assert len(op_ids) == len(set(op_ids))
        return len(bookings)
    finally:
        conn.close()


@pytest.mark.slow
def test_kill9_during_writes_leaves_store_consistent(tmp_path):
    path = tmp_path / "crash.db"
    rng = random.Random(4)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    bookings = 0
    for round_ in range(KILLS):
        command = [sys.executable, "-m", "tests.assistant.crash_writer", str(path), str(round_)]
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == b"ready", child.stderr.read() if child.stderr else b""
            time.sleep(rng.uniform(0.02, 0.3))
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(timeout=10)
        assert child.returncode == -signal.SIGKILL
        now = _check(path)
        assert now >= bookings
        bookings = now
    assert bookings > KILLS
