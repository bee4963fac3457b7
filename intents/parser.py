"""intents.parse(): normalise, repair homophones, read time words and entities, match templates."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple

from intents.cues import match_cues
from intents.demo import demo_catalog
from intents.index import CatalogIndex, Entity, index_for
from intents.normalize import normalize, strip_particles
from intents.pinyin import spelled
from intents.schema import Catalog, IntentId, Parse
from intents.templates import DATA_DIR, MARKERS, IntentSpec, Template, expand, load_intents, parse_sentence
from intents.timeparse import TimeSpec, parse_time, resolve

_LOGGER = logging.getLogger(__name__)

MIN_CONFIDENCE = 0.6
"""Below this the parse is UNKNOWN (weather, jokes and other requests the speaker cannot serve)."""
_WHOLE_LIMIT = 400
"""Phrases one whole-utterance template may expand to."""
_MARKER_OF = {kind: mark for kind, mark in MARKERS.items()}
_CONTENT_LEAD = ("记得要", "要", "该", "得")
# When two templates match equally well, the earlier intent in this list wins.
_PRIORITY = [
    IntentId.EMERGENCY_HELP, IntentId.REMINDER_CANCEL, IntentId.BOOKING_CANCEL, IntentId.REMINDER_CREATE,
    IntentId.REMINDER_LIST, IntentId.BOOKING_LIST, IntentId.ACTIVITY_BOOK, IntentId.SERVICE_BOOK,
    IntentId.MESSAGE_SEND, IntentId.MESSAGE_QUERY, IntentId.ACTIVITY_QUERY,
]


@dataclass(frozen=True)
class _Model:
    """Templates of all intents, loaded once."""

    specs: Dict[IntentId, IntentSpec]
    templates: Tuple[Template, ...]
    whole: Dict[str, IntentId]
    """Folded pinyin of every whole-utterance phrase (是的, 大声一点 …) → intent."""


_MODEL: Optional[_Model] = None


def _model() -> _Model:
    global _MODEL
    if _MODEL is None:
        specs = {spec.intent: spec for spec in load_intents()}
        whole: Dict[str, IntentId] = {}
        for spec in specs.values():
            if spec.whole:
                for sentence in spec.sentences:
                    for phrase in expand(parse_sentence(sentence, DATA_DIR), _WHOLE_LIMIT):
                        whole.setdefault(spelled(phrase), spec.intent)
        order = {intent: i for i, intent in enumerate(_PRIORITY)}
        templates = sorted((t for s in specs.values() if not s.whole for t in s.templates),
                           key=lambda t: order.get(t.intent, len(order)))
        _MODEL = _Model(specs, tuple(templates), whole)
    return _MODEL


def _skeleton(text: str, spec: TimeSpec, entities: List[Entity]) -> Tuple[str, List[Tuple[int, int]]]:
    """Text without time words, entities as one marker each; with each position's span in text."""
    chars: List[str] = []
    spans: List[Tuple[int, int]] = []
    skip = set()
    for start, end in spec.spans:
        skip.update(range(start, end))
        if text[end:end + 1] == "的":
            skip.add(end)
    ents = {e.span[0]: e for e in entities}
    pos = 0
    while pos < len(text):
        ent = ents.get(pos)
        if ent is not None:
            chars.append(_MARKER_OF[ent.kind])
            spans.append(ent.span)
            pos = ent.span[1]
            continue
        if pos not in skip:
            chars.append(text[pos])
            spans.append((pos, pos + 1))
        pos += 1
    return "".join(chars), spans


def _understand(raw: str) -> Tuple[Optional[IntentId], Optional[Template], Any, float]:
    """(intent, template, match, confidence) for a skeleton: a template matching all of it, else a cue
    rule (cues.yaml), else a template inside it; a call for help found inside always counts."""
    skeleton = strip_particles(raw)
    template, found, confidence = _match(skeleton, partial=False)
    if template is not None:
        return template.intent, template, found, confidence
    inside = _partial(skeleton) if skeleton else (None, None, 0.0)
    if inside[0] is not None and inside[0].intent is IntentId.EMERGENCY_HELP:
        return inside[0].intent, inside[0], inside[1], inside[2]
    rule = match_cues(raw)
    if rule is not None:
        return rule.intent, None, None, rule.confidence
    if inside[0] is not None:
        return inside[0].intent, inside[0], inside[1], inside[2]
    return None, None, None, inside[2]


