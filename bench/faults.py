"""Nightly crash harness: the speaker's sync (and the server) killed with SIGKILL at random points.

    .venv/bin/python bench/faults.py [--trials 1000] [--db sqlite|postgresql|both] [--seed 14]
                                     [--server-kills 0.05] [--check-every 250]

Not part of `make test` (it takes minutes); tests/sync/test_faults.py is its 50-kill cousin.
Per backend it starts `python -m community serve` on a loopback port (SQLite file, or a
throw-away PostgreSQL database with 2 workers, dropped at the end), pairs one speaker store,
syncs it once (the first sync is a snapshot) and runs --trials trials. Each trial

1. writes what the senior and the family mean to happen: a message from the speaker (always),
   a booking (first 60 trials, each its own activity), an emergency (every 10th), a service
   request (every 7th), a voice reminder (every 9th, cancelled again every 18th), and a family
   message to the elder written straight into the server's database;
2. forks a speaker sync process (the real SyncWorker on the real store, 3 ops a round trip)
   and SIGKILLs it after a random 0–300 ms (--max-delay) — before, during or after a round trip, while the
   answer is being applied — and with probability --server-kills also SIGKILLs the whole
   server process group at a random moment of that sync, then restarts it.

Every --check-every trials (and at the end) a sync process runs to completion and the
server and the speaker are compared with what was meant:

* lost: something meant that the server (messages, bookings, alerts, service requests,
  reminders) or the speaker (family messages) does not hold;
* duplicated: anything held twice, or more device ops applied than were written;
* stuck: ops still in the outbox after a full drain, or a drain that does not finish;
* corrupted: the speaker's store fails `PRAGMA integrity_check` (the server's SQLite file too),
  a booking count on an activity that differs from its confirmed bookings, or a speaker
  booking not confirmed.

Prints one JSON line per backend; exit 1 if any count is not 0.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from datetime import time as dtime
from pathlib import Path
from typing import Dict, List, Optional, Set

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "sync"))

from sync_world import ROOT as _ROOT  # noqa: E402
from sync_world import World, create_pg_database, drop_pg_database, local_now, postgres_reason  # noqa: E402

from assistant.changes import CURSOR_KEY  # noqa: E402
from assistant.clock import SystemClock  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.pairing import pair_device  # noqa: E402
from assistant.store import Store  # noqa: E402
from assistant.sync import SyncSettings, SyncWorker  # noqa: E402
from community.actors import Actor, ActorKind  # noqa: E402
from community.domain import messages  # noqa: E402

BOOKINGS = 60
"""The first trials each book their own activity (capacity 5: one place for this household)."""
DRAIN_SECONDS = 120.0


@dataclass
class Meant:
    """What the senior and the family meant to happen, by kind."""

    messages: Set[str] = field(default_factory=set)
    bookings: Set[str] = field(default_factory=set)
    alerts: Set[str] = field(default_factory=set)
    services: Set[str] = field(default_factory=set)
    reminders: Set[str] = field(default_factory=set)
    """Voice reminders that should still exist on the server."""
    cancelled: Set[str] = field(default_factory=set)
    """Voice reminders cancelled again: the server holds them deleted."""
    to_elder: Set[str] = field(default_factory=set)
    """Family messages the speaker must end with, each once."""
    ops: int = 0


@dataclass
class Tally:
    trials: int = 0
    device_kills: int = 0
    kills_with_ops_in_flight: int = 0
    """Kills that left ops of this trial unacknowledged (cut before or during a round trip)."""
    kills_after_progress: int = 0
    """Kills after some of this trial's ops were already acknowledged (cut between round trips
    or while applying an answer)."""
    server_kills: int = 0
    checks: int = 0
    lost: int = 0
    duplicated: int = 0
    stuck: int = 0
    corrupted: int = 0
    notes: List[str] = field(default_factory=list)


# ---------------------------------------------------------------------- the server, killable as a group
class KillableServer:
    """World's server process, started in its own session so SIGKILL reaches every worker."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.inner = world.server

    def start(self) -> None:
        inner = self.inner
        env = {**os.environ, "PYTHONPATH": str(_ROOT)}
        env.pop("DATABASE_URL", None)
        log = open(inner.data_dir / "server.log", "a", encoding="utf-8")
        args = [
            sys.executable,
            "-m",
            "community",
            "--data-dir",
            str(inner.data_dir),
            "--database-url",
            inner.database_url,
            "serve",
            "--port",
            str(inner.port),
            "--workers",
            str(inner.workers),
        ]
        inner.proc = subprocess.Popen(
            args, cwd=_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if inner.proc.poll() is not None:
                raise RuntimeError((inner.data_dir / "server.log").read_text(encoding="utf-8")[-2000:])
            try:
                answer = httpx.get(f"{inner.url}/api/v1/openapi.json", timeout=1, trust_env=False)
                if answer.status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("server did not answer within 60 s")

    def kill(self) -> None:
        proc = self.inner.proc
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)
        self.inner.proc = None

    def stop(self) -> None:
        self.kill()


