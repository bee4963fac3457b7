"""`doctor` tells a volunteer what is broken and how to fix it; the exit code flags what a senior notices."""

import argparse
import http.server
import importlib.util
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Iterator, List

import pytest

from assistant.clock import FakeClock
from assistant.config import Settings
from assistant.doctor import (
    CheckResult,
    Probes,
    SoundDevice,
    Status,
    exit_code,
    run_checks,
    run_doctor,
    summary_text,
)

ROOT = Path(__file__).resolve().parents[2]
USB = (
    SoundDevice(0, "bcm2835 Headphones", inputs=0, outputs=8),
    SoundDevice(1, "USB PnP Sound Device: Audio (hw:2,0)", inputs=1, outputs=2,
                default_input=True, default_output=True),
)
NO_ESPEAK = shutil.which("espeak-ng") is None


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def http_server() -> Iterator[str]:
    """A real HTTP server on loopback that answers 200 to everything (stands in for the community)."""

    class _Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join(timeout=5)


def _model(model_dir: Path, files: List[str]) -> Path:
    folder = model_dir / "vosk-model-small-cn-0.22"
    for name in files:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"x" * 1000)
    return folder


def _healthy(tmp_path: Path, server_url: str) -> tuple:
    data = tmp_path / "data"
    data.mkdir()
    _model(tmp_path / "models", ["am/final.mdl", "conf/model.conf", "graph/HCLr.fst", "graph/Gr.fst"])
    import sqlite3

    connection = sqlite3.connect(data / "assistant.db")
    connection.execute("CREATE TABLE reminders (id TEXT PRIMARY KEY, content TEXT)")
    connection.execute("INSERT INTO reminders VALUES ('r1', '吃降压药')")
    connection.commit()
    connection.close()
    token = data / "device_token"
    token.write_text("tok-123", encoding="utf-8")
    token.chmod(0o600)
    thermal = tmp_path / "thermal" / "thermal_zone0"
    thermal.mkdir(parents=True)
    (thermal / "temp").write_text("48312\n", encoding="utf-8")
    settings = Settings.from_flat({
        "data_dir": data, "model_dir": tmp_path / "models", "server_url": server_url})
    probes = Probes(list_devices=lambda: USB, clock=FakeClock(datetime(2025, 3, 1, 10, 0)),
                    thermal_dir=tmp_path / "thermal")
    return settings, probes


def _by_name(results: List[CheckResult]) -> dict:
    return {r.name: r for r in results}


@pytest.mark.skipif(NO_ESPEAK, reason="espeak-ng is not installed")
def test_healthy_device_passes_every_check_and_says_so(tmp_path: Path, http_server: str) -> None:
    settings, probes = _healthy(tmp_path, http_server)
    results = run_checks(settings, probes)
    statuses = {r.name: r.status for r in results}
    assert statuses == {
        "microphone": Status.OK, "loudspeaker": Status.OK, "model": Status.OK, "voice": Status.OK,
        "store": Status.OK, "server": Status.OK, "pairing": Status.OK, "clock": Status.OK,
        "disk": Status.OK, "temperature": Status.OK, "sync": Status.OK,
    }
    checks = _by_name(results)
    assert checks["microphone"].detail == "USB PnP Sound Device: Audio (hw:2,0) (#1)"
    assert checks["loudspeaker"].detail == "USB PnP Sound Device: Audio (hw:2,0) (#1)"
    assert checks["temperature"].detail == "48 °C"
    assert checks["server"].detail == f"{http_server} (HTTP 200)"
    assert exit_code(results) == 0
    assert summary_text(results) == ("设备自检完成：麦克风、扬声器、语音识别模型、语音合成、本地数据、"
                                     "社区服务器正常。一切正常。")


@pytest.mark.skipif(NO_ESPEAK, reason="espeak-ng is not installed")
def test_stopped_server_is_a_problem_but_not_a_critical_one(tmp_path: Path, http_server: str) -> None:
    settings, probes = _healthy(tmp_path, f"http://127.0.0.1:{_closed_port()}")
    results = run_checks(settings, probes)
    server = _by_name(results)["server"]
    assert server.status is Status.FAIL
    assert "Connection refused" in server.detail
    assert "systemctl status yuechao-community" in server.fix
    assert exit_code(results) == 0  # the speaker still works offline
    assert summary_text(results) == ("设备自检完成：麦克风、扬声器、语音识别模型、语音合成、本地数据正常。"
                                     "有一项需要处理：连不上社区服务器。请告诉社区志愿者。")


