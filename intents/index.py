"""Per-catalog lookup tables: homophone-repair vocabulary, titles, categories, services, family words."""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from rapidfuzz import fuzz

from intents.lexical import kept_positions
from intents.pinyin import keys, spelled
from intents.schema import Activity, Catalog
from intents.templates import (
    DATA_DIR,
    IntentSpec,
    expand,
    literal_words,
    load_intents,
    load_lexicon,
    parse_sentence,
)

_LOGGER = logging.getLogger(__name__)

_NUMERAL_CHARS = set("零〇一二两三四五六七八九十百半0123456789")
_ALIAS_SUFFIX = re.compile(r"(课堂|讲座|比赛|活动|小组|班|课|团|队|会|拳)$")
# A short name said with a generic word after it still names the title: 书法课 / 书法班 → 书法班,
# 手机班 → 手机课堂, 合唱团 ← 合唱.
_GENERIC_TAIL = re.compile(r"(课堂|课程|讲座|活动|小组|学习班|培训班|班|课|团|队|会)")
_CHANGE_COST = 1.5
_SLOT_SPLIT = re.compile(r"\{[a-z_]+\}")
_MEASURE = "(?:一个|一次|一下|一份|一辆|一架|个|部|辆|台|次|份|下|架)"
FUZZY_CUTOFF = 80.0
"""rapidfuzz ratio (0–100) on folded pinyin above which a window counts as a title."""


@dataclass(frozen=True)
class Entity:
    """An entity found in the text: kind is activity/category/service/to."""

    kind: str
    value: str
    """Title, category, service id or family word."""
    span: Tuple[int, int]


class Vocabulary:
    """Words whose homophones (same folded pinyin) are repaired to the word itself."""

    def __init__(self, words: Iterable[str], strict: FrozenSet[str] = frozenset(),
                 heavy: FrozenSet[str] = frozenset()) -> None:
        self.strict = strict
        """Two-character words repaired only when one of their characters was heard right."""
        self.heavy = heavy
        """Entity words (titles, categories, services) that count double in the segmentation: 有没有呵唱
        is 有没有 + 合唱, not the template run 有没有和 + 唱."""
        self._words: Dict[Tuple[str, ...], str] = {}
        self._same: Set[str] = set()
        """Every known word, also those that sound like an earlier one (吃完饭 / 吃晚饭): heard as
        said, a known word is never turned into its homophone."""
        for word in words:
            if len(word) >= 2:
                self._words.setdefault(keys(word), word)
                self._same.add(word)
        self.max_len = max((len(k) for k in self._words), default=2)

    def repair(self, text: str, locked: FrozenSet[int] = frozenset()) -> str:
        """Replace windows whose folded pinyin equals a known word by that word.

        The windows chosen maximise the sum of squared word lengths minus a penalty per changed
        character: 我现在 stays 我 + 现在 rather than 我想 + 在 (after folding 想 xiang and 现 xian
        sound alike), and 书法班我 stays 书法班 + 我 rather than 书法 + 帮我. Numerals never change,
        so 每周一三五 stays (三五 would fold to 上午). Characters at locked positions (a catalog title
        heard exactly) never change: 有没有合唱 must not become 有没有和 + 唱.
        """
        text_keys = keys(text)
        size = len(text)
        best: List[float] = [0.0] * (size + 1)
        choice: List[Optional[str]] = [None] * (size + 1)
        for pos in range(size - 1, -1, -1):
            best[pos], choice[pos] = best[pos + 1], None
            for length in range(2, min(self.max_len, size - pos) + 1):
                word = self._words.get(text_keys[pos:pos + length])
                if word is not None and text[pos:pos + length] in self._same:
                    word = text[pos:pos + length]
                if word is None or not self._allowed(text[pos:pos + length], word):
                    continue
                changed = sum(a != b for a, b in zip(text[pos:pos + length], word, strict=True))
                if changed and (text[pos + 1:pos + 2] == "一" and text[pos + 2:pos + 3] == text[pos]
                                or pos > 0 and text[pos - 1] == text[pos]):
                    continue  # 走一走 (not 周一), 晕晕地 (not 晕低): a word said twice is not misheard

                if changed == length == 2:
                    continue  # 下雨了 is not 下娱乐, 系降糖药 not 时间糖药: one character must be as heard
                if changed and locked and any(pos + i in locked and text[pos + i] != word[i]
                                              for i in range(length)):
                    continue
                weight = 2 if word in self.heavy else 1
                score = weight * length * length - _CHANGE_COST * changed + best[pos + length]
                if score > best[pos]:
                    best[pos], choice[pos] = score, word
        out: List[str] = []
        pos = 0
        while pos < size:
            word = choice[pos]
            if word is None:
                out.append(text[pos])
                pos += 1
            else:
                out.append(word)
                pos += len(word)
        return "".join(out)

    def repair_opening(self, text: str) -> str:
        """Repair only a run of known words at the very start: 绊我预约 → 帮我预约, 那葛我要 → 那个我要."""
        text_keys = keys(text)
        pos = 0
        out: List[str] = []
        while pos < len(text):
            for length in range(min(self.max_len, len(text) - pos), 1, -1):
                word = self._words.get(text_keys[pos:pos + length])
                if word is not None and self._allowed(text[pos:pos + length], word):
                    out.append(word)
                    pos += length
                    break
            else:
                break
        return "".join(out) + text[pos:]

    @staticmethod
    def _allowed(heard: str, word: str) -> bool:
        pairs = zip(heard, word, strict=True)
        return all(a == b or (a not in _NUMERAL_CHARS and b not in _NUMERAL_CHARS) for a, b in pairs)


