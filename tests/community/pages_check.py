"""What a person reads on a page: visible text, and the English words in it outside an allow-list."""

from __future__ import annotations

import html
import re
from typing import Iterable, List

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
