"""What a person reads on a page: visible text, and the English words in it outside an allow-list."""

from __future__ import annotations

import html
import importlib.util
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterable, List

ALLOWED_WORDS = frozenset({"API", "CSV", "ID", "JSON", "Excel", "WPS", "PNG", "UTF", "BOM", "OK", "Wi", "Fi"})
"""Words a Chinese page may carry: names of formats and programs that people know by these letters."""
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:[.\-@][A-Za-z0-9_]+)*")
"""A run of Latin letters with the digits, '_', '.', '-' of a login name ('fam_a', 'li.ming')."""
_DIGIT = re.compile(r"\d")
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
    # A token with a digit is a code (a generated password 'xvef-7h63-kq58', a device id), not a word.
    return [
        w
        for w in words
        if sum(ch.isascii() and ch.isalpha() for ch in w) >= 2 and w not in allowed and not _DIGIT.search(w)
    ]


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


class Form:
    """A POST form of a page: where it goes and its fields with the values the page filled in."""

    def __init__(self, action: str) -> None:
        self.action = action
        self.fields: dict = {}
        self.choices: dict = {}
        """Field name → the values its options or radio buttons offer."""


class _FormParser(HTMLParser):
    def __init__(self, page_path: str) -> None:
        super().__init__()
        self.page_path = page_path
        self.forms: List[Form] = []
        self.links: List[str] = []
        self._form: Any = None
        self._select = ""
        self._textarea = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form" and a.get("method", "get").lower() == "post":
            self._form = Form(a.get("action") or self.page_path)
            self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input" and a.get("type") in ("checkbox", "radio"):
            self._form.choices.setdefault(a["name"], []).append(a.get("value", "on"))
            if "checked" in a:
                self._form.fields[a["name"]] = a.get("value", "on")
        elif tag == "input":
            self._form.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]
            self._form.fields.setdefault(a["name"], "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form.fields[a["name"]] = ""
        elif tag == "option" and self._select:
            self._form.choices.setdefault(self._select, []).append(a.get("value", ""))
            if "selected" in a or not self._form.fields.get(self._select):
                self._form.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = ""
        elif tag == "textarea":
            self._textarea = ""

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form.fields[self._textarea] += data


def forms_and_links(page_html: str, page_path: str) -> tuple:
    """(the page's POST forms, the hrefs of its links)."""
    parser = _FormParser(page_path)
    parser.feed(page_html)
    return parser.forms, parser.links
