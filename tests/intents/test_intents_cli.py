"""python -m intents parse: arguments, stdin, bad lines, bad options; as a subprocess and via main(argv)."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from intents.__main__ import main

_LOGGER = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "tests" / "data" / "catalog.json"
TIMEOUT = 60


def _run(args: List[str], stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "intents", *args], input=stdin, capture_output=True,
                          cwd=ROOT, timeout=TIMEOUT, check=False)


def _lines(out: bytes) -> List[dict]:
    return [json.loads(line) for line in out.decode("utf-8").splitlines()]


def test_subprocess_texts_and_catalog() -> None:
    proc = _run(["parse", "--now", "2025-03-05T10:00", "--catalog", str(CATALOG),
                 "明天 有 什么 活动", "我要报名书发班"])
    assert proc.returncode == 0, proc.stderr
    assert _lines(proc.stdout) == [
        {"text": "明天有什么活动", "intent": "activity.query", "slots": {"date": "2025-03-06"},
         "confidence": 1.0},
        {"text": "我要报名书法班", "intent": "activity.book", "slots": {"activity_id": "sf-0306"},
         "confidence": 1.0},
    ]
    assert "报名" in proc.stdout.decode("utf-8")  # ensure_ascii=False


def test_subprocess_stdin_bad_lines_each_get_unknown() -> None:
    junk = b"\n".join([
        "是的".encode(), b"", ("活动" * 5000).encode(), "😀🎉".encode(), b"hello world",
        b"\xff\xfe\x00\x81garbage", "半小时后提醒我关火".encode(),
    ]) + b"\n"
    proc = _run(["parse", "--now", "2025-03-05T10:00"], stdin=junk)
    assert proc.returncode == 0, proc.stderr
    got = [(d["intent"], d["slots"]) for d in _lines(proc.stdout)]
    assert got == [("dialog.yes", {}), ("unknown", {}), ("unknown", {}), ("unknown", {}), ("unknown", {}),
                   ("unknown", {}), ("reminder.create", {"date": "2025-03-05", "time": "10:30",
                                                        "content": "关火"})]


def test_subprocess_bad_now_is_usage_error() -> None:
    proc = _run(["parse", "--now", "2025-13-01", "好"])
    assert proc.returncode == 2
    assert "YYYY-MM-DDTHH:MM" in proc.stderr.decode("utf-8")
    assert proc.stdout == b""


def test_main_bad_catalog_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"activities": [{"id": "x", "title": "太极拳"}]}', encoding="utf-8")
    assert main(["parse", "--catalog", str(bad), "好"]) == 1
    assert "bad.json" in capsys.readouterr().err
    bad.write_text("not json", encoding="utf-8")
    assert main(["parse", "--catalog", str(bad), "好"]) == 1
    assert main(["parse", "--catalog", str(tmp_path / "missing.json"), "好"]) == 1
    assert "missing.json" in capsys.readouterr().err


def test_main_reads_stdin_in_order(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("算了\n大声一点\n今天天气怎么样\n"))
    assert main(["parse", "--now", "2025-03-05T10:00"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [d["intent"] for d in lines] == ["dialog.no", "dialog.louder", "unknown"]
    assert {k: v for k, v in lines[2].items() if k != "confidence"} == \
        {"text": "今天天气怎么样", "intent": "unknown", "slots": {}}
    assert lines[2]["confidence"] < 0.6


def test_main_usage_errors() -> None:
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["parse", "--now", "tomorrow", "好"])
    assert exc.value.code == 2
