"""The SQLite store: WAL, schema versions and upgrades, outbox life cycle, idempotent inserts."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time

import pytest

from assistant import store as store_module
from assistant.store import Store, StoreError
from intents.schema import Activity

NOW = datetime(2026, 11, 30, 10, 0)


def test_new_store_is_wal_and_current(tmp_path):
    store = Store.open(tmp_path / "a.db")
    assert store.schema_version == store_module.SCHEMA_VERSION == 3
    assert store.integrity_check() == "ok"
    store.close()
    with sqlite3.connect(tmp_path / "a.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_upgrade_keeps_data_and_newer_schema_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "a.db"
    store = Store.open(path)
    reminder = store.add_reminder("吃降压药", time(8), date(2026, 12, 1), "daily", NOW)
    store.close()

    def step(conn):
        conn.exec_driver_sql("ALTER TABLE reminders ADD COLUMN note TEXT DEFAULT ''")

    after = store_module.SCHEMA_VERSION + 1
    monkeypatch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS + [step])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", after)
    store = Store.open(path)
    assert store.schema_version == after
    assert [r.content for r in store.reminders()] == ["吃降压药"]
    assert store.reminder(reminder.id) == reminder
    store.close()
    monkeypatch.undo()
    with pytest.raises(StoreError, match=f"schema version {after} is newer than this software"):
        Store.open(path)


def test_outbox_life_cycle_urgent_first(tmp_path):
    store = Store.open(tmp_path / "a.db")
    store.replace_activities([Activity("a1", "太极拳", "运动", datetime(2026, 12, 1, 8), "广场", 30)], "demo")
    booking = store.add_booking("a1", NOW)
    op_id = store.record_emergency("救命", NOW)
    ops = store.pending_ops()
    assert [op.type for op in ops] == ["emergency", "booking.create"]
    assert ops[0].op_id == op_id and ops[0].urgent is True
    assert ops[1].to_wire() == {"op_id": ops[1].op_id, "type": "booking.create",
                                "payload": {"booking_id": booking.id, "activity_id": "a1"}}
    store.mark_sent([op.op_id for op in ops], NOW)
    assert [op.state for op in store.pending_ops()] == ["sent", "sent"]
    store.mark_acknowledged(op_id, {"ok": True}, NOW)
    assert [op.type for op in store.pending_ops()] == ["booking.create"]
    store.close()


def test_catalog_replacement_keeps_booked_activities(tmp_path):
    store = Store.open(tmp_path / "a.db")
    a1 = Activity("a1", "太极拳", "运动", datetime(2026, 12, 1, 8), "广场", 30)
    a2 = Activity("a2", "书法班", "文化", datetime(2026, 12, 1, 9), "书画室", 20)
    store.replace_activities([a1, a2], "demo")
    store.add_booking("a1", NOW)
    store.replace_activities([Activity("b1", "合唱团", "娱乐", datetime(2026, 12, 2, 15), "", 40)], "server",
                             taken={"b1": 40})
    assert [a.id for a in store.activities()] == ["a1", "b1"]
    assert store.seats_left("b1") == 0
    assert store.activity_source() == "server"
    store.close()


def test_occurrences_are_recorded_once(tmp_path):
    store = Store.open(tmp_path / "a.db")
    reminder = store.add_reminder("吃药", time(8), date(2026, 12, 1), "daily", NOW)
    due = datetime(2026, 12, 1, 8)
    first = store.record_occurrence(reminder.id, due, "fired", due)
    assert first is not None and first.attempts == 1
    assert store.record_occurrence(reminder.id, due, "fired", due) is None
    assert [op.type for op in store.outbox()] == ["reminder.create", "reminder.fired"]
    assert store.close_occurrence(first.id, "acknowledged", due) is True
    assert store.close_occurrence(first.id, "missed", due) is False
    store.close()


def _shape(path):
    """Tables, columns (name, type, not-null, pk) and indexes of an SQLite file."""
    with sqlite3.connect(path) as conn:
        query = "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"
        tables = [r[0] for r in conn.execute(query)]
        columns = {t: [tuple(c[1:4]) + (c[5],) for c in conn.execute(f"PRAGMA table_info('{t}')")]
                   for t in tables}
        indexes = sorted(r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='index' AND name NOT LIKE 'sqlite_autoindex%'"))
    return columns, indexes


def test_migrations_build_exactly_the_models_schema(tmp_path):
    # A model change without a migration step would leave old stores behind: the frozen v1 SQL
    # plus every later step must give the same tables as the SQLAlchemy models describe.
    from sqlalchemy import create_engine

    from assistant.tables import Base

    Store.open(tmp_path / "migrated.db").close()
    engine = create_engine(f"sqlite:///{tmp_path / 'models.db'}")
    Base.metadata.create_all(engine)
    engine.dispose()
    assert _shape(tmp_path / "migrated.db") == _shape(tmp_path / "models.db")


def test_a_version_1_store_upgrades_to_version_2_keeping_its_data(tmp_path, monkeypatch):
    # A speaker from before issue 12 (schema 1: the frozen v1 SQL only) gets the routine and
    # alerts tables in place, and its reminders survive.
    path = tmp_path / "old.db"
    monkeypatch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:1])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", 1)
    Store.open(path).close()
    with sqlite3.connect(path) as conn:  # a version-1 row, written as that release wrote it
        conn.execute("INSERT INTO reminders (id, content, time, start_date, repeat, active, source, "
                     "created_at, updated_at) VALUES ('r-old', '吃降压药', '08:00', '2026-12-01', "
                     "'daily', 1, 'voice', '2026-11-30 10:00:00.000000', '2026-11-30 10:00:00.000000')")
    monkeypatch.undo()
    store = Store.open(path)
    assert store.schema_version == 3
    reminder = store.reminder("r-old")
    assert (reminder.content, reminder.hhmm, reminder.repeat) == ("吃降压药", "08:00", "daily")
    assert reminder.learnt_at is None
    assert store.routine() == {}
    store.set_routine({"dinner": "18:30"}, NOW)
    assert store.routine() == {"dinner": "18:30"}
    store.close()
