"""Intent templates from intents/data/zh/*.yaml: parsing, regex compilation and expansion."""

from __future__ import annotations

import itertools
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Pattern, Tuple, Union

import yaml

from intents.errors import TemplateError
from intents.schema import IntentId

_LOGGER = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data" / "zh"

# Entity slots are found before template matching and replaced by one private-use character each,
# so a template sees "取消\ue001" for "取消太极拳" whatever the catalog holds.
MARKERS: Dict[str, str] = {"activity": "\ue001", "category": "\ue002", "service": "\ue003", "to": "\ue004"}
FREE_SLOTS = ("content",)


@dataclass(frozen=True)
class _Alt:
    options: Tuple["_Seq", ...]
    optional: bool


_Item = Union[str, _Alt]
_Seq = Tuple[_Item, ...]


@dataclass(frozen=True)
class Template:
    """One compiled sentence template."""

    intent: IntentId
    source: str
    regex: Pattern[str]
    literal_chars: int
    """Fewest literal characters a match contains; more means a more specific template."""


@dataclass(frozen=True)
class IntentSpec:
    """One intent data file."""

    intent: IntentId
    slots: Tuple[str, ...]
    whole: bool
    """Dialog answers: match only the whole utterance, never inside a longer one."""
    templates: Tuple[Template, ...]
    sentences: Tuple[str, ...]
    examples: Tuple[str, ...]


def _parse_seq(text: str, pos: int, path: Path, closers: str) -> Tuple[List[_Seq], int]:
    """Parse alternatives separated by | until one of closers; returns (options, position after)."""
    options: List[_Seq] = []
    items: List[_Item] = []
    while pos < len(text):
        char = text[pos]
        if char in closers:
            options.append(tuple(items))
            return options, pos
        if char == "|":
            options.append(tuple(items))
            items = []
            pos += 1
        elif char in "([":
            close = ")" if char == "(" else "]"
            inner, end = _parse_seq(text, pos + 1, path, close)
            if end >= len(text) or text[end] != close:
                raise TemplateError(path, f"unclosed {char!r} in {text!r}")
            pos = end + 1
            # "(a|b)?" is the same as "[a|b]".
            optional = char == "[" or text.startswith("?", pos)
            pos += 1 if text.startswith("?", pos) else 0
            items.append(_Alt(tuple(inner), optional=optional))
        elif char == "{":
            end = text.find("}", pos)
            name = text[pos + 1:end] if end > 0 else ""
            if name not in MARKERS and name not in FREE_SLOTS:
                raise TemplateError(path, f"unknown slot {{{name}}} in {text!r}; expected "
                                          f"{sorted(list(MARKERS) + list(FREE_SLOTS))}")
            items.append("{" + name + "}")
            pos = end + 1
        elif char in ")]}":
            raise TemplateError(path, f"unbalanced {char!r} in {text!r}")
        else:
            items.append(char)
            pos += 1
    options.append(tuple(items))
    return options, pos


def parse_sentence(text: str, path: Path) -> _Seq:
    options, pos = _parse_seq(text, 0, path, "")
    if len(options) == 1:
        return options[0]
    return (_Alt(tuple(options), optional=False),)


def _regex(seq: _Seq) -> str:
    out = []
    for item in seq:
        if isinstance(item, _Alt):
            body = "|".join(_regex(opt) for opt in item.options)
            out.append(f"(?:{body})" + ("?" if item.optional else ""))
        elif item == "{content}":
            out.append("(?P<content>.+?)")
        elif item.startswith("{"):
            out.append(MARKERS[item[1:-1]])
        else:
            out.append(re.escape(item))
    return "".join(out)


def _min_literals(seq: _Seq) -> int:
    total = 0
    for item in seq:
        if isinstance(item, _Alt):
            total += 0 if item.optional else min(_min_literals(opt) for opt in item.options)
        elif not item.startswith("{"):
            total += 1
    return total


def expand(seq: _Seq, limit: int) -> List[str]:
    """Up to limit sentences a template produces; slots stay as {name}."""
    parts: List[List[str]] = []
    for item in seq:
        if isinstance(item, _Alt):
            choices: List[str] = []
            for opt in item.options:
                choices.extend(expand(opt, limit))
            if item.optional:
                choices.insert(0, "")
            parts.append(choices[:limit])
        else:
            parts.append([item])
    return ["".join(combo) for combo in itertools.islice(itertools.product(*parts), limit)]


def sample(seq: _Seq, limit: int) -> List[str]:
    """Up to limit sentences spread over all the template's choices, not just its first few.

    expand() varies the last choice fastest, so its first ten sentences differ only at the end;
    here the k-th sentence takes option k of every choice (wrapping), then the full product fills up.
    """
    parts: List[List[str]] = []
    for item in seq:
        if isinstance(item, _Alt):
            choices = [text for opt in item.options for text in sample(opt, limit)]
            parts.append(([""] if item.optional else []) + choices)
        else:
            parts.append([item])
    widest = max((len(p) for p in parts), default=1)
    spread = ["".join(p[k % len(p)] for p in parts) for k in range(min(widest, limit))]
    out = list(dict.fromkeys(spread + expand(seq, limit)))
    return out[:limit]


def literal_words(seq: _Seq) -> List[str]:
    """The template's words: maximal literal runs that do not cross a choice or a slot.

    "[有](什么|哪些)活动" gives 有, 什么, 哪些, 活动; these are what homophone repair may restore.
    """
    words: List[str] = []
    run = ""
    for item in seq:
        if isinstance(item, str) and not item.startswith("{"):
            run += item
            continue
        if run:
            words.append(run)
        run = ""
        if isinstance(item, _Alt):
            for opt in item.options:
                words.extend(literal_words(opt))
    if run:
        words.append(run)
    return words


def _load_file(path: Path) -> Optional[IntentSpec]:
    try:
        with open(path, encoding="utf-8") as handle:
            data: Any = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateError(path, str(exc)) from exc
    if not isinstance(data, Mapping) or "intent" not in data:
        return None
    try:
        intent = IntentId(data["intent"])
    except ValueError as exc:
        raise TemplateError(path, f"unknown intent {data['intent']!r}") from exc
    sentences = tuple(str(s) for s in data.get("sentences") or ())
    if not sentences:
        raise TemplateError(path, "no sentences")
    templates = []
    for sentence in sentences:
        seq = parse_sentence(sentence, path)
        templates.append(Template(intent, sentence, re.compile(_regex(seq)), _min_literals(seq)))
    return IntentSpec(
        intent=intent,
        slots=tuple(data.get("slots") or ()),
        whole=bool(data.get("whole", False)),
        templates=tuple(templates),
        sentences=sentences,
        examples=tuple(str(s) for s in data.get("examples") or ()),
    )


@lru_cache(maxsize=4)
def load_intents(data_dir: Path = DATA_DIR) -> Tuple[IntentSpec, ...]:
    """All intent files of data_dir, sorted by intent id."""
    specs = [spec for path in sorted(data_dir.glob("*.yaml")) for spec in [_load_file(path)] if spec]
    if not specs:
        raise TemplateError(data_dir, "no intent files")
    return tuple(specs)


@lru_cache(maxsize=4)
def load_lexicon(data_dir: Path = DATA_DIR) -> Dict[str, Any]:
    """intents/data/zh/lexicon.yaml: services, family words, contents, time words."""
    path = data_dir / "lexicon.yaml"
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateError(path, str(exc)) from exc
    if not isinstance(data, dict):
        raise TemplateError(path, "expected a mapping")
    return data
