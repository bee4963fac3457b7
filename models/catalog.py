"""The speech-model catalog: models/catalog.json as frozen dataclasses."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

from .errors import ModelNotFoundError, ModelsError

_LOGGER = logging.getLogger(__name__)

CATALOG_FILE = Path(__file__).resolve().parent / "catalog.json"
DEFAULT_MODEL = "vosk-model-small-cn-0.22"
FETCH_HINT = f"python -m assistant models fetch {DEFAULT_MODEL}"
"""The command every 'model missing' message names."""


@dataclass(frozen=True)
class ModelInfo:
    """One downloadable Vosk model."""

    name: str
    """Folder name inside the zip and under the model dir, e.g. vosk-model-small-cn-0.22."""
    lang: str
    """ISO 639-1 language code (zh, ko, en)."""
    url: str
    size_bytes: Optional[int] = None
    """Exact size of the zip in bytes; None = not yet measured (the server's length is used)."""
    sha256: Optional[str] = None
    """Lower-case hex SHA-256 of the zip; None = not yet pinned."""
    approx_mb: Optional[int] = None
    """Rough zip size for people, in MB."""
    notes: str = ""

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> "ModelInfo":
        try:
            size = data.get("size_bytes")
            return ModelInfo(
                name=str(data["name"]),
                lang=str(data["lang"]),
                url=str(data["url"]),
                size_bytes=int(size) if size is not None else None,
                sha256=str(data["sha256"]).lower() if data.get("sha256") else None,
                approx_mb=int(data["approx_mb"]) if data.get("approx_mb") is not None else None,
                notes=str(data.get("notes", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelsError(f"catalog entry {dict(data)!r}: {exc}") from exc

    def to_dict(self) -> Dict[str, Any]:
        return {
            "name": self.name, "lang": self.lang, "url": self.url, "size_bytes": self.size_bytes,
            "sha256": self.sha256, "approx_mb": self.approx_mb, "notes": self.notes,
        }


@dataclass(frozen=True)
class Catalog:
    """All known models, in file order."""

    models: Tuple[ModelInfo, ...]
    default: str = DEFAULT_MODEL

    @staticmethod
    def load(path: Path = CATALOG_FILE) -> "Catalog":
        """Read a catalog file; raise ModelsError naming the file when it is unreadable."""
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelsError(f"{path}: {exc}") from exc
        models = tuple(ModelInfo.from_dict(item) for item in data.get("models", []))
        return Catalog(models=models, default=str(data.get("default", DEFAULT_MODEL)))

    def names(self) -> Tuple[str, ...]:
        return tuple(m.name for m in self.models)

    def get(self, name: str) -> ModelInfo:
        """The entry called `name`; ModelNotFoundError lists the names that exist."""
        for model in self.models:
            if model.name == name:
                return model
        raise ModelNotFoundError(name, self.names())
