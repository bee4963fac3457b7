"""`python -m assistant say --dry-run TEXT...`: one JSON line per TEXT with what the engine is
given and what espeak-ng makes of it; nothing is played or written."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

from audio.phonemes import fallbacks, phonemize

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

ROOT = Path(__file__).resolve().parents[2]
KEYS = ["text", "voice", "input", "phonemes", "fallbacks", "seconds"]
ISSUE_EXAMPLE = "明天上午九点有书法班，知道了，您好"


def _dry_run(tmp_path: Path, *texts: str, extra: List[str] = ()) -> List[Dict[str, Any]]:  # type: ignore[assignment]
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUECHAO_")}
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "--data-dir", str(tmp_path / "data"), *extra, "say", "--dry-run",
         *texts], cwd=tmp_path, env=dict(env, PYTHONPATH=str(ROOT)), capture_output=True, text=True,
        timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_one_json_line_per_text_with_exactly_the_issues_fields(tmp_path: Path) -> None:
    texts = [ISSUE_EXAMPLE, "好的，记住了，每天早上8:00提醒您吃降压药。", "妈，OK👍 ￥20 已转，25℃别穿太多"]
    rows = _dry_run(tmp_path, *texts)
    assert [list(row) for row in rows] == [KEYS] * 3
    assert [row["text"] for row in rows] == texts
    assert {row["voice"] for row in rows} == {"cmn-latn-pinyin"}
    assert [row["fallbacks"] for row in rows] == [0, 0, 0]
    assert all(isinstance(row["seconds"], float) and row["seconds"] > 1 for row in rows)
    # the phonemes are espeak-ng's for that input and voice, as `espeak-ng -q -x` prints them
    assert [row["phonemes"] for row in rows] == phonemize([row["input"] for row in rows], "cmn-latn-pinyin")
    assert rows[0]["input"].startswith("ming2 tian1 shang4 wu3 jiu3 dian3")


def test_it_plays_and_writes_nothing(tmp_path: Path) -> None:
    # No sound card is touched (an output device that does not exist would fail) and no file appears.
    before = set(tmp_path.rglob("*"))
    rows = _dry_run(tmp_path, "您好", extra=["--set", "audio.output_device=no-such-card"])
    assert len(rows) == 1
    assert {p for p in tmp_path.rglob("*") if p.suffix == ".wav"} == set()
    assert not [p for p in set(tmp_path.rglob("*")) - before if p.is_file() and p.stat().st_size > 0
                and p.suffix not in (".log", ".db", ".db-wal", ".db-shm")]


def test_the_issues_example_falls_back_with_the_plain_cmn_voice() -> None:
    """What the issue saw: Debian's cmn voice reads 明, 九, 点, 书 … as English pinyin."""
    plain = phonemize([ISSUE_EXAMPLE], "cmn", "hanzi")[0]
    assert "(en)" in plain and fallbacks(plain, "cmn") >= 8


def test_a_hanzi_voice_is_given_characters(tmp_path: Path) -> None:
    row = _dry_run(tmp_path, "明天3点有粤剧", extra=["--set", "voice.voice=yue"])[0]
    assert row["voice"] == "yue" and row["input"] == "明天三点有粤剧"
    assert row["fallbacks"] == 0 and row["phonemes"]


def test_an_undeclared_voice_is_a_message_naming_the_table(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "--data-dir", str(tmp_path / "data"), "--set", "voice.voice=en",
         "say", "--dry-run", "hello"], cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    assert "voices.yaml" in done.stderr and "Traceback" not in done.stderr
