"""Keyword fallback: intents/data/zh/cues.yaml rules for wording that no template covers."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, List, Mapping, Optional, Pattern, Tuple

import yaml

from intents.errors import TemplateError
from intents.schema import IntentId
from intents.templates import DATA_DIR, MARKERS

_LOGGER = logging.getLogger(__name__)

_ENTITY = re.compile(r"@(activity|category|service|to)")


@dataclass(frozen=True)
class CueRule:
    """One fallback rule: every group present, no veto, skeleton not longer than max_len."""

    intent: IntentId
    groups: Tuple[Pattern[str], ...]
    veto: Optional[Pattern[str]]
    max_len: int
    confidence: float


def _compile(pattern: str, path: Path) -> Pattern[str]:
    try:
        return re.compile(_ENTITY.sub(lambda m: MARKERS[m.group(1)], pattern))
    except re.error as exc:
        raise TemplateError(path, f"bad cue pattern {pattern!r}: {exc}") from exc


def _rule(item: Mapping[str, Any], path: Path) -> CueRule:
    try:
        intent = IntentId(item["intent"])
    except (KeyError, ValueError) as exc:
        raise TemplateError(path, f"bad or missing intent in cue rule {item!r}") from exc
    groups = tuple(_compile(str(g), path) for g in item.get("all") or ())
    if not groups:
        raise TemplateError(path, f"cue rule for {intent.value} has no groups")
    vetoes = [str(v) for v in item.get("veto") or ()]
    return CueRule(
        intent=intent,
        groups=groups,
        veto=_compile("|".join(vetoes), path) if vetoes else None,
        max_len=int(item.get("max_len") or 40),
        confidence=float(item.get("confidence") or 0.65),
    )


@lru_cache(maxsize=4)
def load_cues(data_dir: Path = DATA_DIR) -> Tuple[CueRule, ...]:
    """The rules of data_dir/cues.yaml, in order; no file → no rules."""
    path = data_dir / "cues.yaml"
    if not path.exists():
        return ()
    try:
        with open(path, encoding="utf-8") as handle:
            data: Any = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateError(path, str(exc)) from exc
    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), list):
        raise TemplateError(path, "expected a mapping with a list 'rules'")
    return tuple(_rule(item, path) for item in data["rules"])


def match_cues(skeleton: str) -> Optional[CueRule]:
    """The first rule that fits the skeleton (time words removed, entities as markers), if any."""
    rules: List[CueRule] = list(load_cues())
    for rule in rules:
        if len(skeleton) > rule.max_len:
            continue
        if rule.veto is not None and rule.veto.search(skeleton):
            continue
        if all(group.search(skeleton) for group in rule.groups):
            return rule
    return None