def _match(skeleton: str, partial: bool = True) -> Tuple[Optional[Template], Any, float]:
    """Best template for the skeleton: full matches by literal characters, else partial coverage."""
    best: Tuple[Optional[Template], Any, float] = (None, None, 0.0)
    best_score = -1
    for template in _model().templates:
        found = template.regex.fullmatch(skeleton)
        if found is None:
            continue
        content = found.group("content") if "content" in template.regex.groupindex else None
        score = len(skeleton) - (len(content) if content else 0)
        if score > best_score:
            best_score = score
            best = (template, found, min(1.0, 0.8 + 0.05 * score))
    if best[0] is not None or not skeleton or not partial:
        return best
    return _partial(skeleton)


def _partial(skeleton: str) -> Tuple[Optional[Template], Any, float]:
    """A template inside a longer utterance; confidence grows with the share of the text it covers.

    A call for help counts whatever else is said around it ("我摔了一跤起不来"): missing one is
    worse than a false alarm, which the dialog confirms anyway.
    """
    best: Tuple[Optional[Template], Any, float] = (None, None, 0.0)
    best_cover = 0.0
    for template in _model().templates:
        if "content" in template.regex.groupindex or template.literal_chars < 2:
            continue
        found = template.regex.search(skeleton)
        if found is None:
            continue
        cover = (found.end() - found.start()) / len(skeleton)
        if template.intent is IntentId.EMERGENCY_HELP:
            cover = max(cover, 0.8)
        if cover > best_cover:
            best_cover = cover
            best = (template, found, 0.3 + 0.5 * cover)
    return best


def parse(text: str, now: datetime, catalog: Optional[Catalog] = None) -> Parse:
    """Understand one utterance.

    text: recogniser output, e.g. "明天 下午 三点 提醒 我 吃药".
    now: naive local wall-clock time that relative time words resolve against.
    catalog: the activities to match titles and categories against; None → demo_catalog(now).
    """
    if not isinstance(text, str):
        text = str(text)
    if now.tzinfo is not None:  # the contract's now is naive local time; catalog starts are naive too
        now = now.replace(tzinfo=None)
    index = index_for(catalog if catalog is not None else demo_catalog(now))
    norm = normalize(text, index.repair)
    model = _model()
    canon = norm.core
    # Before the empty check: 嗯 / 嗯嗯 alone is a filler to strip but, as a whole answer, a yes.
    whole = _whole(model, (canon, norm.plain, norm.heard) if canon else (norm.plain,))
    if whole is not None:
        return Parse(text=canon or norm.plain, intent=whole, confidence=1.0)
    if not canon:
        return Parse(text=norm.plain, intent=IntentId.UNKNOWN)
    spec = parse_time(canon, now)
    entities = index.find(canon, spec.spans)
    skeleton, spans = _skeleton(canon, spec, entities)
    intent, template, found, confidence = _understand(skeleton)
    if intent is None or confidence < MIN_CONFIDENCE:
        _LOGGER.debug("no intent for %r (skeleton %r, confidence %.2f)", canon, skeleton, confidence)
        # Nothing understood: show the text as heard, not as repaired towards words it does not contain.
        return Parse(text=normalize(text, rewrite=False).core, intent=IntentId.UNKNOWN,
                     confidence=round(confidence, 3))
    source = canon
    if template is not None and "content" in template.regex.groupindex:
        # Free text is taken as heard: homophone repair is for domain words, and inside a message it
        # could turn 爷爷想 into 爷也想 (也想 is a template word). Positions agree when lengths do.
        heard = normalize(text).core
        source = heard if len(heard) == len(canon) else canon
    slots = _slots(intent, model.specs[intent].slots, canon, now, spec, entities, found, spans, index, source)
    _LOGGER.debug("%r → %s via %r", canon, intent.value, template.source if template else "cues")
    return Parse(text=canon, intent=intent, slots=slots, confidence=round(confidence, 3))


