"""Errors of the speech-model catalog and downloader."""

from __future__ import annotations

import logging
from typing import Iterable

_LOGGER = logging.getLogger(__name__)


class ModelsError(Exception):
    """Base class for models errors."""


class ModelNotFoundError(ModelsError):
    """A model name is not in models/catalog.json."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        super().__init__(f"unknown model {name!r}; known models: {', '.join(known)}")
        self.name = name


class OfflineError(ModelsError):
    """The download server cannot be reached."""


class VerifyError(ModelsError):
    """A download has the wrong size or checksum, or is not a usable model archive."""
