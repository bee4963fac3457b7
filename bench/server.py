"""Benchmark the community server on PostgreSQL: req/s and p99 of the main read and booking
endpoints, and the 50-racers-for-10-places booking timing.

    .venv/bin/python bench/server.py [--seconds 8] [--concurrency 32] [--workers 2]

Creates a throw-away database on 127.0.0.1:5432 (dropped at the end), seeds it, starts
`python -m community serve` on an ephemeral port, and drives it with asyncio httpx clients
on the same machine (so client and server share the 2 cores). Prints one JSON line per figure.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from community.actors import Actor, ActorKind  # noqa: E402
from community.db import Database  # noqa: E402
from community.domain.accounts import get_or_create_community  # noqa: E402
from community.domain.activities import ActivityInput, create_activity  # noqa: E402
from community.domain.reminders import ReminderInput, create_reminder  # noqa: E402
from community.models import ActivityCategory, FamilyLink, Household, Repeat, Role, User, WebSession  # noqa: E402
from community.security import hash_password, new_token, token_hash  # noqa: E402

_LOGGER = logging.getLogger("bench.server")
ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
HOUSEHOLDS = 400
ACTIVITIES = 60


def _admin(sql: str) -> None:
    engine = sa.create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(sql))
    engine.dispose()


def _session_row(session: sa.orm.Session, user_id: str, now: datetime) -> Dict[str, str]:
    token, csrf = new_token(), new_token()
    session.add(
        WebSession(
            token_hash=token_hash(token),
            csrf_token=csrf,
            user_id=user_id,
            created_at=now,
            expires_at=now + timedelta(hours=2),
        )
    )
    return {"cookie": token, "csrf": csrf}


def _seed(database: Database) -> Dict[str, Any]:
    """400 households, 60 roomy activities, 6 reminders for the family's home, 5 race activities."""
    now = datetime.now(timezone.utc)
    with database.write() as session:
        community = get_or_create_community(session, "压测社区")
        digest = hash_password("bench-password")
        staff = User(
            username="bench-staff",
            display_name="staff",
            password_hash=digest,
            role=Role.STAFF,
            community_id=community.id,
            created_at=now,
        )
        family = User(
            username="bench-family",
            display_name="family",
            password_hash=digest,
            role=Role.FAMILY,
            created_at=now,
        )
        session.add_all([staff, family])
        homes = [
            Household(community_id=community.id, elder_name=f"老人{i}", address_as=f"{i}号", created_at=now)
            for i in range(HOUSEHOLDS)
        ]
        session.add_all(homes)
        session.flush()
        session.add(FamilyLink(user_id=family.id, household_id=homes[0].id))
        actor = Actor(ActorKind.STAFF, staff.id, "staff", frozenset({community.id}))
        activities, races = _seed_activities(session, actor, homes[0].id, now)
        return {
            "staff": _session_row(session, staff.id, now),
            "family": _session_row(session, family.id, now),
            "home": homes[0].id,
            "homes": [h.id for h in homes],
            "activities": activities,
            "races": races,
        }


def _seed_activities(
    session: sa.orm.Session, actor: Actor, home: str, now: datetime
) -> Tuple[List[str], List[str]]:
    activities = []
    for i in range(ACTIVITIES):
        start = now + timedelta(days=1 + i // 2, hours=i % 2)
        activities.append(
            create_activity(
                session,
                actor,
                ActivityInput(
                    f"活动{i}", ActivityCategory.CULTURE, "活动室", start, start + timedelta(hours=1), 10_000
                ),
                now,
            ).id
        )
    for hour in range(6, 22, 3):
        create_reminder(
            session, actor, home, ReminderInput(f"提醒{hour}", f"{hour:02d}:00", Repeat.DAILY, (), None), now
        )
    race_start = now + timedelta(days=2)
    races = [
        create_activity(
            session,
            actor,
            ActivityInput(
                f"抢位{i}", ActivityCategory.HEALTH, "礼堂", race_start, race_start + timedelta(hours=1), 10
            ),
            now,
        ).id
        for i in range(5)
    ]
    return activities, races


def _start_server(url: str, workers: int, folder: Path) -> Tuple[subprocess.Popen, str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    log = open(folder / "bench-server.log", "w", encoding="utf-8")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "community",
            "--database-url",
            url,
            "--data-dir",
            str(folder),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/openapi.json", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


async def _load(
    base: str,
    auth: Dict[str, str],
    make: Callable[[], Tuple[str, str, Any]],
    seconds: float,
    concurrency: int,
) -> Dict[str, Any]:
    latencies: List[float] = []
    statuses: Dict[int, int] = {}
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base,
        cookies={"yc_session": auth["cookie"]},
        limits=limits,
        timeout=30,
        headers={"X-CSRF-Token": auth["csrf"]},
    ) as client:

        async def worker() -> None:
            while time.perf_counter() < stop:
                method, path, body = make()
                started = time.perf_counter()
                response = await client.request(method, path, json=body)
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        began = time.perf_counter()
        await asyncio.gather(*[worker() for _ in range(concurrency)])
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "req_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(1000 * latencies[len(latencies) // 2], 1),
        "p99_ms": round(1000 * latencies[int(len(latencies) * 0.99)], 1),
        "statuses": statuses,
    }


