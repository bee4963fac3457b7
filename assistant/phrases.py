"""Reply wording as data: assistant/replies/zh.yaml, looked up by key and filled with str.format."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml

_LOGGER = logging.getLogger(__name__)
_FILE = Path(__file__).resolve().parent / "replies" / "zh.yaml"


@lru_cache(maxsize=1)
def _table() -> Dict[str, Any]:
    with open(_FILE, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{_FILE}: expected a mapping of reply keys")
    return data


def say(key: str, **params: Any) -> str:
    """The reply for key with params filled in; raises KeyError naming an unknown key."""
    template = _table().get(key)
    if not isinstance(template, str):
        raise KeyError(f"reply key {key!r} not in {_FILE.name}")
    return template.format(**params)


def name(table: str, key: str) -> str:
    """A word from a nested table, e.g. name('service.names', 'checkup') → 体检; unknown → key."""
    words = _table().get(table) or {}
    return str(words.get(key, key))


def table(key: str) -> Dict[str, Any]:
    """A nested table as it stands, e.g. table('suggest') → {intent: [words …]}; {} if absent."""
    value = _table().get(key)
    return dict(value) if isinstance(value, dict) else {}
