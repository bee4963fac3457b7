"""Alembic environment: runs on the connection that Database.migrate() passes in."""

from __future__ import annotations

import logging

from alembic import context

from community.models import Base

_LOGGER = logging.getLogger(__name__)


def _run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `python -m community migrate`")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


_run()
