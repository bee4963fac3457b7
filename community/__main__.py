"""Command line: python -m community serve | migrate | seed-demo | create-staff."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional

from .config import ENV_DATA_DIR, ENV_DATABASE_URL, Settings
from .errors import CommunityError

_LOGGER = logging.getLogger(__name__)


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.load(data_dir=args.data_dir, database_url=args.database_url)


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = _settings(args)
    # Workers are separate processes: hand them the settings through the environment.
    os.environ[ENV_DATA_DIR] = str(settings.data_dir)
    os.environ[ENV_DATABASE_URL] = settings.database_url
    if settings.is_sqlite or args.migrate:
        from .db import Database

        database = Database.from_settings(settings)
        database.migrate()
        database.dispose()
    uvicorn.run(
        "community.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="debug" if args.debug else "info",
        access_log=args.access_log,
        http="community.serving:NoDelayH11Protocol",
    )
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    from .db import Database

    database = Database.from_settings(_settings(args))
    database.migrate()
    database.dispose()
    return 0


def _cmd_seed_demo(args: argparse.Namespace) -> int:
    from .db import Database
    from .seed import seed_demo

    settings = _settings(args)
    database = Database.from_settings(settings)
    database.migrate()
    logins = seed_demo(database, settings)
    database.dispose()
    for login in logins:
        print(json.dumps(login, ensure_ascii=False))
    return 0


def _cmd_create_staff(args: argparse.Namespace) -> int:
    from .db import Database
    from .domain.accounts import create_staff

    password = args.password or os.environ.get("COMMUNITY_STAFF_PASSWORD") or getpass.getpass("密码: ")
    database = Database.from_settings(_settings(args))
    database.migrate()
    with database.write() as session:
        name = args.display_name or args.username
        user = create_staff(session, args.username, name, password, args.community)
        result = {"username": user.username, "community_id": user.community_id}
    database.dispose()
    print(json.dumps(result, ensure_ascii=False))
    return 0


_COMMANDS: Dict[str, Callable[[argparse.Namespace], int]] = {
    "serve": _cmd_serve,
    "migrate": _cmd_migrate,
    "seed-demo": _cmd_seed_demo,
    "create-staff": _cmd_create_staff,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m community", description="越巢 community server")
    parser.add_argument("--debug", action="store_true", help="Print DEBUG messages to stderr")
    parser.add_argument("--data-dir", type=Path, help=f"Folder for the SQLite file (env {ENV_DATA_DIR})")
    parser.add_argument("--database-url", help=f"SQLAlchemy URL (env {ENV_DATABASE_URL}); default SQLite")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="Run the web server (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="Worker processes (use 1 with SQLite)")
    serve.add_argument("--migrate", action="store_true", help="Migrate first (always done on SQLite)")
    serve.add_argument("--access-log", action="store_true", help="Log every request")
    sub.add_parser("migrate", help="Upgrade the schema to the newest Alembic revision")
    sub.add_parser("seed-demo", help="Create a demo community with a month of activities; print the logins")
    staff = sub.add_parser("create-staff", help="Create a staff login for a community (created if new)")
    staff.add_argument("username")
    staff.add_argument("--community", required=True, help="Community name, e.g. 幸福里社区")
    staff.add_argument("--display-name")
    staff.add_argument("--password", help="Else env COMMUNITY_STAFF_PASSWORD, else asked")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO, stream=sys.stderr)
    if not args.debug:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return _COMMANDS[args.command](args)
    except CommunityError as exc:
        _LOGGER.error("%s", exc)
        return 1


if __name__ == "__main__":
    sys.exit(main())
