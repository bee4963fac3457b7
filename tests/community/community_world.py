"""Test helpers for the community server: fake clock, databases, a small two-community world."""

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
from typing import Dict, List, Optional

import httpx
import sqlalchemy as sa
from fastapi.testclient import TestClient

from community.actors import Actor, ActorKind
from community.app import create_app
from community.config import Settings
from community.db import Database
from community.domain.accounts import get_or_create_community
from community.domain.devices import create_pairing_code, pair
from community.models import FamilyLink, Household, Role, User, WebSession
from community.security import Throttle, hash_password, new_token, token_hash

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-1"
_HASH = hash_password(PASSWORD)
START = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
"""Monday 2 March 2026, 10:00 in Asia/Shanghai."""
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = START) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


def postgres_reason() -> Optional[str]:
    """None if the local PostgreSQL answers, else why not."""
    try:
        engine = sa.create_engine(PG_ADMIN, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any driver error means: skip with the reason
        return f"PostgreSQL on 127.0.0.1:5432 unreachable: {exc.__class__.__name__}: {str(exc)[:120]}"


def create_pg_database() -> str:
    name = f"community_test_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    engine = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def wipe(database: Database) -> None:
    """Empty every table (keeps the schema)."""
    from community.models import Base

    with database.write() as session:
        tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
        if database.is_sqlite:
            for name in tables:
                session.execute(sa.text(f"DELETE FROM {name}"))
        else:
            session.execute(sa.text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))


@dataclass
class World:
    """Two communities; community 1 has households a and b, community 2 has household c.

    fam_a is linked to a, fam_c to c, fam_ab to a and b; staff1 runs community 1, staff2 community 2.
    """

    database: Database
    clock: FakeClock
    settings: Settings
    ids: Dict[str, str] = field(default_factory=dict)
    _clients: List[TestClient] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.app = create_app(self.settings, clock=self.clock, database=self.database)
        now = self.clock.now()
        with self.database.write() as session:
            c1 = get_or_create_community(session, "一号社区")
            c2 = get_or_create_community(session, "二号社区")
            self.ids.update(c1=c1.id, c2=c2.id)
            for key, community, group in (("a", c1, "1号楼"), ("b", c1, "2号楼"), ("c", c2, "1号楼")):
                home = Household(
                    community_id=community.id,
                    elder_name=f"老人{key}",
                    address_as=f"{key}阿姨",
                    group_name=group,
                    created_at=now,
                )
                session.add(home)
                session.flush()
                self.ids[key] = home.id
            for name, community in (("staff1", c1), ("staff2", c2)):
                self.ids[name] = self._user(session, name, Role.STAFF, community.id)
            for name, homes in (("fam_a", "a"), ("fam_c", "c"), ("fam_ab", "ab")):
                self.ids[name] = self._user(session, name, Role.FAMILY, None)
                for key in homes:
                    session.add(FamilyLink(user_id=self.ids[name], household_id=self.ids[key]))

    def _user(self, session: sa.orm.Session, name: str, role: Role, community_id: Optional[str]) -> str:
        user = User(
            username=name,
            display_name=name,
            password_hash=_HASH,
            role=role,
            community_id=community_id,
            created_at=self.clock.now(),
        )
        session.add(user)
        session.flush()
        return user.id

    def client(self, user: Optional[str] = None) -> TestClient:
        """A client logged in as `user` (a session row made directly; login itself is tested apart)."""
        client = TestClient(self.app, raise_server_exceptions=False)
        self._clients.append(client)
        if user is not None:
            token, csrf = new_token(), new_token()
            with self.database.write() as session:
                session.add(
                    WebSession(
                        token_hash=token_hash(token),
                        csrf_token=csrf,
                        user_id=self.ids[user],
                        created_at=self.clock.now(),
                        expires_at=self.clock.now() + timedelta(days=30),
                    )
                )
            client.cookies.set("yc_session", token)
            client.headers["X-CSRF-Token"] = csrf
        return client

    def device(self, household: str) -> TestClient:
        """A client holding a freshly paired device token for household key `household`."""
        staff = "staff1" if household in "ab" else "staff2"
        community = self.ids["c1" if staff == "staff1" else "c2"]
        actor = Actor(ActorKind.STAFF, self.ids[staff], staff, frozenset({community}))
        with self.database.write() as session:
            code = create_pairing_code(session, actor, self.ids[household], self.clock.now(), 10)
            result = pair(session, Throttle(), code.code, "音箱", "test", self.clock.now())
        client = TestClient(self.app, raise_server_exceptions=False)
        client.headers["Authorization"] = f"Bearer {result.token}"
        self.ids[f"device_{household}"] = result.device.id
        self._clients.append(client)
        return client

    def staff_actor(self, which: str = "staff1") -> Actor:
        community = self.ids["c1" if which == "staff1" else "c2"]
        return Actor(ActorKind.STAFF, self.ids[which], which, frozenset({community}))

    def close(self) -> None:
        for client in self._clients:
            client.close()


def activity_body(start: datetime, capacity: int = 10, title: str = "太极拳") -> dict:
    return {
        "title": title,
        "category": "exercise",
        "place": "社区广场",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "capacity": capacity,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """`python -m community serve` on 127.0.0.1 with an ephemeral port."""

    def __init__(self, database_url: str, data_dir: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.log = open(data_dir / "server.log", "w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "community",
                "--data-dir",
                str(data_dir),
                "--database-url",
                database_url,
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"server exited: {(data_dir / 'server.log').read_text(encoding='utf-8')[-2000:]}"
                )
            try:
                if httpx.get(f"{self.url}/api/v1/openapi.json", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not answer within 20 s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.log.close()