def _aliases(titles: List[str], categories: Set[str]) -> Dict[str, str]:
    """Short names: 太极拳 → 太极, 书法班 → 书法, and without a leading modifier: 新年联欢会 → 联欢会,
    中医养生课 → 养生课; unless they clash with a category, another title or another short name."""
    counts: Dict[str, Set[str]] = {}
    for title in titles:
        short = _ALIAS_SUFFIX.sub("", title)
        names = [short]
        if len(title) >= 5:
            names += [title[2:], _ALIAS_SUFFIX.sub("", title[2:])]
        for name in names:
            if len(name) >= 2 and name != title:
                counts.setdefault(name, set()).add(title)
    return {short: next(iter(owners)) for short, owners in counts.items()
            if len(owners) == 1 and short not in categories and short not in titles
            and not _GENERIC_TAIL.fullmatch(short)}


_DAY_LOCK = re.compile(r"大后天|后天|明天|今天|今晚|明晚|明早|昨天"
                       r"|(?:下个?|这个?|上个?|每个?)?(?:礼拜|星期|周)[一二三四五六日天]"
                       r"|礼拜|星期|每天|早上|下午|晚上|中午|上午|凌晨")


class CatalogIndex:
    """Everything parse() needs about one catalog, computed once."""

    def __init__(self, catalog: Catalog, specs: Tuple[IntentSpec, ...]) -> None:
        lexicon = load_lexicon()
        self.catalog = catalog
        self.sessions: Dict[str, List[Activity]] = {}
        for act in sorted(catalog.activities, key=lambda a: (a.start, a.id)):
            self.sessions.setdefault(act.title, []).append(act)
        titles = list(self.sessions)
        self.categories = catalog.categories
        aliases = _aliases(titles, set(self.categories))
        self.names: Dict[str, str] = {title: title for title in titles}
        self.names.update(aliases)
        self.services: Dict[str, str] = {
            word: sid for sid, words in lexicon["services"].items() for word in words}
        self.family: List[str] = list(lexicon["family"])
        self._split_services = [(re.compile(re.escape(w[0]) + _MEASURE + re.escape(w[1:])), sid)
                                for w, sid in sorted(self.services.items(), key=lambda i: -len(i[0]))
                                if len(w) >= 2]
        self.category_of: Dict[str, str] = {title: acts[0].category for title, acts in self.sessions.items()}
        self.kinds = _kinds([str(w) for w in lexicon.get("activity_kinds") or ()], self.category_of)
        # What seniors call an activity by what is done there (唱歌 → the 合唱 title): same rules.
        for said, kind in (lexicon.get("activity_doing") or {}).items():
            found = _kinds([str(kind)], self.category_of).get(str(kind))
            if found is not None:
                self.kinds.setdefault(str(said), found)
        self._exact: List[Tuple[str, str, str]] = sorted(
            [("activity", name, title) for name, title in self.names.items()]
            + [("category", cat, cat) for cat in self.categories]
            + [("category", str(word), cat) for cat, words in (lexicon.get("category_words") or {}).items()
               if cat in self.categories for word in words or ()]
            + [("service", word, sid) for word, sid in self.services.items()]
            + [("to", word, word) for word in self.family],
            key=lambda item: -len(item[1]),
        )
        self._spelled: Dict[str, str] = {spelled(name): title for name, title in self.names.items()
                                         if len(name) >= 2}
        self._syllables: Dict[str, Set[str]] = {}
        for name in self._spelled:
            for syl in name.split():
                self._syllables.setdefault(syl, set()).add(name)
        words: List[str] = list(self.names) + list(self.categories) + list(self.services) + self.family
        words += [str(w) for w in lexicon.get("time_words") or ()]
        # Openers (fillers, politeness) and time units are repaired first, on their own: inside the
        # full word list a longer template run can win the segmentation (绊我预约 → 绊 + 我预约).
        self.unit_words = Vocabulary(str(w) for w in lexicon.get("unit_words") or ())
        self.opening_words = Vocabulary(str(w) for w in lexicon.get("opening_words") or ())
        # Whole-utterance answers (要的, 好的 …) are matched on pinyin directly; as repair words they
        # would turn 吃药的 into 吃要的.
        for spec in (s for s in specs if not s.whole):
            for sentence in spec.sentences:
                seq = parse_sentence(sentence, DATA_DIR)
                words.extend(literal_words(seq))
                # Whole runs between slots too (留言说, 是几点, 类的活动): a misheard one-character word
                # such as 说 → 索 can only be told apart inside its run.
                words.extend(run for text in expand(seq, 60) for run in _SLOT_SPLIT.split(text))
        entity_words = list(self.names) + list(self.categories) + list(self.services) + self.family
        self.vocabulary = Vocabulary(words, frozenset(w for w in entity_words if len(w) == 2),
                                     frozenset(entity_words))
        self._locking: Tuple[str, ...] = tuple(w for w in list(self.names) + list(self.categories)
                                               + list(self.services) if len(w) >= 2)

    def repair(self, text: str) -> str:
        """Homophone repair: openers and time units first, then every known word (Vocabulary.repair)."""
        text = self.unit_words.repair(self.opening_words.repair_opening(text))
        return self.vocabulary.repair(text, self._exact_positions(text))

    def _exact_positions(self, text: str) -> FrozenSet[int]:
        """Positions of catalog names, categories, service words and day words heard exactly (报明天
        must not become 报名 + 天, nor 太长喇礼拜五 become 太长哪里拜五)."""
        locked: Set[int] = set()
        for found in _DAY_LOCK.finditer(text):
            locked.update(range(found.start(), found.end()))
        for word in self._locking:
            pos = text.find(word)
            while pos >= 0:
                locked.update(range(pos, pos + len(word)))
                pos = text.find(word, pos + 1)
        return frozenset(locked)

    def find(self, text: str, taken: Iterable[Tuple[int, int]]) -> List[Entity]:
        """Entities in text outside the taken spans; titles by exact name, then fuzzy pinyin."""
        busy = [False] * len(text)
        for start, end in taken:
            for i in range(start, min(end, len(text))):
                busy[i] = True
        found: List[Entity] = []
        kinds: Set[str] = set()
        for kind, word, value in self._exact:
            if kind in kinds and kind != "activity":
                continue
            pos = text.find(word)
            while pos >= 0:
                if not any(busy[pos:pos + len(word)]):
                    found.append(Entity(kind, value, (pos, pos + len(word))))
                    kinds.add(kind)
                    for i in range(pos, pos + len(word)):
                        busy[i] = True
                    break
                pos = text.find(word, pos + 1)
        if "service" not in kinds:
            found.extend(self._split_service(text, busy))
        if "activity" not in kinds:
            # an everyday word (电视, 电话, 医院) is never half of a misheard title (电视搬 is not 剪纸班)
            kept = kept_positions(text)
            fuzzy = self._fuzzy_title(text, [b or i in kept for i, b in enumerate(busy)])
            if fuzzy is not None:
                found.append(fuzzy)
                kinds.add("activity")
        if "activity" not in kinds and "category" not in kinds:
            found.extend(self._kind_word(text, busy))
        return sorted((self._with_tail(text, e, busy) for e in found), key=lambda e: e.span)

    def _split_service(self, text: str, busy: List[bool]) -> List[Entity]:
        """A service word with a measure word inside: 叫部车 (叫车), 剪个头发, 送个饭, 订个饭."""
        for pattern, sid in self._split_services:
            for found in pattern.finditer(text):
                if not any(busy[found.start():found.end()]):
                    for i in range(found.start(), found.end()):
                        busy[i] = True
                    return [Entity("service", sid, found.span())]
        return []

    def _with_tail(self, text: str, ent: Entity, busy: List[bool]) -> Entity:
        """A title's short name takes the generic word said after it: 书法 + 课 → one entity 书法课."""
        if ent.kind != "activity":
            return ent
        end = ent.span[1]
        tail = _GENERIC_TAIL.match(text, end)
        if tail is None or text[ent.span[0]:end] == ent.value and ent.value[-1:] in "班课团队会堂座":
            return ent
        if any(busy[end:tail.end()]):
            return ent
        for i in range(end, tail.end()):
            busy[i] = True
        return Entity(ent.kind, ent.value, (ent.span[0], tail.end()))

    def _kind_word(self, text: str, busy: List[bool]) -> List[Entity]:
        """A kind of activity said alone (讲座): the one title of that kind, else their one category."""
        for word, (kind, value) in self.kinds.items():
            pos = text.find(word)
            if pos >= 0 and not any(busy[pos:pos + len(word)]):
                for i in range(pos, pos + len(word)):
                    busy[i] = True
                return [Entity(kind, value, (pos, pos + len(word)))]
        return []

    def _fuzzy_title(self, text: str, busy: List[bool]) -> Optional[Entity]:
        text_keys = keys(text)
        present = set(text_keys)
        candidates: Set[str] = set()
        for syl in present:
            candidates |= self._syllables.get(syl, set())
        best: Tuple[float, Optional[Entity]] = (FUZZY_CUTOFF, None)
        joined: Dict[Tuple[int, int], str] = {}
        for name in candidates:
            size = name.count(" ") + 1
            if size < 3:
                continue
            sounds = set(name.split())
            hits = [i for i, key in enumerate(text_keys) if key in sounds]
            if len(hits) < 2:
                continue  # one shared syllable cannot reach the cutoff for a name of three or more
            for length in (size - 1, size, size + 1):
                starts = sorted({start for hit in hits for start in range(hit - length + 1, hit + 1)
                                 if 0 <= start <= len(text) - length})
                for start in starts:
                    if any(busy[start:start + length]):
                        continue
                    window = joined.get((start, length))
                    if window is None:
                        window = joined[(start, length)] = " ".join(text_keys[start:start + length])
                    score = fuzz.ratio(window, name)
                    if score > best[0]:
                        best = (score, Entity("activity", self._spelled[name], (start, start + length)))
        return best[1]

    def session(self, title: str, now: datetime, day: Optional[object], clock: Optional[object],
                part: Optional[str], days: Optional[Tuple[object, object]]) -> Optional[Activity]:
        """The session of title meant: on the spoken day (and time/part of day), else the next one."""
        sessions = self.sessions.get(title, [])
        if day is not None:
            pool = [a for a in sessions if a.start.date() == day]
        elif days is not None:
            pool = [a for a in sessions if days[0] <= a.start.date() <= days[1] and a.start >= now]  # type: ignore
        else:
            pool = [a for a in sessions if a.start >= now]
        if clock is not None:
            pool = [a for a in pool if a.start.time() == clock] or pool
        elif part is not None:
            pool = [a for a in pool if _part_of(a.start.hour) == part] or pool
        return pool[0] if pool else None


