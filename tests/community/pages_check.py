"""What a person reads on a page: visible text, and the English words in it outside an allow-list."""

from __future__ import annotations

import html
import importlib.util
import re
import sys
from pathlib import Path
from typing import Any, Iterable, List

ALLOWED_WORDS = frozenset({"API", "CSV", "ID", "JSON", "Excel", "WPS", "PNG", "UTF", "BOM", "OK", "Wi", "Fi"})
"""Words a Chinese page may carry: names of formats and programs that people know by these letters."""
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:[.\-@][A-Za-z0-9_]+)*")
"""A run of Latin letters with the digits, '_', '.', '-' of a login name ('fam_a', 'li.ming')."""
_HIDDEN = re.compile(r"<(script|style|title|head)\b.*?</\1>", re.S | re.I)


def visible_text(page_html: str) -> str:
    """The text of the page body as a reader sees it (tags, scripts and styles removed)."""
    body = _HIDDEN.sub(" ", page_html)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body)).strip()


def english_words(text: str, also_allowed: Iterable[str] = ()) -> List[str]:
    """The words with two or more Latin letters in `text` that are not allowed (in order, repeated).

    also_allowed: data people typed that is shown as typed, such as login names
    """
    allowed = ALLOWED_WORDS | frozenset(also_allowed)
    words = _WORD.findall(text)
    return [w for w in words if sum(ch.isascii() and ch.isalpha() for ch in w) >= 2 and w not in allowed]


def screenshots() -> Any:
    """bench/screenshots.py as a module: the browser tests walk pages exactly as the docs' shots do."""
    key = "bench_screenshots"
    if key not in sys.modules:
        path = Path(__file__).resolve().parents[2] / "bench" / "screenshots.py"
        spec = importlib.util.spec_from_file_location(key, path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[key] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return sys.modules[key]
