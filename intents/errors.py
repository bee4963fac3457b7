"""Errors raised by the intents package; every one derives from IntentsError."""

from __future__ import annotations

import logging
from pathlib import Path

_LOGGER = logging.getLogger(__name__)


class IntentsError(Exception):
    """Base class for intents errors."""


class TemplateError(IntentsError):
    """A template file in intents/data cannot be read or parsed."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


class CatalogError(IntentsError):
    """A catalog file cannot be read or does not follow the contract."""
