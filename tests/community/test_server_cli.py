"""The command line: help, migrate, seed-demo and create-staff on a fresh SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from community_world import ROOT

from community.db import Database
from community.models import Activity, Household, Role, User


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "community", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


def test_help_lists_the_subcommands() -> None:
    result = _run("--help")
    assert result.returncode == 0
    for name in ("serve", "migrate", "seed-demo", "create-staff"):
        assert name in result.stdout


def test_seed_demo_prints_logins_and_makes_a_month_of_activities(tmp_path: Path) -> None:
    result = _run("--data-dir", str(tmp_path), "seed-demo")
    assert result.returncode == 0, result.stderr
    logins = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(x["role"], x["username"]) for x in logins] == [
        ("staff", "staff"),
        ("family", "daughter"),
        ("family", "son"),
        ("volunteer", "13800000001"),
    ]
    database = Database(f"sqlite:///{tmp_path / 'community.db'}")
    with database.reader() as session:
        starts = session.scalars(sa.select(Activity.starts_at).order_by(Activity.starts_at)).all()
        homes = session.scalar(sa.select(sa.func.count()).select_from(Household))
    database.dispose()
    assert homes == 6
    assert 28 <= (starts[-1] - starts[0]).days <= 30 and len(starts) >= 35
    again = _run("--data-dir", str(tmp_path), "seed-demo")
    assert again.returncode == 0 and again.stdout == result.stdout


def test_create_staff(tmp_path: Path) -> None:
    result = _run(
        "--data-dir",
        str(tmp_path),
        "create-staff",
        "zhou",
        "--community",
        "幸福里社区",
        env={"COMMUNITY_STAFF_PASSWORD": "a-long-password"},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["username"] == "zhou"
    short = _run(
        "--data-dir", str(tmp_path), "create-staff", "liming", "--community", "幸福里社区", "--password", "x"
    )
    assert short.returncode == 1 and "password: expected 8–128 characters" in short.stderr
    database = Database(f"sqlite:///{tmp_path / 'community.db'}")
    with database.reader() as session:
        users = session.execute(sa.select(User.username, User.role, User.password_hash)).all()
    database.dispose()
    assert [(u[0], u[1]) for u in users] == [("zhou", Role.STAFF)]
    assert users[0][2].startswith("$argon2id$")
