"""越巢 community server: FastAPI app, database and CLI."""

from __future__ import annotations

import logging

from .config import Settings
from .errors import CommunityError

_LOGGER = logging.getLogger(__name__)

__all__ = ["CommunityError", "Settings"]
