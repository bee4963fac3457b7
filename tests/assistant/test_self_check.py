"""'设备自检': the speaker checks itself and says what a volunteer must fix."""

from pathlib import Path

from assistant.config import Settings
from assistant.doctor import run_checks, summary_text
from tests.assistant.conftest import World


def test_self_check_speaks_the_doctor_summary(tmp_path: Path) -> None:
    world = World(tmp_path)
    try:
        said = world.say("设备 自检")
    finally:
        world.close()
    expected = summary_text(run_checks(Settings(data_dir=tmp_path)))
    assert said == expected
    assert said.startswith("设备自检完成：")
    # This machine has no sound card: the speaker must say so rather than claim all is well.
    assert "麦克风" in said and "一切正常" not in said


def test_ordinary_talk_is_not_a_self_check(tmp_path: Path) -> None:
    world = World(tmp_path)
    try:
        said = world.say("明天有什么活动")
    finally:
        world.close()
    assert "自检" not in said