# ---------------------------------------------------------------------- the speaker's sync, forked
def _sync_child(db_path: Path, data_dir: Path, url: str, until_done: bool) -> None:
    """Runs in the forked child: sync until the outbox is empty (or forever until killed)."""
    code = 1
    try:
        logging.getLogger("assistant").setLevel(logging.ERROR)  # retries are expected here
        store = Store.open(db_path)
        worker = SyncWorker(
            store,
            SystemClock(always_trusted=True),
            lambda event: None,
            url,
            data_dir,
            settings=SyncSettings(batch=3, connect_timeout=2.0),
        )
        deadline = time.monotonic() + DRAIN_SECONDS
        while time.monotonic() < deadline:
            try:
                if not worker.sync_once(0.0) and not store.pending_ops(1):
                    code = 0
                    break
            except Exception:  # server killed or restarting: retry shortly, as the poller does
                time.sleep(0.05)
        if not until_done:
            code = 0
    finally:
        os._exit(code)


def _fork_sync(db_path: Path, data_dir: Path, url: str, until_done: bool = False) -> int:
    pid = os.fork()
    if pid == 0:  # child
        _sync_child(db_path, data_dir, url, until_done)
    return pid


# ---------------------------------------------------------------------- one backend
class Harness:
    def __init__(
        self, world: World, tmp: Path, rng: random.Random, server_kills: float, max_delay: float
    ) -> None:
        self.world, self.rng, self.server_kills, self.max_delay = world, rng, server_kills, max_delay
        self.server = KillableServer(world)
        self.data_dir = tmp / "device"
        self.db_path = self.data_dir / "assistant.db"
        pair_device(Settings(data_dir=self.data_dir), world.server.url, world.pairing_code())
        self.activities = [world.add_activity(f"活动{i}", capacity=5) for i in range(BOOKINGS)]
        self.meant = Meant()
        self.tally = Tally()
        with world.database.reader() as session:
            self.family_id = str(
                session.execute(sa.text("SELECT id FROM users WHERE username = 'daughter'")).scalar()
            )
        self.family = Actor(
            ActorKind.FAMILY,
            self.family_id,
            "王小红",
            frozenset({world.ids["community"]}),
            frozenset({world.ids["home"]}),
        )

    # what is meant
    def intend(self, i: int) -> None:
        store = Store.open(self.db_path)
        try:
            now = local_now()  # the device's clock: naive local time in the community's zone
            store.send_message("女儿", f"消息{i}", now)
            self.meant.messages.add(f"消息{i}")
            self.meant.ops += 1
            if i < len(self.activities):
                store.add_booking(self.activities[i], now)
                self.meant.bookings.add(self.activities[i])
                self.meant.ops += 1
            if i % 10 == 0:
                store.record_emergency(f"救命{i}", now)
                self.meant.alerts.add(f"救命{i}")
                self.meant.ops += 1
            if i % 7 == 0:
                request = store.add_service("meal", date.today() + timedelta(days=2), "11:30", now)
                self.meant.services.add(request.id)
                self.meant.ops += 1
            if i % 9 == 0:
                reminder = store.add_reminder(
                    f"提醒{i}", dtime(8, 0), date.today() + timedelta(days=1), "daily", now
                )
                self.meant.ops += 1
                if i % 18 == 0:
                    store.cancel_reminder(reminder.id, now)
                    self.meant.cancelled.add(reminder.id)
                    self.meant.ops += 1
                else:
                    self.meant.reminders.add(reminder.id)
        finally:
            store.close()
        with self.world.database.write() as session:
            messages.send_message(
                session,
                self.family,
                self.world.ids["home"],
                f"家书{i}",
                datetime.now(timezone.utc),
                str(uuid.uuid4()),
            )
        self.meant.to_elder.add(f"家书{i}")

    # one trial
    def trial(self, i: int) -> None:
        self.intend(i)
        store = Store.open(self.db_path)
        try:
            before = len(store.pending_ops(1000))
        finally:
            store.close()
        pid = _fork_sync(self.db_path, self.data_dir, self.world.server.url)
        kill_server = self.rng.random() < self.server_kills
        delay = self.rng.uniform(0.0, self.max_delay)
        server_at = self.rng.uniform(0.0, delay) if kill_server else None
        start = time.monotonic()
        if server_at is not None:
            time.sleep(server_at)
            self.server.kill()
            self.tally.server_kills += 1
        time.sleep(max(0.0, delay - (time.monotonic() - start)))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        store = Store.open(self.db_path)
        try:
            left = len(store.pending_ops(1000))
        finally:
            store.close()
        self.tally.device_kills += 1
        self.tally.kills_with_ops_in_flight += int(left > 0)
        self.tally.kills_after_progress += int(left < before)
        if server_at is not None:
            self.server.start()
        self.tally.trials += 1

    # checks
    def drain(self) -> bool:
        pid = _fork_sync(self.db_path, self.data_dir, self.world.server.url, until_done=True)
        _, status = os.waitpid(pid, 0)
        return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0

    def check(self) -> Dict[str, int]:
        """Drain, then compare; adds to the tally and returns this check's counts."""
        counts = {"lost": 0, "duplicated": 0, "stuck": 0, "corrupted": 0}
        notes: List[str] = []
        if not self.drain():
            counts["stuck"] += 1
            notes.append("the drain did not finish")
        home = self.world.ids["home"]
        with self.world.database.reader() as session:

            def rows(sql: str) -> List[tuple]:
                return [tuple(r) for r in session.execute(sa.text(sql), {"h": home}).all()]

            sent = [
                r[0]
                for r in rows(
                    "SELECT body FROM messages WHERE household_id = :h AND direction = 'from_elder'"
                )
            ]
            booked = [
                r[0]
                for r in rows(
                    "SELECT activity_id FROM bookings WHERE household_id = :h AND status = 'confirmed'"
                )
            ]
            alerts = [r[0] for r in rows("SELECT note FROM emergency_alerts WHERE household_id = :h")]
            services = [r[0] for r in rows("SELECT id FROM service_requests WHERE household_id = :h")]
            live = [
                r[0]
                for r in rows(
                    "SELECT id FROM reminders WHERE household_id = :h "
                    "AND deleted_at IS NULL AND origin = 'device'"
                )
            ]
            dead = [
                r[0]
                for r in rows(
                    "SELECT id FROM reminders WHERE household_id = :h "
                    "AND deleted_at IS NOT NULL AND origin = 'device'"
                )
            ]
            ops = int(session.execute(sa.text("SELECT count(*) FROM device_ops")).scalar() or 0)
            skew = rows(
                "SELECT a.id FROM activities a WHERE a.booked <> (SELECT count(*) FROM bookings b "
                "WHERE b.activity_id = a.id AND b.status = 'confirmed')"
            )
        meant = self.meant
        for name, held, want in (
            ("messages", sent, meant.messages),
            ("bookings", booked, meant.bookings),
            ("alerts", alerts, meant.alerts),
            ("services", services, meant.services),
            ("reminders", live, meant.reminders),
            ("cancelled", dead, meant.cancelled),
        ):
            missing = want - set(held)
            twice = len(held) - len(set(held))
            extra = set(held) - want
            counts["lost"] += len(missing)
            counts["duplicated"] += twice + len(extra)
            if missing or twice or extra:
                notes.append(f"{name}: {len(missing)} missing, {twice} twice, {len(extra)} unexpected")
        if ops > meant.ops:
            counts["duplicated"] += ops - meant.ops
            notes.append(f"device_ops {ops} > {meant.ops} written")
        elif ops < meant.ops and not counts["lost"]:
            counts["lost"] += meant.ops - ops
            notes.append(f"device_ops {ops} < {meant.ops} written")
        if skew:
            counts["corrupted"] += len(skew)
            notes.append(f"{len(skew)} activities whose booked count is off")
        store = Store.open(self.db_path)
        try:
            pending = store.pending_ops(1000)
            counts["stuck"] += len(pending)
            if pending:
                notes.append(f"{len(pending)} ops still in the outbox")
            if store.integrity_check() != "ok":
                counts["corrupted"] += 1
                notes.append("speaker store integrity_check failed")
            statuses = [b.status for b in store.bookings(("pending", "confirmed", "rejected", "cancelled"))]
            wrong = sum(1 for s in statuses if s != "confirmed")
            counts["corrupted"] += wrong
            if wrong:
                notes.append(f"{wrong} speaker bookings not confirmed")
            heard = [m.text for m in store.messages_in(100000)]
            missing_in = meant.to_elder - set(heard)
            counts["lost"] += len(missing_in)
            counts["duplicated"] += len(heard) - len(set(heard))
            if missing_in:
                notes.append(f"{len(missing_in)} family messages not on the speaker")
            if not store.get_setting(CURSOR_KEY):
                counts["stuck"] += 1
                notes.append("no cursor stored")
        finally:
            store.close()
        for key, value in counts.items():
            setattr(self.tally, key, getattr(self.tally, key) + value)
        self.tally.notes += notes
        self.tally.checks += 1
        return counts


