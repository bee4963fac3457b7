"""Benchmark device sync on PostgreSQL with a fleet of simulated speakers (asyncio clients).

    .venv/bin/python bench/fleet.py [--polls 5000] [--speakers 1000] [--seconds 60] [--workers 2]

Creates a throw-away database on 127.0.0.1:5432 (dropped at the end) with one community of
`--polls` households, each with a paired device, starts `python -m community serve` on an
ephemeral loopback port and drives it from this process (client and server share the
machine's cores). Prints one JSON line per figure:

1. long polls held at once: every speaker opens its own connection, syncs once, then holds a
   long poll (`wait` 50 s); counted as answered-first-sync and still-open polls;
2. urgent announcement → last speaker: staff publish an urgent announcement (committed from
   this process, so the wake-up crosses processes through LISTEN/NOTIFY); the time until the
   last held poll has returned it;
3. sync latency: `--speakers` speakers each doing a round trip with one op every 30 s
   (random phase) for `--seconds`; p50/p95/p99 of the round trip.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import resource
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from community.actors import Actor, ActorKind  # noqa: E402
from community.db import Database  # noqa: E402
from community.domain.accounts import create_staff  # noqa: E402
from community.domain.announcements import AnnouncementInput, create_announcement  # noqa: E402
from community.models import AnnouncementTarget, Device, Household  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _raise_fd_limit(want: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(hard, max(soft, want)) if hard != resource.RLIM_INFINITY else max(soft, want)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _token(i: int) -> str:
    return f"fleet-bench-token-{i:06d}"


def _populate(url: str, households: int) -> Actor:
    """One community, its staff login and `households` paired devices (tokens _token(i))."""
    database = Database(url)
    database.migrate()
    now = datetime.now(timezone.utc)
    with database.write() as session:
        staff = create_staff(session, "staff", "周社工", "fleet-bench-1", "幸福里社区")
        community = staff.community_id or ""
        homes = [
            {
                "id": str(uuid.uuid4()),
                "community_id": community,
                "elder_name": f"长者{i}",
                "address_as": f"长者{i}",
                "dialect": "mandarin",
                "group_name": f"{i % 10}号楼",
                "created_at": now,
            }
            for i in range(households)
        ]
        session.execute(sa.insert(Household), homes)
        session.execute(
            sa.insert(Device),
            [
                {
                    "id": str(uuid.uuid4()),
                    "community_id": community,
                    "household_id": h["id"],
                    "name": "bench",
                    "token_hash": hashlib.sha256(_token(i).encode("utf-8")).hexdigest(),
                    "paired_at": now,
                }
                for i, h in enumerate(homes)
            ],
        )
        actor = Actor(ActorKind.STAFF, staff.id, "周社工", frozenset({community}))
    database.dispose()
    return actor


class Client:
    """One speaker: a keep-alive HTTP/1.1 connection posting JSON to the sync endpoint."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.reader: Optional[asyncio.StreamReader] = None
        self.writer: Optional[asyncio.StreamWriter] = None
        self.cursor: Optional[str] = None

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def sync(self, wait: float = 0.0, ops: Optional[List[dict]] = None) -> bytes:
        """One round trip; reconnects once when the server closed the idle keep-alive connection."""
        try:
            return await self._sync(wait, ops)
        except (ConnectionError, asyncio.IncompleteReadError):
            self.close()
            await self.connect()
            return await self._sync(wait, ops)

    async def _sync(self, wait: float, ops: Optional[List[dict]]) -> bytes:
        assert self.reader is not None and self.writer is not None
        body = json.dumps({"cursor": self.cursor, "ops": ops or [], "wait": wait}).encode("utf-8")
        head = (
            f"POST /api/v1/device/sync HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {self.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode("ascii")
        self.writer.write(head + body)
        await self.writer.drain()
        status = await self.reader.readline()
        if not status:
            raise ConnectionResetError("server closed the connection")
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        data = await self.reader.readexactly(length)
        if b" 200 " not in status:
            raise RuntimeError(f"sync failed: {status!r} {data[:200]!r}")
        marker = data.find(b'"cursor":"')
        if marker >= 0:
            self.cursor = data[marker + 10 : data.index(b'"', marker + 10)].decode("ascii")
        return data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def _open_fleet(port: int, count: int) -> Tuple[List[Client], float]:
    clients = [Client(port, _token(i)) for i in range(count)]
    started = time.monotonic()
    for chunk in range(0, count, 250):  # stay under the listen backlog
        batch = clients[chunk : chunk + 250]
        await asyncio.gather(*(c.connect() for c in batch))
        await asyncio.gather(*(c.sync() for c in batch))
    return clients, time.monotonic() - started


def _cpu_ticks(pid: int) -> int:
    """CPU ticks used by a process and its children (the uvicorn workers)."""
    total = 0
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="utf-8").split()
        for one in [str(pid), *kids]:
            fields = Path(f"/proc/{one}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    except OSError:
        pass
    return total


async def _until_idle(pid: int, timeout: float = 90.0) -> float:
    """Wait until the server uses under 5 % CPU for 0.5 s (every poll parked); returns seconds waited."""
    started = time.monotonic()
    before = _cpu_ticks(pid)
    while time.monotonic() - started < timeout:
        await asyncio.sleep(0.5)
        now = _cpu_ticks(pid)
        if now - before <= 2:
            break
        before = now
    return time.monotonic() - started


async def held_polls_and_urgent(port: int, url: str, actor: Actor, count: int, pid: int) -> Dict[str, Any]:
    clients, opened = await _open_fleet(port, count)
    received: Dict[int, float] = {}
    marker = f"紧急通知{uuid.uuid4().hex[:6]}".encode()

    rounds = [0]
    answers = [0] * count

    async def hold(i: int, client: Client) -> None:
        while True:
            data = await client.sync(wait=50.0)
            rounds[0] += 1
            answers[i] += 1
            if marker in data:
                received[i] = time.monotonic()
                return

    tasks = [asyncio.ensure_future(hold(i, c)) for i, c in enumerate(clients)]
    parked = await _until_idle(pid)  # every poll sent, authenticated, read and parked on the server
    early = sum(t.done() for t in tasks)
    print(json.dumps({"answers_before_announcement": rounds[0]}), file=sys.stderr)
    database = Database(url)
    sent = time.monotonic()
    now = datetime.now(timezone.utc)
    await asyncio.to_thread(_announce, database, actor, marker.decode("utf-8"), now)
    committed = time.monotonic()
    done, pending = await asyncio.wait(tasks, timeout=30.0)
    failed = [t.exception() for t in done if t.exception() is not None]
    if failed:
        print(
            json.dumps({"failed_polls": len(failed), "first": str(failed[0])[:300]}, ensure_ascii=False),
            file=sys.stderr,
        )
    database.dispose()
    if pending:
        waiting = [i for i, t in enumerate(tasks) if t in pending]
        print(
            json.dumps({"still_waiting": len(waiting), "answers_they_got": sum(answers[i] for i in waiting)}),
            file=sys.stderr,
        )
    for task in pending:
        task.cancel()
    for client in clients:
        client.close()
    delays = sorted(t - sent for t in received.values())
    return {
        "speakers": count,
        "connect_and_first_sync_s": round(opened, 2),
        "polls_parked_after_s": round(parked, 1),
        "held_polls": count - early,
        "announcement_commit_ms": round((committed - sent) * 1000, 1),
        "received": len(received),
        "delivery_p50_s": round(_percentile(delays, 0.5), 3),
        "delivery_p99_s": round(_percentile(delays, 0.99), 3),
        "delivery_last_s": round(delays[-1], 3) if delays else None,
    }


def _announce(database: Database, actor: Actor, title: str, now: datetime) -> None:
    with database.write() as session:
        create_announcement(
            session,
            actor,
            AnnouncementInput(
                title, "请注意安全。", AnnouncementTarget.ALL, now, now + timedelta(hours=2), urgent=True
            ),
            now,
        )


async def steady_syncs(port: int, speakers: int, seconds: float, period: float) -> Dict[str, Any]:
    clients, _ = await _open_fleet(port, speakers)
    latencies: List[float] = []
    errors = 0
    stop_at = time.monotonic() + seconds

    async def speaker(client: Client) -> None:
        nonlocal errors
        await asyncio.sleep(random.uniform(0, period))
        while time.monotonic() < stop_at:
            op = {
                "op_id": str(uuid.uuid4()),
                "type": "message.send",
                "payload": {"message_id": str(uuid.uuid4()), "to": "女儿", "text": "我很好"},
            }
            began = time.monotonic()
            try:
                await client.sync(ops=[op])
                latencies.append(time.monotonic() - began)
            except Exception as exc:
                errors += 1
                if errors == 1:
                    print(json.dumps({"first_error": str(exc)[:300]}, ensure_ascii=False), file=sys.stderr)
            await asyncio.sleep(period)

    await asyncio.gather(*(speaker(c) for c in clients))
    for client in clients:
        client.close()
    return {
        "speakers": speakers,
        "period_s": period,
        "seconds": seconds,
        "round_trips": len(latencies),
        "errors": errors,
        "p50_ms": round(_percentile(latencies, 0.5) * 1000, 1),
        "p95_ms": round(_percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
    }


def _server(url: str, port: int, workers: int, folder: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = open(folder / "fleet-server.log", "w", encoding="utf-8")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "community",
            "--database-url",
            url,
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                time.sleep(1.0)  # let every worker finish starting
                return proc
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--polls", type=int, default=5000, help="Speakers holding long polls at once (0: skip)"
    )
    parser.add_argument("--speakers", type=int, default=1000, help="Speakers for the latency run (0: skip)")
    parser.add_argument("--seconds", type=float, default=60.0, help="Length of the latency run")
    parser.add_argument("--period", type=float, default=30.0, help="Seconds between one speaker's syncs")
    parser.add_argument("--workers", type=int, default=2, help="Server worker processes")
    args = parser.parse_args()
    limit = _raise_fd_limit(2 * args.polls + 1000)  # inherited by the server processes too
    name = f"fleet_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    folder = ROOT / "bench" / "out"
    folder.mkdir(exist_ok=True)
    proc: Optional[subprocess.Popen] = None
    try:
        actor = _populate(url, max(args.polls, args.speakers, 1))
        port = _free_port()
        proc = _server(url, port, args.workers, folder)
        print(
            json.dumps(
                {"figure": "setup", "fd_limit": limit, "workers": args.workers, "cpus": os.cpu_count()}
            )
        )
        if args.polls > 0:
            held = asyncio.run(held_polls_and_urgent(port, url, actor, args.polls, proc.pid))
            print(json.dumps({"figure": "long_polls_and_urgent_delivery", **held}, ensure_ascii=False))
        if args.speakers > 0:
            steady = asyncio.run(steady_syncs(port, args.speakers, args.seconds, args.period))
            print(json.dumps({"figure": "sync_latency", **steady}, ensure_ascii=False))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