def _kinds(words: List[str], category_of: Dict[str, str]) -> Dict[str, Tuple[str, str]]:
    """Kind word → ("activity", title) when one title has it, ("category", c) when all such titles share
    category c; kind words that fit nothing or several categories are left out."""
    out: Dict[str, Tuple[str, str]] = {}
    for word in sorted(words, key=len, reverse=True):
        titles = [title for title in category_of if word in title]
        if len(titles) == 1:
            out[word] = ("activity", titles[0])
        elif titles and len({category_of[t] for t in titles}) == 1:
            out[word] = ("category", category_of[titles[0]])
    return out


def _part_of(hour: int) -> str:
    if hour < 11:
        return "morning"
    if hour < 13:
        return "noon"
    if hour < 18:
        return "afternoon"
    return "evening"


_CACHE: "OrderedDict[int, Tuple[Catalog, CatalogIndex]]" = OrderedDict()
_LOCK = threading.Lock()
_CACHE_SIZE = 8


def index_for(catalog: Catalog) -> CatalogIndex:
    """The index of catalog, built on first use and cached on the catalog object's identity.

    A new catalog from the server is a new object, so it gets a new index without any restart.
    """
    key = id(catalog)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] is catalog:
            _CACHE.move_to_end(key)
            return hit[1]
    built = CatalogIndex(catalog, load_intents())
    with _LOCK:
        _CACHE[key] = (catalog, built)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return built

