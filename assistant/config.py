"""Device settings: built-in defaults < TOML file < environment < command line."""

from __future__ import annotations

import logging
import os
import re
import sys
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - setup.py requires 3.10+, tomli fills in
    import tomli as tomllib

_LOGGER = logging.getLogger(__name__)

APP_NAME = "yuechao"
ENV_PREFIX = "YUECHAO_"
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(Exception):
    """A setting has a bad value; the message names the key, the value and what is allowed."""


def default_config_file() -> Path:
    """The user's config file: $XDG_CONFIG_HOME/yuechao/config.toml (platformdirs)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME)) / "config.toml"


def _default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME))


def _default_model_dir() -> Path:
    # models/ beside the package in a source checkout (git-ignored); the data dir otherwise.
    here = Path(__file__).resolve().parent.parent / "models"
    if (here / "catalog.json").exists() and os.access(here, os.W_OK):
        return here
    return _default_data_dir() / "models"


@dataclass(frozen=True)
class AudioSettings:
    """Sound devices; None means the system default."""

    input_device: Optional[str] = None
    """Microphone by name (substring) or index, as `python -m assistant devices` lists them."""
    output_device: Optional[str] = None
    """Loudspeaker by name (substring) or index."""
    rate: int = 16000
    """Capture rate in Hz fed to the recogniser (8000–48000)."""


@dataclass(frozen=True)
class VoiceSettings:
    """How the speaker talks."""

    voice: str = "cmn"
    """espeak-ng voice id (cmn = Mandarin)."""
    rate: int = 130
    """Speaking rate in words per minute (80–260); seniors want it slow."""
    volume: float = 0.9
    """0.0–1.0."""


@dataclass(frozen=True)
class DialogSettings:
    """Conversation behaviour."""

    wake_phrases: Tuple[str, ...] = ("小巢小巢", "你好小巢")
    quiet_start: str = "21:30"
    """Quiet hours start, HH:MM local: announcements wait until quiet_end unless urgent."""
    quiet_end: str = "07:30"
    min_confidence: float = 0.5
    """0–1; a parse below this gets a polite question instead of an action."""
    family_phone: str = ""
    """A family member's phone number, said in an emergency when no alert could be sent."""
    late_minutes: int = 30
    """0–720; a reminder occurrence the speaker learns of only after its due time (a family
    reminder that arrived late, one moved earlier while offline) is said at once if it is at
    most this many minutes late, otherwise recorded missed and reported to the server."""


@dataclass(frozen=True)
class Settings:
    """Everything the device reads from configuration; Settings.load() is the only reader."""

    data_dir: Path = field(default_factory=_default_data_dir)
    """Store (SQLite), logs and the device token live here."""
    model_dir: Path = field(default_factory=_default_model_dir)
    """Where speech models are downloaded and looked for."""
    server_url: Optional[str] = None
    """Community server, e.g. https://community.example.cn; None = offline only."""
    log_level: str = "INFO"
    clock_trust: str = "auto"
    """auto: trust the wall clock once NTP or the server confirms it; always: trust it at once."""
    audio: AudioSettings = field(default_factory=AudioSettings)
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    dialog: DialogSettings = field(default_factory=DialogSettings)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "assistant.db"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "logs" / "assistant.log"

    @staticmethod
    def keys() -> List[str]:
        """Every settable key in dotted form, e.g. 'voice.rate'."""
        return list(_TYPES)

    @staticmethod
    def load(
        config_file: Optional[Path] = None,
        env: Optional[Mapping[str, str]] = None,
        overrides: Optional[Mapping[str, Any]] = None,
    ) -> "Settings":
        """Merge defaults < file < env < overrides (dotted keys); raise ConfigError on bad input.

        config_file: TOML path; None → default_config_file() if it exists.
        env: environment (default os.environ); YUECHAO_VOICE_RATE sets voice.rate.
        overrides: from the command line, dotted key → value (None values are ignored).
        """
        merged: Dict[str, Any] = {}
        path = config_file if config_file is not None else default_config_file()
        if config_file is not None and not path.exists():
            raise ConfigError(f"config file {path}: not found")
        if path.exists():
            merged.update(_read_toml(path))
        merged.update(_from_env(os.environ if env is None else env))
        merged.update({k: v for k, v in (overrides or {}).items() if v is not None})
        return Settings.from_flat(merged)

    @staticmethod
    def from_flat(values: Mapping[str, Any]) -> "Settings":
        """Build from dotted keys, validating each value."""
        settings = Settings()
        sections: Dict[str, Dict[str, Any]] = {"audio": {}, "voice": {}, "dialog": {}}
        top: Dict[str, Any] = {}
        for key, raw in values.items():
            if key not in _TYPES:
                raise ConfigError(f"{key}: unknown setting; known: {', '.join(_TYPES)}")
            value = _coerce(key, raw)
            if "." in key:
                section, name = key.split(".", 1)
                sections[section][name] = value
            else:
                top[key] = value
        return replace(
            settings,
            audio=replace(settings.audio, **sections["audio"]),
            voice=replace(settings.voice, **sections["voice"]),
            dialog=replace(settings.dialog, **sections["dialog"]),
            **top,
        )


