"""Under systemd with no microphone the speaker waits (READY + status), instead of a dead console chat."""

import io
import socket
from pathlib import Path

import pytest

from assistant.config import Settings
from audio import runner


def test_no_microphone_under_systemd_waits_and_says_why(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    address = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(address)
        server.settimeout(2)
        monkeypatch.setenv("NOTIFY_SOCKET", address)
        monkeypatch.setattr(runner, "_HARDWARE_WAIT_SECONDS", 0.2)
        monkeypatch.setattr("sys.stdin", io.StringIO(""))
        settings = Settings.from_flat({"data_dir": str(tmp_path)})
        assert runner._fallback(settings, "没有找到麦克风 / no microphone found") == 1
        first = server.recv(4096).decode("utf-8")
        last = server.recv(4096).decode("utf-8")
    assert first == "READY=1\nSTATUS=waiting: 没有找到麦克风 / no microphone found"
    assert last == "STOPPING=1"


def test_no_microphone_on_a_terminal_falls_back_to_chat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    seen = []
    monkeypatch.setattr("assistant.console.run_chat", lambda settings: seen.append(settings) or 0)
    settings = Settings.from_flat({"data_dir": str(tmp_path)})
    assert runner._fallback(settings, "没有找到麦克风 / no microphone found") == 0
    assert seen == [settings]
    assert "falling back to the console chat" in capsys.readouterr().err
