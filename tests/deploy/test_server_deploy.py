"""Server deployment files: units systemd accepts, nginx config nginx accepts, backups that restore.

Backups are tested for real: a throw-away PostgreSQL database on 127.0.0.1:5432 and an SQLite file
are filled, backed up, emptied or dropped, restored and compared row by row.
"""

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SERVER = DEPLOY / "server"
UNITS = [DEPLOY / "raspberry-pi" / "yuechao-assistant.service", SERVER / "yuechao-community.service"]
SCRIPTS = [DEPLOY / "raspberry-pi" / "install.sh", SERVER / "backup.sh", SERVER / "restore.sh",
           SERVER / "db-url.sh"]
PG = {"PGHOST": "127.0.0.1", "PGPORT": "5432", "PGUSER": "postgres", "PGCONNECT_TIMEOUT": "5"}


def _run(
    args: List[str], env: Dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, timeout=120,
                            env={**os.environ, **(env or {})})
    if check:
        assert result.returncode == 0, f"{args}: {result.stderr}"
    return result


# --- systemd units -------------------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_unit_passes_systemd_analyze_verify(unit: Path, tmp_path: Path) -> None:
    """verify checks that ExecStart binaries exist, so the venv path is pointed at a stand-in."""
    fake_venv = tmp_path / "opt" / "yuechao" / "venv"
    (fake_venv / "bin").mkdir(parents=True)
    (fake_venv / "bin" / "python").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    (fake_venv / "bin" / "python").chmod(0o755)
    text = unit.read_text(encoding="utf-8").replace("/opt/yuechao/venv", str(fake_venv))
    (tmp_path / unit.name).write_text(text, encoding="utf-8")
    result = _run(["systemd-analyze", "verify", str(tmp_path / unit.name)], check=False)
    # Offline containers may warn about the absence of a running manager; the unit must be clean.
    problems = [line for line in (result.stdout + result.stderr).splitlines() if unit.name in line]
    assert result.returncode == 0 and problems == [], result.stdout + result.stderr


def _directives(unit: Path) -> Dict[str, List[str]]:
    found: Dict[str, List[str]] = {}
    for line in unit.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            found.setdefault(key, []).append(value)
    return found


def test_speaker_unit_restarts_for_ever_under_a_watchdog() -> None:
    unit = _directives(UNITS[0])
    assert unit["Type"] == ["notify"] and unit["Restart"] == ["always"]
    assert unit["WatchdogSec"] == ["60"] and unit["StartLimitIntervalSec"] == ["0"]
    assert unit["After"] == ["sound.target network-online.target time-sync.target"]
    assert unit["ExecStart"] == [
        "/opt/yuechao/venv/bin/python -m assistant --config /etc/yuechao/config.toml run"]
    assert unit["SupplementaryGroups"] == ["audio"] and unit["StandardError"] == ["journal"]


def test_server_unit_migrates_before_starting_several_workers() -> None:
    unit = _directives(UNITS[1])
    assert unit["ExecStartPre"] == ["/opt/yuechao/venv/bin/python -m community migrate"]
    assert unit["ExecStart"] == ["/opt/yuechao/venv/bin/python -m community serve --host 127.0.0.1 "
                                 "--port ${COMMUNITY_PORT} --workers ${COMMUNITY_WORKERS}"]
    assert unit["EnvironmentFile"] == ["/etc/yuechao/community.env"]
    assert "COMMUNITY_WORKERS=4" in unit["Environment"]


def test_community_cli_accepts_the_units_arguments() -> None:
    """The flags the unit passes exist (argparse exits 2 on an unknown one)."""
    result = _run([str(ROOT / ".venv/bin/python"), "-m", "community", "serve", "--help"], check=False)
    if result.returncode != 0 and "No module named" in result.stderr:
        pytest.skip(f"community CLI not importable here: {result.stderr.strip()[-200:]}")
    assert result.returncode == 0, result.stderr
    for flag in ("--host", "--port", "--workers"):
        assert flag in result.stdout


# --- shell scripts and nginx ---------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_passes_shellcheck(script: Path) -> None:
    result = _run(["shellcheck", str(script)], check=False)
    assert result.returncode == 0, result.stdout


def _long_poll_seconds() -> int:
    """The longest sync long poll the server holds, from its code when it says; else the documented 60 s."""
    for module, name in (("community.api.sync", "MAX_WAIT_SECONDS"), ("community.sync", "MAX_WAIT_SECONDS")):
        try:
            return int(getattr(__import__(module, fromlist=[name]), name))
        except (ImportError, AttributeError):
            continue
    return 60


def test_nginx_waits_longer_than_the_longest_long_poll() -> None:
    text = (SERVER / "nginx-yuechao.conf").read_text(encoding="utf-8")
    timeouts = [int(t) for t in re.findall(r"proxy_read_timeout\s+(\d+)s;", text)]
    assert timeouts and min(timeouts) > _long_poll_seconds()
    assert "proxy_buffering off;" in text and "listen 443 ssl http2;" in text


@pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
                    reason="nginx not installed (apt-get install nginx-light)")
@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_nginx_accepts_the_example(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    _run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
          "/CN=community.example.cn", "-keyout", str(tmp_path / "key.pem"),
          "-out", str(tmp_path / "cert.pem")])
    site = (SERVER / "nginx-yuechao.conf").read_text(encoding="utf-8")
    live = "/etc/letsencrypt/live/community.example.cn"
    site = site.replace(f"{live}/fullchain.pem", str(tmp_path / "cert.pem"))
    site = site.replace(f"{live}/privkey.pem", str(tmp_path / "key.pem"))
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n"
        f"  proxy_temp_path {tmp_path}/proxy;\n  include {tmp_path}/site.conf;\n}}\n", encoding="utf-8")
    result = _run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], check=False)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