_PARTICLE_KEYS = ("ba", "ma", "a", "ya", "wa", "o", "ou", "la", "lie", "lei")


def _whole(model: _Model, candidates: Tuple[str, ...]) -> Optional[IntentId]:
    """The dialog answer the whole utterance is, if any: as said (取消吧), without final particles
    (好啊 → 好), or with a word said over and over counted once (行行行 → 行, 停停停 → 停)."""
    for candidate in candidates:
        for key in (spelled(candidate), _answer_key(candidate), _answer_key(_collapse(candidate))):
            whole = model.whole.get(key)
            if whole is not None:
                return whole
    return None


def _collapse(text: str) -> str:
    """A run of one repeated character or pair once: 好好好 → 好, 对对对 → 对, 停停停 → 停."""
    out = re.sub(r"(.)\1+", r"\1", text)
    return re.sub(r"(..)\1+", r"\1", out)


def _answer_key(text: str) -> str:
    """Folded pinyin of a short answer without sentence-final particles, heard or misheard: 好笆 → "hao".

    了 stays: 算了 and 吃了 are answers in their own right.
    """
    syllables = spelled(text).split()
    while len(syllables) > 1 and syllables[-1] in _PARTICLE_KEYS:
        syllables.pop()
    return " ".join(syllables)


def _content(found: Any, spans: List[Tuple[int, int]], canon: str, verbatim: bool) -> Optional[str]:
    """The content slot in the utterance's own words.

    verbatim: keep time words just before the content (a message "明天来吃饭" is said as is; a
    reminder "提醒我明天去医院" has its own date slot, so its content is "去医院").
    """
    if found is None or "content" not in found.re.groupindex or found.group("content") is None:
        return None
    start, end = found.span("content")
    first = spans[start - 1][1] if verbatim and start > 0 else spans[start][0]
    value = canon[first:spans[end - 1][1]]
    for lead in _CONTENT_LEAD:
        if value.startswith(lead) and len(value) > len(lead):
            value = value[len(lead):]
            break
    return strip_particles(value) or None


def _slots(intent: IntentId, allowed: Tuple[str, ...], canon: str, now: datetime, spec: TimeSpec,
           entities: List[Entity], found: Any, spans: List[Tuple[int, int]],
           index: CatalogIndex, source: str) -> Dict[str, Any]:
    slots: Dict[str, Any] = {}
    day, clock = resolve(spec, now, future=intent in (IntentId.REMINDER_CREATE, IntentId.REMINDER_CANCEL))
    if spec.date_range is not None and "date_range" in allowed:
        slots["date_range"] = [spec.date_range[0].isoformat(), spec.date_range[1].isoformat()]
    elif day is not None and "date" in allowed:
        slots["date"] = day.isoformat()
    if clock is not None and "time" in allowed:
        slots["time"] = clock.strftime("%H:%M")
    if spec.part_of_day and "part_of_day" in allowed:
        slots["part_of_day"] = spec.part_of_day
    if spec.repeat and "repeat" in allowed:
        slots["repeat"] = spec.repeat
    for ent in entities:
        if ent.kind == "activity" and "activity_id" in allowed and "activity_id" not in slots:
            act = index.session(ent.value, now, spec.date or (day if spec.clock else None), clock,
                                spec.part_of_day, spec.date_range)
            if act is not None:
                slots["activity_id"] = act.id
            elif "category" in allowed and ent.value in index.category_of:
                # 八段锦明天有没有 on a day without one: what is on that day of the same kind.
                slots.setdefault("category", index.category_of[ent.value])
        elif ent.kind == "category" and "category" in allowed:
            slots.setdefault("category", ent.value)
        elif ent.kind == "service" and "service" in allowed:
            slots.setdefault("service", ent.value)
        elif ent.kind == "to" and "to" in allowed:
            slots.setdefault("to", ent.value)
    verbatim = intent is IntentId.MESSAGE_SEND
    content = _content(found, spans, source, verbatim) if "content" in allowed else None
    if content:
        slots["content"] = content
    return slots
