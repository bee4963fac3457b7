"""`python -m assistant chat`: text and JSON lines, the fake clock and /advance."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from assistant.config import Settings
from assistant.console import run_chat

ROOT = Path(__file__).resolve().parents[2]


def _chat(tmp_path, lines, jsonl=False):
    out = io.StringIO()
    code = run_chat(Settings(data_dir=tmp_path), db=tmp_path / "chat.db", now="2026-11-30T10:00",
                    jsonl=jsonl, stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out)
    assert code == 0
    return out.getvalue().splitlines()


def test_text_chat_with_advance(tmp_path):
    lines = _chat(tmp_path, ["现在几点", "明天早上八点提醒我吃药", "好的", "/advance 1d", "知道了"])
    assert lines == [
        "小巢：现在是上午十点，11月30号 星期一。",
        "小巢：明天早上八点提醒您吃药，对吗？",
        "小巢：好的，记住了，明天早上八点提醒您吃药。",
        "小巢：提醒您：吃药。听到了请说知道了。",
        "小巢：再提醒您一次：吃药。吃了药就说：吃过了。",
        "小巢：再提醒您一次：吃药。吃了药就说：吃过了。",
        "小巢：再提醒您一次：吃药。吃了药就说：吃过了。",
        "（现在是 2026-12-01 10:00）",
        "小巢：现在没有在响的提醒。",  # missed at 08:20: nothing rings any more, nothing is pretended
    ]


def test_jsonl_turns(tmp_path):
    lines = [json.loads(line) for line in _chat(tmp_path, ["报名明天的太极拳", "好的", "/advance 30m"], True)]
    assert [sorted(d) for d in lines] == [["events", "heard", "intent", "now", "reply", "slots"]] * 2 + [
        ["events", "heard", "intent", "now", "replies", "reply", "slots"]]
    first, second, third = lines
    assert (first["heard"], first["intent"]) == ("报名明天的太极拳", "activity.book")
    assert first["slots"] == {"date": "2026-12-01", "activity_id": "taiji-1201"}
    assert first["reply"] == "您要报名明天早上八点在社区广场的太极拳，对吗？" and first["events"] == []
    assert second["intent"] == "dialog.yes"
    assert [e["type"] for e in second["events"]] == ["booking.create"]
    assert second["events"][0]["payload"]["activity_id"] == "taiji-1201"
    assert (third["heard"], third["now"], third["replies"]) == ("/advance 30m", "2026-11-30T10:30:00", [])


def test_bad_now_exits_2(tmp_path):
    code = run_chat(Settings(data_dir=tmp_path), db=tmp_path / "c.db", now="tomorrow",
                    stdin=io.StringIO(""), stdout=io.StringIO())
    assert code == 2


def test_python_m_assistant_chat(tmp_path):
    command = [sys.executable, "-m", "assistant", "--data-dir", str(tmp_path), "chat",
               "--now", "2026-11-30T10:00", "--jsonl"]
    done = subprocess.run(command, input="我有多少积分\n", capture_output=True, text=True, encoding="utf-8",
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    turn = json.loads(done.stdout.splitlines()[-1])
    assert (turn["heard"], turn["intent"]) == ("我有多少积分", "points.query")
    assert turn["reply"] == "还没有您的积分记录，连上社区以后就能查。"
    assert (tmp_path / "assistant.db").exists()


def test_live_chat_on_the_real_clock_runs_the_dialog_thread(tmp_path):
    out = io.StringIO()
    settings = Settings(data_dir=tmp_path, clock_trust="always")
    code = run_chat(settings, stdin=io.StringIO("我有多少积分\n/advance 1h\n"), stdout=out)
    assert code == 0
    assert out.getvalue().splitlines() == ["小巢：还没有您的积分记录，连上社区以后就能查。"]
    assert (tmp_path / "assistant.db").exists()