def _server_sqlite_ok(world: World) -> bool:
    with world.database.reader() as session:
        return str(session.execute(sa.text("PRAGMA integrity_check")).scalar()) == "ok"


def run_backend(
    kind: str, trials: int, seed: int, server_kills: float, check_every: int, tmp: Path, max_delay: float
) -> Dict[str, object]:
    url: Optional[str] = None
    if kind == "postgresql":
        reason = postgres_reason()
        if reason:
            return {"db": kind, "skipped": reason}
        url = create_pg_database()
    tmp.mkdir(parents=True, exist_ok=True)
    world = World.create(tmp, url, workers=2 if kind == "postgresql" else 1, serve=False)
    KillableServer(world).start()
    harness = Harness(world, tmp, random.Random(seed), server_kills, max_delay)
    # Paired and synced once before the kills start, as an installed speaker is: a first sync is a
    # snapshot (newest 50 unread family messages), and this harness is about the feed after it.
    if not harness.drain():
        raise RuntimeError("the speaker's first sync did not finish")
    started = time.monotonic()
    try:
        for i in range(trials):
            harness.trial(i)
            if (i + 1) % check_every == 0 and i + 1 < trials:
                counts = harness.check()
                line = {"db": kind, "after": i + 1, **counts, "notes": harness.tally.notes[-5:]}
                print(json.dumps(line, ensure_ascii=False), file=sys.stderr, flush=True)
        harness.check()
        if kind == "sqlite":
            harness.server.kill()
            if not _server_sqlite_ok(world):
                harness.tally.corrupted += 1
                harness.tally.notes.append("server SQLite integrity_check failed")
    finally:
        harness.server.stop()
        world.database.dispose()
        if url:
            drop_pg_database(url)
    tally = harness.tally
    return {
        "db": kind,
        "trials": tally.trials,
        "device_kills": tally.device_kills,
        "kills_with_ops_in_flight": tally.kills_with_ops_in_flight,
        "kills_after_progress": tally.kills_after_progress,
        "server_kills": tally.server_kills,
        "ops": harness.meant.ops,
        "family_messages": len(harness.meant.to_elder),
        "checks": tally.checks,
        "lost": tally.lost,
        "duplicated": tally.duplicated,
        "stuck": tally.stuck,
        "corrupted": tally.corrupted,
        "notes": tally.notes[:20],
        "seconds": round(time.monotonic() - started, 1),
        "load": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/faults.py", description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=1000, help="trials per backend (default 1000)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--server-kills",
        type=float,
        default=0.05,
        help="probability that a trial also SIGKILLs the server (default 0.05)",
    )
    parser.add_argument(
        "--max-delay", type=float, default=0.3, help="the kill comes 0 to this many seconds in (default 0.3)"
    )
    parser.add_argument("--check-every", type=int, default=250, help="drain and compare this often")
    parser.add_argument("--tmp", type=Path, default=None, help="working folder (default: a new temp dir)")
    args = parser.parse_args(argv)
    if args.trials < 1 or args.check_every < 1 or not 0.0 <= args.server_kills <= 1.0:
        parser.error("--trials and --check-every ≥ 1, --server-kills within 0–1")
    import tempfile

    base = args.tmp or Path(tempfile.mkdtemp(prefix="yc-faults-"))
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    bad = False
    for kind in kinds:
        result = run_backend(
            kind, args.trials, args.seed, args.server_kills, args.check_every, base / kind, args.max_delay
        )
        print(json.dumps(result, ensure_ascii=False), flush=True)
        bad |= any(result.get(k) for k in ("lost", "duplicated", "stuck", "corrupted"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
