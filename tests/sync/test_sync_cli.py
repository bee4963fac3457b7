"""`python -m assistant pair` and `python -m assistant start` as a user runs them."""

from __future__ import annotations

import json
import os
import queue
import re
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sync_world import ROOT, World

from assistant.store import Store
from assistant.sync import SERVER_KEY


def _assistant(*args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )


def test_pair_stores_a_private_token_and_the_server(world: World, tmp_path: Path) -> None:
    data = tmp_path / "dev"
    bad = _assistant("--data-dir", str(data), "pair", "--server", world.server.url, "--code", "000000")
    assert bad.returncode == 1 and "配对失败" in bad.stderr
    good = _assistant(
        "--data-dir", str(data), "pair", "--server", world.server.url, "--code", world.pairing_code()
    )
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["household_id"] == world.ids["home"]
    token = data / "device_token"
    assert (
        stat.S_IMODE(token.stat().st_mode) == 0o600 and len(token.read_text(encoding="utf-8").strip()) >= 40
    )
    store = Store.open(data / "assistant.db")
    assert store.get_setting(SERVER_KEY) == world.server.url
    store.close()


def _lines(stream: Any) -> "queue.Queue[str]":
    lines: "queue.Queue[str]" = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True).start()
    return lines


def _until(lines: "queue.Queue[str]", fragment: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        seen.append(line)
        if fragment in line:
            return line
    raise AssertionError(f"no line with {fragment!r} within {timeout} s; got {seen}")


@pytest.mark.slow
def test_start_runs_server_pairs_and_answers_with_synced_data(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    quiet_off = ["--set", "dialog.quiet_start=00:00", "--set", "dialog.quiet_end=00:00"]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assistant",
            "--data-dir",
            str(tmp_path),
            *quiet_off,
            "start",
            "--port",
            "0",
            "--console",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    try:
        out, err = _lines(proc.stdout), _lines(proc.stderr)
        url = re.search(r"http://127\.0\.0\.1:\d+", _until(err, "community server:", 60)).group(0)  # type: ignore
        # The first sync brings the demo family message, read aloud at once.
        assert "周末我回来看您" in _until(out, "周末我回来看您", 10)
        proc.stdin.write("我有多少积分\n")
        proc.stdin.flush()
        assert "10个" in _until(out, "积分", 10)
        proc.stdin.write("/quit\n")
        proc.stdin.flush()
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    port = int(url.rsplit(":", 1)[1])
    with socket.socket() as sock:  # the local server stopped with the assistant
        assert sock.connect_ex(("127.0.0.1", port)) != 0
    assert stat.S_IMODE((tmp_path / "device_token").stat().st_mode) == 0o600