def _flat_types() -> Dict[str, str]:
    types: Dict[str, str] = {}
    for f in fields(Settings):
        if f.name in ("audio", "voice", "dialog"):
            sub = {"audio": AudioSettings, "voice": VoiceSettings, "dialog": DialogSettings}[f.name]
            for g in fields(sub):
                types[f"{f.name}.{g.name}"] = str(g.type)
        else:
            types[f.name] = str(f.type)
    return types


_TYPES = _flat_types()


def _read_toml(path: Path) -> Dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: {exc}") from exc
    flat: Dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            for sub, subvalue in value.items():
                flat[f"{key}.{sub}"] = subvalue
        else:
            flat[key] = value
    return flat


def _from_env(env: Mapping[str, str]) -> Dict[str, Any]:
    flat: Dict[str, Any] = {}
    for key in _TYPES:
        name = ENV_PREFIX + key.replace(".", "_").upper()
        if name in env and env[name] != "":
            flat[key] = env[name]
    return flat


def _coerce(key: str, raw: Any) -> Any:  # noqa: C901 - one branch per setting kind is clearest
    """Turn a raw value (TOML type or env string) into the setting's type, or raise ConfigError."""

    def bad(expected: str) -> ConfigError:
        return ConfigError(f"{key}: expected {expected}, got {raw!r}")

    if key in ("data_dir", "model_dir"):
        if not str(raw).strip():
            raise bad("a directory path")
        return Path(os.path.expanduser(str(raw)))
    if key == "server_url":
        text = str(raw).strip()
        if text in ("", "none", "off"):
            return None
        if not re.match(r"^https?://[^\s/]+", text):
            raise bad("an http:// or https:// URL")
        return text.rstrip("/")
    if key == "log_level":
        level = str(raw).upper()
        if level not in _LEVELS:
            raise bad("one of " + "/".join(_LEVELS))
        return level
    if key == "clock_trust":
        if raw not in ("auto", "always"):
            raise bad("auto or always")
        return raw
    if key in ("audio.input_device", "audio.output_device"):
        text = str(raw).strip()
        return text or None
    if key == "audio.rate":
        return _int_in(key, raw, 8000, 48000)
    if key == "voice.voice":
        text = str(raw).strip()
        if not re.match(r"^[A-Za-z][\w+-]*$", text):
            raise bad("an espeak-ng voice id such as cmn")
        return text
    if key == "voice.rate":
        return _int_in(key, raw, 80, 260)
    if key == "voice.volume":
        return _float_in(key, raw, 0.0, 1.0)
    if key == "dialog.wake_phrases":
        phrases = raw.split(",") if isinstance(raw, str) else list(raw)
        phrases = [str(p).strip() for p in phrases if str(p).strip()]
        if not phrases:
            raise bad("one or more phrases, comma-separated")
        return tuple(phrases)
    if key in ("dialog.quiet_start", "dialog.quiet_end"):
        if not _HHMM.match(str(raw)):
            raise bad("HH:MM (24-hour)")
        return str(raw)
    if key == "dialog.min_confidence":
        return _float_in(key, raw, 0.0, 1.0)
    if key == "dialog.late_minutes":
        return _int_in(key, raw, 0, 720)
    if key == "dialog.family_phone":
        text = re.sub(r"[\s-]", "", str(raw))
        if text and not re.match(r"^\+?\d{3,20}$", text):
            raise bad("a phone number (digits, optionally +, spaces or dashes)")
        return text
    raise ConfigError(f"{key}: unknown setting")  # pragma: no cover - _TYPES guards this


def _int_in(key: str, raw: Any, low: int, high: int) -> int:
    try:
        value = int(str(raw).strip()) if not isinstance(raw, bool) else None
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ConfigError(f"{key}: expected {low}–{high}, got {raw!r}")
    return value


def _float_in(key: str, raw: Any, low: float, high: float) -> float:
    try:
        value = float(str(raw).strip()) if not isinstance(raw, bool) else None
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ConfigError(f"{key}: expected {low}–{high}, got {raw!r}")
    return value
