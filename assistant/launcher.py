"""`python -m assistant start`: the whole loop on one machine.

Starts a local community server (SQLite in DATA_DIR/community, demo data seeded on first
start) on 127.0.0.1, pairs this speaker with the demo household 王阿姨 the first time, then
runs the speaker (`run`) with sync — or, without a microphone or speech model, a console
where typed sentences and everything the server sends (reminders, announcements, messages,
booking verdicts) are printed as they happen. The server stops when the assistant exits.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import IO, Any, List, Optional

from .config import Settings
from .sync import SERVER_KEY, read_token

_LOGGER = logging.getLogger(__name__)
_ROOT = Path(__file__).resolve().parents[1]


class LauncherError(RuntimeError):
    """The local server could not be started."""


def register(subparsers: Any) -> None:
    """Add the `start` subcommand."""
    start = subparsers.add_parser(
        "start", help="All in one: local community server + demo data + pairing + run"
    )
    start.add_argument(
        "--port", type=int, default=8000, help="Server port on 127.0.0.1 (a free one if taken)"
    )
    start.add_argument("--console", action="store_true", help="Type instead of speaking")
    start.set_defaults(func=_cmd_start)


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalServer:
    """`python -m community serve` as a child process on 127.0.0.1 (SQLite in folder)."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = Path(folder), port
        self.url = f"http://127.0.0.1:{port}"
        self.proc: Optional[subprocess.Popen] = None

    def _env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "COMMUNITY_DATA_DIR")}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_ROOT), env.get("PYTHONPATH", "")]))
        return env

    def seed(self) -> List[dict]:
        """Create the demo community once; returns the demo logins."""
        self.folder.mkdir(parents=True, exist_ok=True)
        out = subprocess.run(
            [sys.executable, "-m", "community", "--data-dir", str(self.folder), "seed-demo"],
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if out.returncode != 0:
            raise LauncherError(f"seed-demo failed: {out.stderr[-1000:]}")
        return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]

    def start(self, timeout: float = 30.0) -> None:
        import httpx

        log = open(self.folder / "server.log", "a", encoding="utf-8")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "community",
                "--data-dir",
                str(self.folder),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            env=self._env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise LauncherError(
                    f"server exited with {self.proc.returncode}; see {self.folder / 'server.log'}"
                )
            try:
                if (
                    httpx.get(f"{self.url}/api/v1/openapi.json", timeout=1.0, trust_env=False).status_code
                    == 200
                ):
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise LauncherError(f"server did not answer on {self.url} within {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


def demo_pairing_code(folder: Path, household: str = "王阿姨") -> str:
    """A fresh pairing code for a demo household, made directly in the server's database."""
    from sqlalchemy import select

    from community.actors import Actor, ActorKind
    from community.clock import SystemClock
    from community.config import Settings as ServerSettings
    from community.db import Database
    from community.domain.devices import create_pairing_code
    from community.models import Household, User

    database = Database.from_settings(ServerSettings.load(env={}, data_dir=folder))
    try:
        with database.write() as session:
            staff = session.scalars(select(User).where(User.username == "staff")).one()
            home = session.scalars(select(Household).where(Household.address_as == household)).first()
            if home is None:
                raise LauncherError(f"no demo household {household!r}")
            actor = Actor(
                ActorKind.STAFF, staff.id, staff.display_name, frozenset({staff.community_id or ""})
            )
            return create_pairing_code(session, actor, home.id, SystemClock().now(), 10).code
    finally:
        database.dispose()


def _token_works(url: str, token: str) -> bool:
    import httpx

    try:
        answer = httpx.post(
            f"{url}/api/v1/device/sync",
            json={"wait": 0, "limit": 1},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10.0,
            trust_env=False,
        )
    except httpx.HTTPError:
        return False
    return answer.status_code == 200


def ensure_paired(settings: Settings, server: LocalServer) -> None:
    """Pair with the local server unless the stored token still works; remember the URL."""
    from .pairing import pair_device
    from .store import Store

    token = read_token(settings.data_dir)
    if token is not None and _token_works(server.url, token):
        store = Store.open(settings.db_path)
        try:
            store.set_setting(SERVER_KEY, server.url)
        finally:
            store.close()
        return
    pair_device(settings, server.url, demo_pairing_code(server.folder), "演示音箱")


def _banner(server: LocalServer, logins: List[dict], out: IO[str]) -> None:
    print(f"社区服务器 / community server: {server.url}  (网页 web: {server.url}/login)", file=out)
    for login in logins:
        print(f"  {login.get('role')}: {login.get('username')} / {login.get('password')}", file=out)
    print("音箱已配对：王阿姨 / speaker paired with household 王阿姨", file=out)


def _cmd_start(args: argparse.Namespace, settings: Settings) -> int:
    port = args.port if args.port and _port_free(args.port) else free_port()
    server = LocalServer(settings.data_dir / "community", port)
    try:
        logins = server.seed()
        server.start()
        ensure_paired(settings, server)
    except Exception as exc:
        server.stop()
        print(f"启动失败 / start failed: {exc}", file=sys.stderr)
        return 1
    settings = replace(settings, server_url=server.url)
    _banner(server, logins, sys.stderr)
    _follow_community_zone(_DEMO_ZONE, sys.stderr)
    try:
        if not args.console and _speaker_ready(settings):
            from .__main__ import build_parser

            run_args = build_parser().parse_args(["run"])
            return int(run_args.func(run_args, settings) or 0)
        return run_console(settings)
    finally:
        server.stop()


_DEMO_ZONE = "Asia/Shanghai"
"""The demo community's zone (community.config.DEFAULT_TIMEZONE)."""


def _follow_community_zone(zone: str, out: IO[str]) -> None:
    """Device times are the community's local times: on a machine set to another zone (a UTC
    laptop), run this process in the community's zone so reminders fire at the right moment."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    now = datetime.now().astimezone()
    if now.utcoffset() == now.astimezone(ZoneInfo(zone)).utcoffset() or not hasattr(time, "tzset"):
        return
    os.environ["TZ"] = zone
    time.tzset()
    print(f"本机时区与社区不同，本次按 {zone} 时间运行 / using the community's time zone {zone}", file=out)


def _speaker_ready(settings: Settings) -> bool:
    """A microphone and a speech model are there (else the console is used, with sync)."""
    try:
        from audio.capture import has_microphone
        from audio.wiring import model_path

        from .__main__ import build_parser

        run_args = build_parser().parse_args(["run"])
        return (
            bool(has_microphone(settings.audio.input_device))
            and Path(model_path(run_args, settings)).exists()
        )
    except Exception as exc:  # no audio stack installed
        _LOGGER.info("speaker not available: %s", exc)
        return False


def run_console(
    settings: Settings, stdin: IO[str] = sys.stdin, stdout: IO[str] = sys.stdout, clock: Any = None
) -> int:
    """Typed sentences in, replies out, with the dialog thread and sync running meanwhile."""
    from .clock import SystemClock
    from .console import input_lines
    from .events import UtteranceHeard
    from .runtime import Assistant

    lock = threading.Lock()

    def on_reply(reply: Any) -> None:
        with lock:
            stdout.write(f"小巢：{reply.text}\n")
            stdout.flush()

    clock = clock or SystemClock(always_trusted=settings.clock_trust == "always")
    assistant = Assistant.open(settings, clock, on_reply)
    assistant.start()
    print("（输入一句话回车；/quit 退出 / type a sentence, Enter; /quit to leave）", file=sys.stderr)
    try:
        for raw in input_lines(stdin):
            line = raw.strip()
            if line in ("/quit", "/exit"):
                break
            if line:
                # Answered here, serialised with the dialog thread, before the next line is read:
                # piped input that ends at once still gets every line answered before the exit.
                for reply in assistant.process(UtteranceHeard(line)):
                    on_reply(reply)
    except KeyboardInterrupt:
        pass
    finally:
        assistant.stop()
    return 0
