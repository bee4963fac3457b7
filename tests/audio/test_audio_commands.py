"""The audio subcommands through `python -m assistant`, including `run` end to end from a WAV source."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
from speech_samples import RATE, espeak, silence

from assistant.__main__ import main
from audio.speaker import earcon
from audio.wav import Audio, read_wav, write_wav

ROOT = Path(__file__).resolve().parents[2]
WAKE = "감사합니다"


def _wav(path: Path, *parts: object) -> Path:
    pieces = [espeak(p) if isinstance(p, str) else silence(float(p)) for p in parts]  # type: ignore[arg-type]
    write_wav(path, Audio.concat([silence(0.3)] + pieces + [silence(1.0)], RATE))
    return path


def _base(tmp_path: Path) -> List[str]:
    return ["--data-dir", str(tmp_path / "data"), "--model-dir", str(tmp_path / "models")]


def test_transcribe_with_a_phrase_grammar(ko_model_dir: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    wav = _wav(tmp_path / "a.wav", "안녕하세요", 1.2, "아니요")
    phrases = tmp_path / "phrases.txt"
    phrases.write_text("안녕하세요\n아니요\n네\n", encoding="utf-8")
    code = main(_base(tmp_path) + ["transcribe", str(wav), "--grammar", "--phrases", str(phrases),
                                   "--model", str(ko_model_dir)])
    out = capsys.readouterr()
    assert code == 0
    rows = [json.loads(line) for line in out.out.splitlines()]
    assert [(r["text"], r["mode"]) for r in rows] == [("안녕하세요", "grammar"), ("아니요", "grammar")]
    assert "grammar: 3 phrases; not in the model's vocabulary: nothing" in out.err


def test_transcribe_reports_chinese_phrases_missing_from_a_korean_model(
        ko_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wav = _wav(tmp_path / "a.wav", "안녕하세요")
    code = main(_base(tmp_path) + ["transcribe", str(wav), "--grammar", "--model", str(ko_model_dir)])
    err = capsys.readouterr().err
    assert code == 0
    assert "not in the model's vocabulary: " in err and "no phrase survives; decoding open only" in err


def test_missing_model_is_a_message_not_a_traceback(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    wav = _wav(tmp_path / "a.wav", 0.5)
    assert main(_base(tmp_path) + ["transcribe", str(wav)]) == 1
    err = capsys.readouterr().err
    assert "python -m assistant models fetch vosk-model-small-cn-0.22" in err
    assert "Traceback" not in err


def test_say_writes_mandarin_speech(tmp_path: Path) -> None:
    out = tmp_path / "say.wav"
    assert main(_base(tmp_path) + ["say", "您好，今天有太极拳。", "--out", str(out)]) == 0
    audio = read_wav(out)
    assert 1.5 < audio.seconds < 10 and audio.rms > 1000


def test_unknown_model_name_lists_the_known_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_base(tmp_path) + ["models", "fetch", "vosk-model-tiny-xx"]) == 1
    assert "known models: vosk-model-small-cn-0.22" in capsys.readouterr().err


def test_models_list_says_what_is_installed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_base(tmp_path) + ["models", "list"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[0]["name"] == "vosk-model-small-cn-0.22" and rows[0]["installed"] is False


def test_run_from_a_wav_source_speaks_the_answer(ko_model_dir: Path, tmp_path: Path) -> None:
    # Korean model: the wake phrase is Korean (set like any other setting); the command's words
    # reach the real Assistant, whose Mandarin answer must come out of the sink.
    wav = _wav(tmp_path / "in.wav", "오늘은 시장에 가서 사과를 샀어요", 1.0, WAKE, 1.0, "오늘 날씨 알려 줘")
    out = tmp_path / "out"
    code = main(_base(tmp_path) + ["--set", f"dialog.wake_phrases={WAKE}", "--set", "clock_trust=always",
                                   "run", "--input-wav", str(wav), "--output-dir", str(out),
                                   "--model", str(ko_model_dir)])
    assert code == 0
    files = sorted(out.glob("*.wav"))
    assert len(files) >= 2
    assert read_wav(files[0]).pcm == earcon().pcm
    answer = Audio.concat([read_wav(f) for f in files[1:]], 22050)
    assert answer.seconds > 1.0 and answer.rms > 1000


def test_run_without_a_model_names_the_fetch_command(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    wav = _wav(tmp_path / "in.wav", 0.5)
    assert main(_base(tmp_path) + ["run", "--input-wav", str(wav), "--output-dir", str(tmp_path / "o")]) == 1
    assert "python -m assistant models fetch vosk-model-small-cn-0.22" in capsys.readouterr().err


def test_run_without_microphone_falls_back_to_the_console_chat(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "assistant"] + _base(tmp_path) + ["run"],
                          input="现在几点\n", capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert done.returncode == 0
    # here: no microphone; on a machine with one: no Chinese model in the empty model dir
    assert "falling back to the console chat" in done.stderr
    assert "小巢：现在是" in done.stdout


def test_run_tells_systemd_it_is_listening(ko_model_dir: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # Type=notify unit: READY=1 once the speaker listens, STOPPING=1 when the source ends.
    import socket

    wav = _wav(tmp_path / "in.wav", 0.5)
    address = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(address)
        server.settimeout(5)
        monkeypatch.setenv("NOTIFY_SOCKET", address)
        code = main(_base(tmp_path) + ["--set", f"dialog.wake_phrases={WAKE}", "run", "--input-wav", str(wav),
                                       "--output-dir", str(tmp_path / "o"), "--model", str(ko_model_dir)])
        messages = [server.recv(4096).decode("utf-8") for _ in range(2)]
    assert code == 0
    assert messages == ["READY=1\nSTATUS=listening", "STOPPING=1"]