def test_configured_microphone_that_is_not_plugged_in_names_the_ones_that_are(tmp_path: Path) -> None:
    settings, probes = _healthy(tmp_path, "http://127.0.0.1:9")
    settings = Settings.from_flat({"data_dir": settings.data_dir, "audio.input_device": "ReSpeaker"})
    mic = _by_name(run_checks(settings, probes))["microphone"]
    assert mic.status is Status.FAIL and mic.critical
    assert mic.detail == ("配置的麦克风 'ReSpeaker' 不存在 / configured audio.input_device 'ReSpeaker' not "
                          "found; available: USB PnP Sound Device: Audio (hw:2,0) (#1)")


def test_device_chosen_by_index_and_by_name(tmp_path: Path) -> None:
    settings, probes = _healthy(tmp_path, "http://127.0.0.1:9")
    settings = Settings.from_flat({"data_dir": settings.data_dir, "audio.input_device": "1",
                                                "audio.output_device": "headphones"})
    checks = _by_name(run_checks(settings, probes))
    assert checks["microphone"].detail == "USB PnP Sound Device: Audio (hw:2,0) (#1)"
    assert checks["loudspeaker"].detail == "bcm2835 Headphones (#0)"


def test_damaged_store_and_incomplete_model_fail_with_exit_code_1(tmp_path: Path) -> None:
    settings, probes = _healthy(tmp_path, "http://127.0.0.1:9")
    settings.db_path.write_bytes(b"this is not a database" * 100)
    shutil.rmtree(settings.model_dir / "vosk-model-small-cn-0.22" / "graph")
    checks = _by_name(run_checks(settings, probes))
    assert checks["store"].status is Status.FAIL and checks["store"].critical
    assert checks["store"].detail.startswith("数据库损坏 / store damaged: file is not a database")
    assert checks["model"].status is Status.FAIL
    assert checks["model"].detail == "vosk-model-small-cn-0.22 不完整 / incomplete, missing: graph/HCLr.fst"
    assert exit_code(list(checks.values())) == 1


def test_token_readable_by_others_and_hot_cpu_are_warnings(tmp_path: Path) -> None:
    settings, probes = _healthy(tmp_path, "http://127.0.0.1:9")
    (settings.data_dir / "device_token").chmod(0o644)
    (tmp_path / "thermal" / "thermal_zone0" / "temp").write_text("73000\n", encoding="utf-8")
    checks = _by_name(run_checks(settings, probes))
    assert checks["pairing"].status is Status.WARN
    assert checks["pairing"].fix == f"chmod 600 {settings.data_dir / 'device_token'}"
    assert checks["temperature"].status is Status.WARN
    assert checks["temperature"].detail == "73 °C"


def test_untrusted_clock_and_missing_voice(tmp_path: Path) -> None:
    settings, probes = _healthy(tmp_path, "http://127.0.0.1:9")
    settings = Settings.from_flat({"data_dir": settings.data_dir, "voice.voice": "zz"})
    probes = Probes(list_devices=lambda: USB, clock=FakeClock(datetime(2025, 3, 1, 10, 0), trusted=False),
                    espeak="espeak-ng" if not NO_ESPEAK else "no-such-espeak")
    checks = _by_name(run_checks(settings, probes))
    assert checks["clock"].status is Status.WARN
    assert checks["clock"].detail == ("2025-03-01 10:00, 未校准，提醒可能不准 / not synchronised: "
                                      "reminders may be off")
    assert checks["voice"].status is Status.FAIL and checks["voice"].critical


def test_a_crashing_probe_is_reported_not_raised(tmp_path: Path) -> None:
    settings, _ = _healthy(tmp_path, "http://127.0.0.1:9")

    def broken() -> list:
        raise ValueError("driver exploded")

    checks = _by_name(run_checks(settings, Probes(list_devices=broken, thermal_dir=tmp_path)))
    assert checks["microphone"].status is Status.SKIP
    assert checks["microphone"].detail == "无法检查 / could not check: ValueError('driver exploded')"