# --- backups -------------------------------------------------------------------------------------

def _postgres_up() -> bool:
    if shutil.which("psql") is None or shutil.which("pg_dump") is None:
        return False
    return _run(["psql", "-d", "postgres", "-tAc", "select 1"], env=PG, check=False).returncode == 0


@pytest.fixture()
def pg_database() -> Iterator[str]:
    if not _postgres_up():
        pytest.skip("PostgreSQL on 127.0.0.1:5432 (user postgres) or psql/pg_dump not available")
    name = f"yuechao_backup_test_{os.getpid()}"
    _run(["psql", "-d", "postgres", "-qc", f"DROP DATABASE IF EXISTS {name}",
          "-c", f"CREATE DATABASE {name}"], env=PG)
    yield name
    _run(["psql", "-d", "postgres", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
         env=PG, check=False)


def _psql(database: str, sql: str) -> str:
    return _run(["psql", "-d", database, "-v", "ON_ERROR_STOP=1", "-qtAc", sql], env=PG).stdout.strip()


_ROWS = "SELECT id, title, capacity, start FROM activities ORDER BY id"


@pytest.mark.postgres
def test_postgres_backup_survives_a_dropped_database(pg_database: str, tmp_path: Path) -> None:
    _psql(pg_database, "CREATE TABLE activities (id serial PRIMARY KEY, title text NOT NULL, capacity int, "
          "start timestamp); CREATE INDEX activities_start ON activities (start); "
          "INSERT INTO activities (title, capacity, start) VALUES ('太极拳', 20, '2025-03-02 09:00'), "
          "('健康讲座', 50, '2025-03-03 14:30'), ('剪纸', NULL, '2025-03-04 10:00')")
    before = _psql(pg_database, _ROWS)
    env_file = tmp_path / "community.env"
    env_file.write_text(f'DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/{pg_database}"\n',
                        encoding="utf-8")
    env = {**PG, "DATABASE_URL": ""}
    backup = _run([str(SERVER / "backup.sh"), "--env-file", str(env_file), "--dir", str(tmp_path / "b")],
                  env=env).stdout.strip()
    assert re.fullmatch(rf"{tmp_path}/b/yuechao-\d{{8}}T\d{{6}}\.\d{{3}}Z\.dump", backup)
    assert oct(Path(backup).stat().st_mode & 0o777) == "0o600"

    _run(["psql", "-d", "postgres", "-qc", f"DROP DATABASE {pg_database} WITH (FORCE)",
          "-c", f"CREATE DATABASE {pg_database}"], env=PG)
    assert _psql(pg_database, "SELECT count(*) FROM pg_tables WHERE tablename = 'activities'") == "0"
    refused = _run([str(SERVER / "restore.sh"), "--env-file", str(env_file), backup], env=env, check=False)
    assert refused.returncode == 1 and "add --yes" in refused.stderr
    _run([str(SERVER / "restore.sh"), "--env-file", str(env_file), "--yes", backup], env=env)
    assert _psql(pg_database, _ROWS) == before
    assert _psql(pg_database, "SELECT indexname FROM pg_indexes WHERE tablename = 'activities' "
                 "ORDER BY indexname") == "activities_pkey\nactivities_start"
    # The sequence came back too: the next id continues after the restored rows.
    assert _psql(pg_database, "INSERT INTO activities (title) VALUES ('象棋') RETURNING id") == "4"


def test_sqlite_backup_restores_the_rows_and_keeps_the_damaged_file(tmp_path: Path) -> None:
    if shutil.which("sqlite3") is None:
        pytest.skip("sqlite3 command not installed (apt-get install sqlite3)")
    db = tmp_path / "data" / "community.db"
    db.parent.mkdir()
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE reminders (id TEXT PRIMARY KEY, content TEXT, due TEXT)")
    connection.executemany("INSERT INTO reminders VALUES (?, ?, ?)",
                           [("r1", "吃降压药", "08:00"), ("r2", "量血压", "19:30")])
    connection.commit()
    env = {"DATABASE_URL": f"sqlite:///{db}"}
    backups = []
    for _ in range(3):  # while the server holds the database open
        backups.append(_run([str(SERVER / "backup.sh"), "--dir", str(tmp_path / "b"), "--keep", "2"],
                            env=env).stdout.strip())
    connection.execute("DELETE FROM reminders")
    connection.commit()
    connection.close()
    kept = sorted(p.name for p in (tmp_path / "b").iterdir())
    assert len(set(backups)) == 3
    assert kept == sorted(Path(b).name for b in backups[1:])  # --keep 2: the oldest went

    _run([str(SERVER / "restore.sh"), "--yes", backups[-1]], env=env)
    connection = sqlite3.connect(db)
    rows = connection.execute("SELECT * FROM reminders ORDER BY id").fetchall()
    connection.close()
    assert rows == [("r1", "吃降压药", "08:00"), ("r2", "量血压", "19:30")]
    previous = list(db.parent.glob("community.db.before-restore-*"))
    assert len(previous) == 1
    assert sqlite3.connect(previous[0]).execute("SELECT count(*) FROM reminders").fetchone() == (0,)


def test_backup_without_a_database_url_says_where_to_put_it(tmp_path: Path) -> None:
    result = _run([str(SERVER / "backup.sh"), "--env-file", str(tmp_path / "missing.env"), "--dir",
                   str(tmp_path)], env={"DATABASE_URL": ""}, check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == f"no DATABASE_URL: set it or put it in {tmp_path / 'missing.env'}"
