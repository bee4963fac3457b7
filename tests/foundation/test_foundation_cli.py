"""The two entry points answer --help with their subcommands, as a newcomer first tries them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env={**os.environ, **(env or {})})


@pytest.mark.parametrize(
    ("module", "subcommands"),
    [
        ("assistant", ["config", "chat", "run", "devices", "transcribe", "say", "listen", "models"]),
        ("community", ["serve", "migrate", "seed-demo", "create-staff"]),
    ],
)
def test_help_lists_subcommands(module: str, subcommands: list) -> None:
    result = _run("-m", module, "--help")
    assert result.returncode == 0, result.stderr
    for name in subcommands:
        assert name in result.stdout, f"{module} --help lacks {name}"


def test_config_shows_merged_settings(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[voice]\nrate = 110\n", encoding="utf-8")
    result = _run("-m", "assistant", "--config", str(config), "--data-dir", str(tmp_path / "d"),
                  "--set", "dialog.quiet_end=08:00", "config", env={"YUECHAO_VOICE_VOLUME": "0.6"})
    assert result.returncode == 0, result.stderr
    settings = json.loads(result.stdout)["settings"]
    assert settings["voice.rate"] == 110
    assert settings["voice.volume"] == 0.6
    assert settings["dialog.quiet_end"] == "08:00"
    assert settings["data_dir"] == str(tmp_path / "d")


def test_bad_setting_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    result = _run("-m", "assistant", "--data-dir", str(tmp_path), "--set", "voice.rate=9000", "config")
    assert result.returncode == 2
    assert "voice.rate: expected 80–260, got '9000'" in result.stderr
    assert "Traceback" not in result.stderr


def test_log_file_is_written_in_the_data_dir(tmp_path: Path) -> None:
    result = _run("-m", "assistant", "--data-dir", str(tmp_path), "--log-level", "DEBUG", "config")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "logs" / "assistant.log").exists()
