"""越巢 community server: FastAPI app, database and CLI."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from .config import Settings
from .errors import CommunityError

_LOGGER = logging.getLogger(__name__)

__all__ = ["CommunityError", "Database", "Settings", "create_app"]
# Loaded on first use so that `python -m community --help` does not import FastAPI.
_LAZY = {"create_app": "community.app", "Database": "community.db"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'community' has no attribute {name!r}")
