"""Emergency semantics: a present, first-person danger or an explicit call for help, not a keyword.

``assess(text)`` reads the utterance as heard (after the lexical layer, before homophone repair) and
answers ``"high"`` (call for help, or clear danger: a fall and can't get up, chest pain, stroke signs,
gas, fire, bleeding …), ``"check"`` (possible danger: the dialog asks), or None. Vetoes take away what
only *mentions* danger: the past (昨天摔了), someone else's words (电视里有人喊救命), negation (没事),
worries and classes (万一摔倒怎么办, 急救课), the device (帮帮我，我不会报名), idioms (笑死我了), and
danger elsewhere (隔壁阿婆住院了). The patterns are data: ``intents/data/zh/emergency.yaml``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import List, Optional, Pattern, Tuple

import yaml

from intents.pinyin import keys
from intents.templates import DATA_DIR

_LOGGER = logging.getLogger(__name__)

DATA_FILE = DATA_DIR / "emergency.yaml"
HIGH, CHECK = "high", "check"


@dataclass(frozen=True)
class _Veto:
    name: str
    pattern: Pattern[str]
    downgrade: bool
    """True: high → check, check → none (or stays check when soft); False: no alarm at all."""
    calls: bool
    """Also applies to an explicit call for help."""
    unless: Optional[Pattern[str]] = None
    """Words that keep the danger present in spite of the veto."""
    soft: bool = False
    """effect: soften — high → check, a check stays a check (someone with the senior says they are
    unwell: asked about, never an alarm at once)."""


@dataclass(frozen=True)
class _Rules:
    call: Pattern[str]
    high: Tuple[Pattern[str], ...]
    check: Tuple[Pattern[str], ...]
    vetoes: Tuple[_Veto, ...]
    sounds: Tuple[Tuple[str, Tuple[str, ...]], ...]
    """(danger word, its folded pinyin keys) for words recognised by sound."""
    veto_sounds: Tuple[Tuple[str, Tuple[str, ...]], ...]
    """(veto word, its folded pinyin keys): 以蔷心口痛过 is 以前心口痛过."""


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    with open(DATA_FILE, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    vetoes = tuple(
        _Veto(name, re.compile(str(row["pattern"])), row.get("effect") in ("downgrade", "soften"),
              bool(row.get("calls")), re.compile(str(row["unless"])) if row.get("unless") else None,
              row.get("effect") == "soften")
        for name, row in (data.get("vetoes") or {}).items())
    return _Rules(
        call=re.compile(str(data["call"])),
        high=tuple(re.compile(str(p)) for p in data.get("high") or ()),
        check=tuple(re.compile(str(p)) for p in data.get("check") or ()),
        vetoes=vetoes,
        sounds=tuple((str(w), keys(str(w))) for w in data.get("sound_words") or ()),
        veto_sounds=tuple((str(w), keys(str(w))) for w in data.get("veto_sound_words") or ()),
    )


@dataclass(frozen=True)
class Assessment:
    severity: Optional[str]
    """"high", "check" or None."""
    reason: str
    """What decided it (the danger words, or the veto that took them away): for --debug and tests."""


def assess(text: str) -> Assessment:
    """The emergency reading of one utterance as heard (simplified Mandarin, no spaces).

    The words as written decide; when they name no danger, a danger word that only *sounds* like
    part of the utterance (a recogniser's homophone) gives at most "check": ask, never act on a guess.
    """
    found = _assess(text)
    heard = keys(text)
    if found.severity is not None:
        for word, start in _sounding(text, heard, _rules().veto_sounds):
            again = _assess(text[:start] + word + text[start + len(word):])
            if again.severity is None:
                return Assessment(None, f"sounds like {word}: {again.reason}")
        return found
    if found.reason != "no danger words":
        return found
    if vetoed(text) is not None:
        return found  # a veto heard in the words as written (有冇义工陪我…) leaves no sound to guess from
    for word, start in _sounding(text, heard, _rules().sounds):
        again = _assess(text[:start] + word + text[start + len(word):])
        if again.severity is not None:
            return Assessment(CHECK, f"sounds like {word}: {again.reason}")
    return found


def vetoed(text: str) -> Optional[str]:
    """The name of a veto whose words are in text (the past, TV, negation, a request …), else None:
    what keeps a learned guess of danger (``intents/parser.py``) from even asking."""
    for veto in _rules().vetoes:
        if veto.pattern.search(text) and not (veto.unless is not None and veto.unless.search(text)):
            return veto.name
    return None


def _sounding(text: str, heard: Tuple[str, ...], words: Tuple[Tuple[str, Tuple[str, ...]], ...]
              ) -> List[Tuple[str, int]]:
    """(word, start) for each word whose sound is in text without being written there, with at least
    one of its characters heard right (a whole homophone of a short word is too weak a hint)."""
    out = []
    for word, sound in words:
        for start in range(0, len(heard) - len(sound) + 1):
            window = text[start:start + len(sound)]
            if heard[start:start + len(sound)] == sound and window != word \
                    and any(a == b for a, b in zip(window, word, strict=True)):
                out.append((word, start))
    return out


def _assess(text: str) -> Assessment:
    rules = _rules()
    call = rules.call.search(text)
    danger = next((m for p in rules.high for m in [p.search(text)] if m), None)
    severity: Optional[str] = HIGH if danger else None
    if severity is None:
        weak = next((m for p in rules.check for m in [p.search(text)] if m), None)
        if weak is not None:
            severity, danger = CHECK, weak
    if call is None and severity is None:
        return Assessment(None, "no danger words")
    reason = (call or danger).group(0)  # type: ignore[union-attr]
    for veto in rules.vetoes:
        hit = veto.pattern.search(text)
        if hit is None or (veto.unless is not None and veto.unless.search(text)):
            continue
        if call is not None and not veto.calls:
            continue
        if call is not None or not veto.downgrade:
            return Assessment(None, f"{reason} vetoed by {veto.name}: {hit.group(0)}")
        severity = CHECK if severity == HIGH or veto.soft else None
        if severity is None:
            return Assessment(None, f"{reason} vetoed by {veto.name}: {hit.group(0)}")
    if call is not None:
        return Assessment(HIGH, reason)
    return Assessment(severity, reason)
