"""Logging set-up: readable lines on stderr and a rotating file in the data dir."""

from __future__ import annotations

import logging
import logging.handlers
import sys

from .config import Settings

_LOGGER = logging.getLogger(__name__)
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_PACKAGES = ("assistant", "audio", "intents", "models")


def setup_logging(settings: Settings, stderr: bool = True) -> None:
    """Attach handlers to the project's package loggers (never the root logger).

    Level comes from settings.log_level. The file is data_dir/logs/assistant.log, rotated at
    1 MB with 5 old files kept, so a Raspberry Pi's SD card never fills up. A data dir that
    cannot be written only loses the file log, never the assistant.
    """
    level = getattr(logging, settings.log_level)
    handlers: list[logging.Handler] = []
    if stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    try:
        settings.log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.handlers.RotatingFileHandler(
            settings.log_file, maxBytes=1_000_000, backupCount=5, encoding="utf-8"))
    except OSError as exc:
        print(f"cannot write log file {settings.log_file}: {exc}", file=sys.stderr)
    formatter = logging.Formatter(_FORMAT)
    for name in _PACKAGES:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.propagate = False
        for old in list(logger.handlers):
            logger.removeHandler(old)
            old.close()
        for handler in handlers:
            handler.setFormatter(formatter)
            logger.addHandler(handler)
