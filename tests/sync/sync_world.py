"""Test world for sync: a real community server process on loopback and real device stores."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Dict, Optional, TypeVar
from zoneinfo import ZoneInfo

import httpx
import sqlalchemy as sa

from community.actors import Actor, ActorKind
from community.db import Database
from community.domain import accounts, activities
from community.domain.activities import ActivityInput
from community.domain.devices import create_pairing_code
from community.domain.households import HouseholdInput, create_household
from community.models import ActivityCategory

ROOT = Path(__file__).resolve().parents[2]
ZONE = ZoneInfo("Asia/Shanghai")
PASSWORD = "correct-horse-1"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
T = TypeVar("T")


def wait_for(check: Callable[[], T], timeout: float, what: str, step: float = 0.02) -> T:
    """Poll check() until it returns something truthy; AssertionError after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(step)


def local_now() -> datetime:
    """Naive wall time in the community's zone (what a device clock shows)."""
    return datetime.now(ZONE).replace(tzinfo=None, microsecond=0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_reason() -> Optional[str]:
    try:
        engine = sa.create_engine(PG_ADMIN, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any driver error: skip with the reason
        return f"PostgreSQL on 127.0.0.1:5432 unreachable: {exc.__class__.__name__}"


def create_pg_database() -> str:
    name = f"sync_test_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_pg_database(url: str) -> None:
    engine = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    engine.dispose()


class Server:
    """`python -m community serve` on 127.0.0.1; stop() and start() keep port and database."""

    def __init__(self, database_url: str, data_dir: Path, workers: int = 1) -> None:
        self.database_url, self.data_dir, self.workers = database_url, data_dir, workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: Optional[subprocess.Popen] = None

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("DATABASE_URL", None)
        log = open(self.data_dir / "server.log", "a", encoding="utf-8")
        args = [
            sys.executable,
            "-m",
            "community",
            "--data-dir",
            str(self.data_dir),
            "--database-url",
            self.database_url,
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError((self.data_dir / "server.log").read_text(encoding="utf-8")[-2000:])
            try:
                if (
                    httpx.get(f"{self.url}/api/v1/openapi.json", timeout=1, trust_env=False).status_code
                    == 200
                ):
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("server did not answer within 30 s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=3)  # held long polls would delay a graceful stop
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


@dataclass
class World:
    """One community (staff, a family user, two households, activities) behind a running server."""

    database: Database
    server: Server
    ids: Dict[str, str] = field(default_factory=dict)

    @staticmethod
    def create(
        tmp: Path, database_url: Optional[str] = None, workers: int = 1, serve: bool = True
    ) -> "World":
        url = database_url or f"sqlite:///{tmp / 'community.db'}"
        database = Database(url)
        database.migrate()
        world = World(database, Server(url, tmp, workers))
        world._populate()
        if serve:
            world.server.start()
        return world

    def _populate(self) -> None:
        now = datetime.now(timezone.utc)
        with self.database.write() as session:
            staff = accounts.create_staff(session, "staff1", "周社工", PASSWORD, "幸福里社区")
            community = staff.community_id or ""
            actor = Actor(ActorKind.STAFF, staff.id, "周社工", frozenset({community}))
            homes = [
                create_household(session, actor, HouseholdInput(n, a, group_name=g), now)
                for n, a, g in (("王秀英", "王阿姨", "1号楼"), ("李建国", "李伯伯", "2号楼"))
            ]
            accounts.create_family(session, "daughter", "王小红", PASSWORD, [homes[0].id], "女儿")
            self.ids.update(staff=staff.id, community=community, home=homes[0].id, other=homes[1].id)
        self.staff_actor = actor

    def add_activity(self, title: str, capacity: int, days: int = 2) -> str:
        start = (datetime.now(ZONE) + timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)
        with self.database.write() as session:
            item = activities.create_activity(
                session,
                self.staff_actor,
                ActivityInput(
                    title, ActivityCategory.EXERCISE, "社区广场", start, start + timedelta(hours=1), capacity
                ),
                datetime.now(timezone.utc),
            )
            return item.id

    def pairing_code(self, household: str = "home") -> str:
        with self.database.write() as session:
            return create_pairing_code(
                session, self.staff_actor, self.ids[household], datetime.now(timezone.utc), 10
            ).code

    def login(self, username: str) -> httpx.Client:
        client = httpx.Client(base_url=self.server.url, timeout=10, trust_env=False)
        me = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        me.raise_for_status()
        client.headers["X-CSRF-Token"] = me.json()["csrf_token"]
        return client

    def scalar(self, sql: str, **params: object) -> object:
        with self.database.reader() as session:
            return session.execute(sa.text(sql), params).scalar()

    def close(self) -> None:
        self.server.stop()
        self.database.dispose()
