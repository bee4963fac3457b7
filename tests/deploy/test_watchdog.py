"""sd_notify: systemd hears READY=1, and WATCHDOG=1 only while every part of the speaker is alive."""

import os
import socket
import tempfile
from pathlib import Path
from typing import Iterator, List

import pytest

from assistant.watchdog import Watchdog, notify, watchdog_seconds


@pytest.fixture()
def notify_socket() -> Iterator[socket.socket]:
    """A datagram socket standing in for systemd's $NOTIFY_SOCKET (short path: AF_UNIX limit is 108)."""
    folder = tempfile.mkdtemp(prefix="sdn")
    path = os.path.join(folder, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(1)
    yield sock
    sock.close()
    os.unlink(path)
    os.rmdir(folder)


def _received(sock: socket.socket) -> str:
    return sock.recv(4096).decode("utf-8")


def _nothing_received(sock: socket.socket) -> bool:
    sock.settimeout(0.2)
    try:
        sock.recv(4096)
    except TimeoutError:
        return True
    return False


def test_ready_and_status_reach_the_socket(notify_socket: socket.socket) -> None:
    env = {"NOTIFY_SOCKET": notify_socket.getsockname()}
    dog = Watchdog(env=env)
    assert dog.ready("listening") is True
    assert _received(notify_socket) == "READY=1\nSTATUS=listening"
    assert dog.stopping() is True
    assert _received(notify_socket) == "STOPPING=1"


def test_abstract_socket_name_with_at_sign() -> None:
    name = f"yuechao-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(1)
        assert notify("WATCHDOG=1", {"NOTIFY_SOCKET": "@" + name}) is True
        assert sock.recv(100) == b"WATCHDOG=1"


def test_outside_systemd_nothing_is_sent_and_nothing_breaks(tmp_path: Path) -> None:
    assert notify("READY=1", {}) is False
    assert notify("READY=1", {"NOTIFY_SOCKET": str(tmp_path / "gone")}) is False
    dog = Watchdog(parts=("dialog",), env={})
    assert dog.interval is None
    dog.start()  # no thread without a watchdog
    dog.stop()


def test_watchdog_interval_comes_from_systemd() -> None:
    assert watchdog_seconds({"WATCHDOG_USEC": "60000000"}) == 60.0
    assert watchdog_seconds({"WATCHDOG_USEC": "60000000", "WATCHDOG_PID": "1"}, pid=1) == 60.0
    assert watchdog_seconds({"WATCHDOG_USEC": "60000000", "WATCHDOG_PID": "1"}, pid=2) is None
    assert watchdog_seconds({"WATCHDOG_USEC": "junk"}) is None
    assert watchdog_seconds({}) is None


def test_pings_stop_when_one_part_hangs(notify_socket: socket.socket) -> None:
    now: List[float] = [100.0]
    env = {"NOTIFY_SOCKET": notify_socket.getsockname(), "WATCHDOG_USEC": "60000000"}
    dog = Watchdog(parts=("capture", "dialog"), env=env, monotonic=lambda: now[0])
    assert dog.stale_seconds == 30.0
    assert dog.tick() is True
    assert _received(notify_socket) == "WATCHDOG=1"
    now[0] = 125.0
    dog.beat("capture")
    now[0] = 131.0  # dialog last beat at 100: 31 s ago, capture 6 s ago
    assert dog.stale_parts() == ("dialog",)
    assert dog.tick() is False
    assert _nothing_received(notify_socket)
    dog.beat("dialog")
    assert dog.tick() is True
    assert _received(notify_socket) == "WATCHDOG=1"


def test_thread_pings_on_its_own_schedule(notify_socket: socket.socket) -> None:
    env = {"NOTIFY_SOCKET": notify_socket.getsockname(), "WATCHDOG_USEC": "300000"}  # 0.3 s
    dog = Watchdog(parts=(), env=env)
    dog.start()
    try:
        assert _received(notify_socket) == "WATCHDOG=1"  # within the 1 s socket timeout
    finally:
        dog.stop()