@pytest.mark.skipif(NO_ESPEAK, reason="espeak-ng is not installed")
def test_wav_source_and_sink_stand_in_for_the_sound_card(tmp_path: Path) -> None:
    """`doctor --input-wav FILE --output-dir DIR` checks what `run --input-wav --output-dir` would use."""
    wav = tmp_path / "question.wav"
    subprocess.run(["espeak-ng", "-v", "cmn", "-w", str(wav), "明天有什么活动"], check=True, timeout=30)
    settings = Settings.from_flat({"data_dir": tmp_path})
    probes = Probes(list_devices=lambda: [], thermal_dir=tmp_path, input_wav=wav, output_dir=tmp_path / "out")
    checks = _by_name(run_checks(settings, probes))
    assert checks["microphone"].status is Status.OK
    assert re.fullmatch(rf"WAV 文件代替麦克风 / WAV source {wav} \(\d\.\d s, 22050 Hz\)",
                        checks["microphone"].detail)
    assert checks["loudspeaker"].detail == f"WAV 文件夹代替扬声器 / WAV sink {tmp_path / 'out'}"
    wav.write_bytes(b"RIFF but not really")
    mic = _by_name(run_checks(settings, probes))["microphone"]
    assert mic.status is Status.FAIL and mic.critical
    assert mic.detail.startswith(f"WAV 文件不能用 / WAV source unusable: {wav}: not a PCM WAV file")


def test_plain_checklist_shows_a_fix_under_each_problem(tmp_path: Path) -> None:
    settings = Settings.from_flat({"data_dir": tmp_path / "d", "model_dir": tmp_path / "m",
                                                "server_url": f"http://127.0.0.1:{_closed_port()}"})
    out = io.StringIO()
    code = run_doctor(argparse.Namespace(json=False), settings,
                      Probes(list_devices=lambda: [], thermal_dir=tmp_path), stdout=out)
    text = out.getvalue()
    assert code == 1
    assert "[FAIL] 麦克风 microphone: 没有找到麦克风 / no input device" in text
    assert "       修复 fix: 插上 USB 麦克风（或 ReSpeaker 板）后重启；用 `arecord -l` 确认" in text
    assert (f"[FAIL] 语音识别模型 speech model: {tmp_path / 'm'} 里没有中文模型 / no Chinese model in "
            f"{tmp_path / 'm'}") in text
    assert "python -m assistant models fetch vosk-model-small-cn-0.22" in text
    assert "[SKIP] CPU 温度 CPU temperature: 本机没有温度传感器 / no thermal zone here" in text


def _cli_available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("assistant.console", "audio.commands"))


@pytest.mark.skipif(not _cli_available(), reason="assistant.console / audio.commands not in the tree yet")
def test_cli_doctor_json_on_this_machine_with_a_stopped_server(tmp_path: Path) -> None:
    """The real command, real PortAudio: this CI machine has no sound card, so mic and speaker fail."""
    port = _closed_port()
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "--data-dir", str(tmp_path / "data"), "--model-dir",
         str(tmp_path / "models"), "--server-url", f"http://127.0.0.1:{port}", "doctor", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert result.returncode == 1 and report["ok"] is False
    assert checks["server"]["status"] == "fail"
    assert checks["pairing"]["status"] == "fail"
    assert checks["model"]["status"] == "fail"
    assert checks["store"]["status"] == "ok"
    assert "连不上社区服务器" in report["summary"]
    import sounddevice

    if not any(d["max_input_channels"] for d in sounddevice.query_devices()):
        assert checks["microphone"]["status"] == "fail"
        assert checks["microphone"]["detail"] == "没有找到麦克风 / no input device"
        assert "没有找到麦克风" in report["summary"]


@pytest.mark.skipif(not _cli_available() or NO_ESPEAK, reason="CLI modules or espeak-ng missing")
def test_cli_doctor_with_wav_source_and_sink_and_a_stopped_server(tmp_path: Path) -> None:
    wav = tmp_path / "question.wav"
    subprocess.run(["espeak-ng", "-v", "cmn", "-w", str(wav), "小巢小巢"], check=True, timeout=30)
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "--data-dir", str(tmp_path / "data"), "--model-dir",
         str(tmp_path / "models"), "--server-url", f"http://127.0.0.1:{_closed_port()}", "doctor",
         "--input-wav", str(wav), "--output-dir", str(tmp_path / "answers")],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    lines = result.stdout.splitlines()
    assert result.returncode == 1  # still no speech model
    assert lines[0] == "越巢设备自检 / Yuechao device self-check"
    mic = f"[ OK ] 麦克风 microphone: WAV 文件代替麦克风 / WAV source {wav}"
    assert any(line.startswith(mic) for line in lines)
    assert f"[ OK ] 扬声器 loudspeaker: WAV 文件夹代替扬声器 / WAV sink {tmp_path / 'answers'}" in lines
    failed = [line.split(":")[0] for line in lines if line.startswith("[FAIL]")]
    assert failed == ["[FAIL] 语音识别模型 speech model", "[FAIL] 社区服务器 community server",
                      "[FAIL] 设备配对 pairing"]
    assert lines[-1] == "3 项需要处理 / 3 problem(s) to fix"
