"""Settings merge order and validation: what a volunteer editing config.toml would see."""

from pathlib import Path

import pytest

from assistant.config import ConfigError, Settings


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_suit_a_senior(tmp_path: Path) -> None:
    settings = Settings.load(config_file=_write(tmp_path / "c.toml", ""), env={})
    assert settings.voice.voice == "cmn"
    assert settings.voice.rate == 130
    assert settings.dialog.wake_phrases == ("小巢小巢", "你好小巢")
    assert (settings.dialog.quiet_start, settings.dialog.quiet_end) == ("21:30", "07:30")
    assert settings.server_url is None


def test_file_then_env_then_flags(tmp_path: Path) -> None:
    config = _write(tmp_path / "c.toml", f"""
data_dir = "{tmp_path / 'from-file'}"
server_url = "http://file.example:8000"
[voice]
rate = 110
volume = 0.5
[dialog]
wake_phrases = ["小巢小巢"]
""")
    env = {"YUECHAO_VOICE_RATE": "120", "YUECHAO_SERVER_URL": "http://env.example:8000"}
    settings = Settings.load(config_file=config, env=env, overrides={"voice.rate": "100", "data_dir": None})
    assert settings.data_dir == tmp_path / "from-file"  # file value kept: the flag was not given
    assert settings.server_url == "http://env.example:8000"  # env beats file
    assert settings.voice.rate == 100  # flag beats env
    assert settings.voice.volume == 0.5
    assert settings.dialog.wake_phrases == ("小巢小巢",)
    assert settings.db_path == tmp_path / "from-file" / "assistant.db"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("audio.rate", "441", "audio.rate: expected 8000–48000, got '441'"),
        ("voice.volume", "loud", "voice.volume: expected 0.0–1.0, got 'loud'"),
        ("dialog.quiet_start", "25:00", "dialog.quiet_start: expected HH:MM (24-hour), got '25:00'"),
        ("server_url", "ftp://x", "server_url: expected an http:// or https:// URL, got 'ftp://x'"),
        ("log_level", "chatty", "log_level: expected one of DEBUG/INFO/WARNING/ERROR, got 'chatty'"),
    ],
)
def test_bad_values_name_key_and_value(tmp_path: Path, key: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.load(config_file=_write(tmp_path / "c.toml", ""), env={}, overrides={key: value})
    assert str(info.value) == message


def test_unknown_key_lists_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.load(config_file=_write(tmp_path / "c.toml", "[voice]\nspeed = 3\n"), env={})
    assert str(info.value).startswith("voice.speed: unknown setting; known: data_dir, model_dir")


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.toml", "voice = [\n")
    with pytest.raises(ConfigError) as info:
        Settings.load(config_file=path, env={})
    assert str(path) in str(info.value)


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        Settings.load(config_file=tmp_path / "nope.toml", env={})


def test_env_wake_phrases_comma_separated(tmp_path: Path) -> None:
    settings = Settings.load(config_file=_write(tmp_path / "c.toml", ""),
                             env={"YUECHAO_DIALOG_WAKE_PHRASES": "小巢小巢, 你好小巢 ,"})
    assert settings.dialog.wake_phrases == ("小巢小巢", "你好小巢")
