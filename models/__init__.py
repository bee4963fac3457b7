"""Speech models: the catalog of known Vosk models and their downloader."""

from __future__ import annotations

import logging

from .catalog import CATALOG_FILE, DEFAULT_MODEL, FETCH_HINT, Catalog, ModelInfo
from .errors import ModelNotFoundError, ModelsError, OfflineError, VerifyError
from .fetch import FetchResult, fetch, is_model_dir, text_progress

_LOGGER = logging.getLogger(__name__)

__all__ = [
    "CATALOG_FILE", "DEFAULT_MODEL", "FETCH_HINT", "Catalog", "ModelInfo", "ModelNotFoundError",
    "ModelsError", "OfflineError", "VerifyError", "FetchResult", "fetch", "is_model_dir", "text_progress",
]
