"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from community.db import _MIGRATIONS, Database
from community.models import Base


def test_migrations_match_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_migrations_downgrade_to_nothing_and_back(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'down.db'}")
    database.migrate()
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with database.writer().connection() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        connection.commit()
        assert sa.inspect(connection).get_table_names() == ["alembic_version"]
    database.migrate()
    with database.engine.connect() as connection:
        assert "bookings" in sa.inspect(connection).get_table_names()
    database.dispose()
