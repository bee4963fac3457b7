"""Phrase list for the recogniser's grammar, expanded from the same template files as the parser."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Dict, Iterable, List, Optional

from intents.demo import demo_catalog
from intents.schema import Catalog
from intents.templates import DATA_DIR, expand, load_intents, load_lexicon, parse_sentence, sample

_LOGGER = logging.getLogger(__name__)

MAX_PHRASES = 4000
"""Upper bound of the list; a Vosk grammar gets slow to compile far beyond a few thousand phrases."""
_PER_TEMPLATE = 12
_SLOT = re.compile(r"\{([a-z_]+)\}")
_CN_HOURS = ["一", "两", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]


def _fill(sentence: str, values: Dict[str, List[str]]) -> List[str]:
    """Replace each {slot} by its values in turn (one slot varies at a time, keeping the list small)."""
    names = _SLOT.findall(sentence)
    if not names:
        return [sentence]
    out: List[str] = []
    first = {name: values[name][0] for name in names}
    for name in dict.fromkeys(names):
        for value in values[name]:
            filled = sentence
            for other in names:
                filled = filled.replace("{" + other + "}", value if other == name else first[other], 1)
            out.append(filled)
    return out


def _time_phrases(lexicon: Dict[str, object]) -> List[str]:
    words = [str(w) for w in lexicon.get("time_words") or ()]  # type: ignore[union-attr]
    for hour in _CN_HOURS:
        words += [f"{hour}点", f"{hour}点半"]
        words += [f"{part}{hour}点" for part in ("早上", "上午", "下午", "晚上")]
    words += ["一刻", "三刻", "半小时后", "十分钟后", "一个半小时后", "两个小时后"]
    return words


def grammar_phrases(catalog: Optional[Catalog] = None) -> List[str]:
    """Phrases (Chinese characters, no spaces, numerals as spoken 八点) a grammar recogniser should accept.

    catalog: activities whose titles and categories are added; None → the demo catalog of today.
    Bounded by MAX_PHRASES; order is stable (templates first, then slot words, time words, answers).
    """
    if catalog is None:
        catalog = demo_catalog(datetime.now())
    lexicon = load_lexicon()
    titles = list(dict.fromkeys(act.title for act in catalog.activities))
    categories = catalog.categories
    services = [word for words in lexicon["services"].values() for word in words]
    # Inside sentences each slot takes a few values; the full word lists come as phrases of their own.
    values = {
        "activity": titles[:20] or ["活动"],
        "category": categories[:8] or ["运动"],
        "service": [words[0] for words in lexicon["services"].values()],
        "to": list(lexicon["family"])[:6],
        "content": list(lexicon.get("contents") or ["吃药"])[:4],
    }
    specs = load_intents()
    phrases: List[str] = []
    for spec in (s for s in specs if s.whole):
        for sentence in spec.sentences:
            phrases.extend(expand(parse_sentence(sentence, DATA_DIR), _PER_TEMPLATE))
    phrases += titles + categories + [f"{c}类活动" for c in categories] + services + list(lexicon["family"])
    phrases += _time_phrases(lexicon)
    for spec in (s for s in specs if not s.whole):
        phrases.extend(spec.examples)
        for sentence in spec.sentences:
            for text in sample(parse_sentence(sentence, DATA_DIR), _PER_TEMPLATE):
                phrases.extend(_fill(text, values))
    return _bounded(phrases)


def _bounded(phrases: Iterable[str]) -> List[str]:
    unique = [p for p in dict.fromkeys(p.strip() for p in phrases) if p]
    if len(unique) > MAX_PHRASES:
        _LOGGER.warning("grammar has %d phrases; keeping the first %d", len(unique), MAX_PHRASES)
    return unique[:MAX_PHRASES]