async def _race(base: str, auth: Dict[str, str], activity: str, homes: List[str]) -> Tuple[float, int]:
    async with httpx.AsyncClient(
        base_url=base,
        cookies={"yc_session": auth["cookie"]},
        timeout=30,
        headers={"X-CSRF-Token": auth["csrf"]},
        limits=httpx.Limits(max_connections=50),
    ) as client:
        await client.get("/api/v1/activities/" + activity)  # warm the connection pool path
        started = time.perf_counter()
        responses = await asyncio.gather(
            *[
                client.post("/api/v1/bookings", json={"activity_id": activity, "household_id": home})
                for home in homes
            ]
        )
        return time.perf_counter() - started, sum(r.status_code == 201 for r in responses)


def _scenarios(data: Dict[str, Any]) -> List[Tuple[str, str, Callable[[], Tuple[str, str, Any]]]]:
    home = data["home"]
    pairs = itertools.product(data["activities"], data["homes"][5:])
    return [
        ("GET /api/v1/activities", "family", lambda: ("GET", "/api/v1/activities", None)),
        (
            "GET /api/v1/households/{id}/reminders",
            "family",
            lambda: ("GET", f"/api/v1/households/{home}/reminders", None),
        ),
        (
            "GET /api/v1/households/{id}/occurrences",
            "family",
            lambda: ("GET", f"/api/v1/households/{home}/occurrences", None),
        ),
        (
            "POST /api/v1/bookings",
            "staff",
            lambda: (
                "POST",
                "/api/v1/bookings",
                dict(zip(("activity_id", "household_id"), next(pairs), strict=True)),
            ),
        ),
    ]


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/server.py")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    name = f"bench_community_{uuid.uuid4().hex[:8]}"
    _admin(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    folder = ROOT / "bench" / "out"
    folder.mkdir(parents=True, exist_ok=True)
    proc = None
    try:
        database = Database(url)
        database.migrate()
        data = _seed(database)
        database.dispose()
        proc, base = _start_server(url, args.workers, folder)
        print(
            json.dumps({"load_average_1m_before": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}),
            flush=True,
        )
        for label, who, make in _scenarios(data):
            result = asyncio.run(_load(base, data[who], make, args.seconds, args.concurrency))
            print(
                json.dumps(
                    {"endpoint": label, "workers": args.workers, "concurrency": args.concurrency, **result},
                    ensure_ascii=False,
                ),
                flush=True,
            )
        timings = []
        for index, activity in enumerate(data["races"]):
            homes = data["homes"][index * 50 : index * 50 + 50]
            elapsed, won = asyncio.run(_race(base, data["staff"], activity, homes))
            if won != 10:
                raise RuntimeError(f"race {index}: {won} bookings, expected 10")
            timings.append(elapsed * 1000)
        print(
            json.dumps(
                {
                    "race": "50 concurrent bookings for 10 places",
                    "runs": len(timings),
                    "bookings_each": 10,
                    "median_ms": round(statistics.median(timings), 1),
                    "max_ms": round(max(timings), 1),
                },
                ensure_ascii=False,
            ),
            flush=True,
        )
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
