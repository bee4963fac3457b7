"""Fixtures for the community server tests: SQLite and a throw-away PostgreSQL database."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from community_world import FakeClock, World, create_pg_database, drop_pg_database, postgres_reason, wipe

from community.config import Settings
from community.db import Database

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL database created for this run and dropped after it."""
    reason = postgres_reason()
    if reason:
        pytest.skip(reason)
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture(scope="session")
def _databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    opened: dict = {}
    yield opened
    for database in opened.values():
        database.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database(
    backend: str, request: pytest.FixtureRequest, _databases: dict, tmp_path_factory: pytest.TempPathFactory
) -> Database:
    """A migrated, empty database of the backend (migrated once per run, wiped per test)."""
    if backend not in _databases:
        if backend == "postgresql":
            url = request.getfixturevalue("pg_url")
        else:
            url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'community.db'}"
        db = Database(url)
        db.migrate()
        _databases[backend] = db
    db = _databases[backend]
    wipe(db)
    return db


@pytest.fixture
def world(database: Database, tmp_path: Path) -> Iterator[World]:
    settings = Settings(data_dir=tmp_path, database_url=database.url)
    built = World(database=database, clock=FakeClock(), settings=settings)
    yield built
    built.close()
