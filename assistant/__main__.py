"""Command line of the device: `python -m assistant SUBCOMMAND …`."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from .config import ConfigError, Settings
from .logs import setup_logging

_LOGGER = logging.getLogger(__name__)

# Each module adds its subcommands with register(subparsers); each subcommand sets
# `func(args, settings) -> int`. Modules import heavy libraries (vosk, sounddevice, pyttsx3)
# only inside their commands, so `--help` stays fast and works without them.
_COMMAND_MODULES = (
    "assistant.console",
    "audio.commands",
    "assistant.doctor",
    "assistant.pairing",
    "assistant.launcher",
)


def _global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML config file (default: the user's config dir)")
    parser.add_argument("--data-dir", type=Path, help="Where the store, logs and token live")
    parser.add_argument("--model-dir", type=Path, help="Where speech models are kept")
    parser.add_argument("--server-url", help="Community server URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING or ERROR")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE",
        help="Any setting by dotted key, e.g. --set voice.rate=120 (see `config` subcommand)",
    )
    parser.add_argument("--debug", action="store_true", help="Print DEBUG messages to stderr")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m assistant",
        description="越巢 voice assistant for seniors — device runtime.",
    )
    _global_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    config = sub.add_parser("config", help="Print the merged settings (defaults < file < env < flags)")
    config.set_defaults(func=_cmd_config)
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _overrides(args: argparse.Namespace) -> Dict[str, Any]:
    overrides: Dict[str, Any] = {
        "data_dir": args.data_dir,
        "model_dir": args.model_dir,
        "server_url": args.server_url,
        "log_level": "DEBUG" if args.debug else args.log_level,
    }
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--set {item!r}: expected KEY=VALUE")
        overrides[key.strip()] = value
    return overrides


def _cmd_config(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from .config import default_config_file

    flat: Dict[str, Any] = {}
    for key in Settings.keys():
        value: Any = settings
        for part in key.split("."):
            value = getattr(value, part)
        if isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, Path):
            value = str(value)
        flat[key] = value
    print(json.dumps({"config_file": str(default_config_file()), "settings": flat},
                     ensure_ascii=False, indent=2))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        settings = Settings.load(config_file=args.config, overrides=_overrides(args))
    except ConfigError as exc:
        print(f"配置错误 / config error: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings)
    try:
        return int(args.func(args, settings) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
