"""Engines, sessions and Alembic migrations for SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, cast

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Executable

from .config import Settings

_LOGGER = logging.getLogger(__name__)
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_engine(url: str, immediate: bool) -> Engine:
    """SQLite engine that emits its own BEGIN.

    Write sessions use BEGIN IMMEDIATE so that a transaction that read first and writes
    later cannot fail with SQLITE_BUSY_SNAPSHOT under WAL; readers use plain BEGIN.
    """
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """One database: a read and a write session factory (the same engine on PostgreSQL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = _sqlite_engine(url, immediate=False)
            self._write_engine = _sqlite_engine(url, immediate=True)
        else:
            self.engine = sa.create_engine(url, pool_size=10, max_overflow=20, pool_recycle=1800)
            self._write_engine = self.engine
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self._write_engine, expire_on_commit=False)

    @staticmethod
    def from_settings(settings: Settings) -> "Database":
        if settings.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        return Database(settings.database_url)

    def reader(self) -> Session:
        """A session for requests that only read."""
        return self._read()

    def writer(self) -> Session:
        """A session for requests that write (BEGIN IMMEDIATE on SQLite)."""
        return self._write()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """Context manager: commit on success, roll back on error."""
        session = self.writer()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        with self._write_engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
        _LOGGER.info("database at newest schema: %s", self.engine.url.render_as_string(hide_password=True))

    def dispose(self) -> None:
        self.engine.dispose()
        self._write_engine.dispose()


def rows_changed(session: Session, statement: Executable) -> int:
    """Run an UPDATE/DELETE and return how many rows it touched (the atomic-check idiom)."""
    result = cast("CursorResult[Any]", session.execute(statement))
    return result.rowcount
