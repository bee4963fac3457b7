"""Issue 12 point 11: `chat --catalog FILE` pins the catalog; stdin decoding errors are replaced,
never copied into JSON; `start`'s console answers every piped line before it exits; a paired
speaker with no synced catalog says it is still fetching the activity list."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from assistant.config import Settings
from assistant.console import input_lines, run_chat
from assistant.events import SyncFinished
from assistant.launcher import run_console
from assistant.sync import SERVER_KEY, write_token
from intents.schema import Activity
from tests.assistant.conftest import World

ROOT = Path(__file__).resolve().parents[2]
CATALOG = {"activities": [
    {"id": "yueju-1201", "title": "粤剧欣赏", "category": "文化", "start": "2026-12-01T15:00",
     "place": "多功能厅", "capacity": 30}]}


def _catalog(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(CATALOG, ensure_ascii=False), encoding="utf-8")
    return path


def test_chat_catalog_pins_the_activities(tmp_path):
    out = io.StringIO()
    code = run_chat(Settings(data_dir=tmp_path), db=tmp_path / "c.db", now="2026-11-30T10:00", jsonl=True,
                    catalog=_catalog(tmp_path), stdin=io.StringIO("明天有什么活动\n报名粤剧欣赏\n"),
                    stdout=out)
    assert code == 0
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["reply"] == "明天有1个活动：下午三点，粤剧欣赏，在多功能厅。"
    assert second["slots"].get("activity_id") == "yueju-1201"
    assert second["reply"] == "您要报名明天下午三点在多功能厅的粤剧欣赏，对吗？"


def test_chat_without_catalog_goes_back_to_the_demo_catalog(tmp_path):
    db = tmp_path / "c.db"
    run_chat(Settings(data_dir=tmp_path), db=db, now="2026-11-30T10:00", catalog=_catalog(tmp_path),
             stdin=io.StringIO(""), stdout=io.StringIO())
    out = io.StringIO()
    run_chat(Settings(data_dir=tmp_path), db=db, now="2026-11-30T10:00",
             stdin=io.StringIO("明天有什么活动\n"), stdout=out)
    assert "太极拳" in out.getvalue() and "粤剧" not in out.getvalue()


def test_a_bad_catalog_exits_1(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"activities": [{"id": "x"}]}', encoding="utf-8")
    code = run_chat(Settings(data_dir=tmp_path), db=tmp_path / "c.db", now="2026-11-30T10:00", catalog=bad,
                    stdin=io.StringIO(""), stdout=io.StringIO())
    assert code == 1
    assert "not a catalog" in capsys.readouterr().err
    assert run_chat(Settings(data_dir=tmp_path), db=tmp_path / "c.db", now="2026-11-30T10:00",
                    catalog=tmp_path / "missing.json", stdin=io.StringIO(""), stdout=io.StringIO()) == 1


def test_python_m_assistant_chat_catalog_and_invalid_utf8(tmp_path):
    command = [sys.executable, "-m", "assistant", "--data-dir", str(tmp_path), "chat", "--now",
               "2026-11-30T10:00", "--jsonl", "--catalog", str(_catalog(tmp_path))]
    data = "明天有什么活动\n".encode() + b"\xff\xfe\xe6\x98\x8e abc\n" + "现在几点\n".encode()
    done = subprocess.run(command, input=data, capture_output=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    text = done.stdout.decode("utf-8")  # strict: the output is valid UTF-8
    turns = [json.loads(line) for line in text.splitlines()]
    assert [t["heard"] for t in turns] == ["明天有什么活动", "\ufffd\ufffd明 abc", "现在几点"]
    assert turns[0]["reply"] == "明天有1个活动：下午三点，粤剧欣赏，在多功能厅。"
    assert turns[2]["reply"] == "现在是上午十点，11月30号 星期一。"


def test_input_lines_replace_bad_bytes_and_surrogates():
    class Raw(io.StringIO):
        buffer = io.BytesIO(b"ok\n\xff\n")

    assert list(input_lines(Raw())) == ["ok", "\ufffd"]
    assert list(input_lines(io.StringIO("a\udcffb\r\n"))) == ["a\ufffdb"]


def test_start_console_answers_every_piped_line_before_exiting(tmp_path):
    settings = Settings(data_dir=tmp_path, clock_trust="always")
    lines = ["现在几点", "我有多少积分", "明天有什么活动", "不要", "有什么通知"] * 4
    out = io.StringIO()
    assert run_console(settings, stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out) == 0
    said = [line for line in out.getvalue().splitlines() if line.startswith("小巢：")]
    assert len(said) >= len(lines)
    assert said[-1] == "小巢：最近没有社区通知。"


def _paired(tmp_path: Path) -> World:
    write_token(tmp_path, "token")
    w = World(tmp_path)
    w.store.set_setting(SERVER_KEY, "http://127.0.0.1:9")
    w.close()
    return World(tmp_path)


def test_a_paired_speaker_without_a_synced_catalog_is_still_fetching(tmp_path):
    w = _paired(tmp_path)
    assert w.store.activities() == []  # the demo catalog is not used on a paired speaker
    assert w.say("明天有什么活动") == "我还在从社区取活动表，请过一会儿再问我。"
    assert w.say("报名明天的太极拳") == "我还在从社区取活动表，请过一会儿再问我。"
    assert w.store.bookings() == []
    assert w.say("现在几点") == "现在是上午十点，11月30号 星期一。"  # the rest works
    tomorrow_3pm = w.clock.now().replace(day=1, month=12, hour=15)
    w.store.replace_activities([Activity("s1", "粤剧欣赏", "文化", tomorrow_3pm, "多功能厅", 30)], "server")
    w.assistant.process(SyncFinished(ok=True, changed=("activities",)))
    assert w.say("明天有什么活动") == "明天有1个活动：下午三点，粤剧欣赏，在多功能厅。"
    w.close()


def test_a_paired_speaker_with_a_server_catalog_answers_at_once(tmp_path):
    w = _paired(tmp_path)
    w.load_catalog([Activity("s1", "粤剧欣赏", "文化", w.clock.now().replace(day=1, month=12, hour=15),
                             "多功能厅", 30)])
    w.close()
    w = World(tmp_path)  # restart: the stored server catalog is used before any sync
    assert w.say("明天有什么活动") == "明天有1个活动：下午三点，粤剧欣赏，在多功能厅。"
    w.close()
