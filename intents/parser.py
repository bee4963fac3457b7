"""intents.parse(): normalise, repair homophones, read time words and entities, match templates."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple

from intents import classifier
from intents.answer import read_answer
from intents.cues import match_cues
from intents.demo import demo_catalog
from intents.emergency import assess, vetoed
from intents.index import CatalogIndex, Entity, index_for
from intents.lexical import fold, simplified
from intents.normalize import normalize, pauses, punctuated, strip_particles
from intents.numerals import convert
from intents.pinyin import keys, spelled
from intents.poll import NONE as NONE_CHOSEN
from intents.poll import read_choice
from intents.schema import Catalog, IntentId, Parse
from intents.skill import read_offer
from intents.templates import (
    DATA_DIR,
    MARKERS,
    IntentSpec,
    Template,
    expand,
    load_intents,
    load_lexicon,
    parse_sentence,
)
from intents.timeparse import OFFSETS, TimeSpec, parse_time, resolve

_LOGGER = logging.getLogger(__name__)

MIN_CONFIDENCE = 0.6
"""Below this the parse is UNKNOWN (weather, jokes and other requests the speaker cannot serve)."""
_WHOLE_LIMIT = 400
"""Phrases one whole-utterance template may expand to."""
_MARKER_OF = {kind: mark for kind, mark in MARKERS.items()}
_CONTENT_LEAD = ("记得要", "要", "该", "得")
CLASSIFIER_MIN = 0.5
"""The learned scorer's probability needed to name an intent no template matched whole."""
CLASSIFIER_TAIL = 0.68
"""…to read a request from the last words of a long utterance (a story with the request at the end)."""
TAIL_UNITS = 12
CLASSIFIER_OVERRIDE = 0.9
"""…and to overrule a template or cue rule that names another intent."""
LEARNED_DANGER = 0.5
LEARNED_DANGER_HEARD = 0.3
_LEARNED_DANGER_MIN_CHARS = 4
_TOOK_IT = re.compile(r"(?:吃|食|饮|喝)(?:了|咗|过)(?:药)?(?:了|啦|喇)?$")
"""…and on the words as heard, before any repair."""
"""The scorer's probability of emergency.help that makes the speaker ask (severity check) when no danger
rule matched and no veto's words were heard (blind set Z: 34 of 58 missed emergencies asked about, 3
new questions on 284 non-emergencies)."""
_RISKY = {
    IntentId.ACTIVITY_BOOK: re.compile(r"报|参加|算我|加我|留.{0,2}位|去|约|登记|搞|玩|学|上|一个|预|要"),
    IntentId.BOOKING_CANCEL: re.compile(r"取消|退|不去|不参加|去不了|不报|不要|不用|不约|不来|算了|撤|删"
                                        r"|不做|不剪|改天|不得闲|没空|来不了|不想去"),
    IntentId.REMINDER_CANCEL: re.compile(r"取消|删|关|去掉|不要|不用|别|停|算了|不需要"),
    IntentId.EMERGENCY_CANCEL: re.compile(r"没事|没有事|不用|不要|别|按错|搞错|弄错|说错|不是|取消|好了|电视"
                                          r"|戏|误会|虚惊|自己起|起来了|没什么|冇|唔"),
    # A greeting needs a greeting word: '今日嗰个啊' answering "which one" is not 你好.
    IntentId.DIALOG_GREETING: re.compile(r"你好|您好|早|午安|晚安|晚上好|下午好|喂|在吗|在不在|哈喽|小巢"
                                         r"|新年|过年"),
    IntentId.SERVICE_BOOK: re.compile(r"约|订|叫|派|送|要|想|安排|预|需要|做|来|上门|找|申请|帮|给|剪|搞|打扫"
                                      r"|检|车|理发|饭|餐"),
}
_HELPER = re.compile(r"人|志愿|义工|后生|年轻|帮手|谁|边个")
_NOT_HELP = re.compile(r"报名|报个名|提醒|闹钟|取消|留言|积分|通知|活动|几点|用你|教我(?:点|怎)"
                       r"|(?:不用|不要|唔使|别)(?:再)?(?:找|请|叫|搵|麻烦)|(?:不用|不要)了"
                       r"|救命|报警|120")
_A_SERVICE = re.compile(r"头发|剪发|理发|飞发|送饭|送餐|订饭|体检|打扫|搞卫生|清洁|保洁|接送|叫车|用车")
"""The five booked services (contract: service.book, not a volunteer's hand), also in pieces (头发…剪下)."""
_ASKED_HELPER = re.compile(r"(?:有没有人|找个?人|请个?人|志愿者|义工|后生仔).{0,8}?(?:帮|陪|教)")
_CANCELLED_AT_END = re.compile(r"(?:那个|这个|的|个)(?:取消|删掉|删了|删除|不要|去掉)(?:了|掉|它|他)?$")
_STILL_OPEN = re.compile(r"(?:还|仲)(?:能|可以|可不可以)?报(?:得)?吗|报不报得|报唔报得"
                         r"|(?:还|仲)有(?:没有)?位")
_BOOK_ASKED = re.compile(r"(?:帮我|同我|给我|就|都)报|报埋|报名吧|报啦|报名我|帮我留")
"""仲有冇位，帮我报名: the question, then the sign-up asked for."""
_OVER_YET = re.compile(r"(?:散|完|结束|开始)了?(?:未|没有|吗)")
_SOMEONE_ELSE_GREETED = re.compile(r"小朋友|乖孙|孙仔|宝宝|靓女|靓仔")
_ACCOMPANY = re.compile(r"(?:志愿者|义工|后生仔|年轻人|找个?人|有没有人).{0,6}陪")
_FAMILY_DRIVES = re.compile(r"(?:儿子|女儿|孙子|孙女|外孙|老伴|女婿|儿媳|家人|朋友|邻居).{0,3}"
                            r"(?:开车|揸车|开部车|揸部车)")
_PHONE_CALL = re.compile(r"打(?:个|只|通)?电话|通电话|视频")
_ASK_TO_CALL = re.compile(r"^(?:帮我)?叫(?:我)?(?:的)?(?:大|小)?"
                          r"(?:儿子|女儿|孙子|孙女|外孙女|外孙|老伴|儿媳|女婿).{0,3}(?:打|回)(?:个|只|通)?电话(?:给|畀)我")
"""叫孙女打个电话畀我: a message asking them to call, which the speaker can pass on."""
_MESSAGE_WORD = re.compile(r"说|讲|留言|留个言|告诉|(?<!电)话|消息|带句|捎句|回复")
_FEVER_DOWN = re.compile(r"(?:发烧|烧|热).{0,8}退|退(?:了)?烧")
"""老婆琴晚发烧 今朝退咗喇: a fever gone down, nothing to cancel."""
_KEEP = re.compile(r"(?:不|别|不要|不用)(?:再)?取消")
_DONE = re.compile(r"(?:报|参加|约|订|去|叫)了|报过|参加过|去过")
_PAST_DAY = re.compile(r"上个?礼拜|上个?星期|上周|昨天|前天|上个月|去年|旧年|前几天|早几天|那时候|以前")
_FUTURE_DAY = re.compile(r"今天|今晚|明天|后天|下个?礼拜|下个?星期|下周|礼拜[一二三四五六日天]"
                         r"|星期[一二三四五六日天]|周[一二三四五六日天]|\d+号|早上|上午|中午|下午|晚上")
_FOR_ME = re.compile(r"帮我|给我|我要|我想|替我|同我|帮手|麻烦|请")
_NOT_WANTED = re.compile(r"不(?:想|要|用|再)(?:报|参加|订|约|叫)|不报了|不去了|不想去|没兴趣|不报住|先不报"
                         r"|我不去$")
_CLEAR_CANCEL = re.compile(r"取消|退|不去了|不参加了|不报了|去不了了|不来了|不要了|唔去|不用去了")
"""Words as heard that an action intent needs: no repair or learned guess may book or cancel
something the senior did not say an action word for (the dialog reads it back anyway)."""
_CORRECTION = re.compile(
    r"^(?:哦|噢|啊|哎|唉|嗯)?(?:(?:不好意思|对不起|对不住)?我?(?:说错|搞错|弄错)了?)?"
    r"(?:又|都|还是)?(?:(?:不对|不是|错了|搞错了|说错了|弄错了)(?:啊|呀|了|啦|喔|的)?)+"
    r"(?:我是说|我说的是|我说|我的意思是|应该是|是|改成|改为|换成|要)?"
    r"|^(?:哦|噢|嗯)?(?:我是说|我说的是|我的意思是|应该是|改成|改为|换成)"
    r"|^(?:不好意思|对不起|对不住)?我?(?:说错|搞错|弄错)了?(?:我是说|我说的是|我想报的是|我要的是|应该是|是)")
"""A correction of what was read back: 不对，是后天 / 不是我说早上8点 / 我是说降糖药."""
_CORRECT_CONTENT_MAX = 6
_LEADING_NO = re.compile(r"^(?:不用|不要|不需要|算了|没事|不了|先不|暂时不)")
"""An answer that starts with a no and goes on about something else (唔使，我瞓阵就好)."""
_YES_START = re.compile(r"^\s*(?:(?:呃|那个|就是|啊|哦|嗯|噢|喔)\s*)*"
                        r"(?:嗯|是|对|好|得|要|可以|行|没错|没有错|冇错|当然|啱|ok|okay)", re.IGNORECASE)
_YES_SOUNDS = {spelled(word) for word in "是系对好得要嗯行"}
"""A yes word as a recogniser may write it (德 for 得, 袭 for 系): by its folded sound."""
_LEADING_YES = re.compile(r"^\s*(?:系|是|对|好|得|要|冇错|没错)(?:啊|呀|啦|喇|嘅|的|呢)?[\s,，。.!！]+\S")
_LEADING_ACK = re.compile(r"^\s*(?:明白|知道|收到|听到)(?:了|啦|喇|晒)?(?:明白|知道)?(?:了|啦|喇)?"
                          r"[\s,，。.!！]+\S")
_LEADING_THANKS = re.compile(r"^\s*(?:多谢|谢谢|唔该)(?:晒|你|你啊|晒你)?[\s,，。.!！]+\S")
_LEADING_GREETING = re.compile(r"^\s*(?:早晨|早上好|你好|您好|早啊|早安)(?:啊|呀|喔|小巢)?[\s,，。.!！]+\S")
_THOUGHT_THEN_YES = re.compile(r"^\s*(?:问咗|问了|问过|谂好|谂清楚|想好|想清楚|睇过|看过|考虑过|谂过)"
                               r"(?:喇|啦|了|咗)?[\s,，。]+(?:系|是|对|好|得|可以|要)(?:啊|呀|啦|喇|嘅|的)?[。！!]*$")
"""谂好喇 对 / 问咗喇 系啊: a yes said after the thinking it took."""
_LEADING_ANSWERS = ((_LEADING_YES, IntentId.DIALOG_YES), (_LEADING_THANKS, IntentId.DIALOG_THANKS),
                    (_LEADING_ACK, IntentId.REMINDER_ACK), (_LEADING_GREETING, IntentId.DIALOG_GREETING),
                    (_THOUGHT_THEN_YES, IntentId.DIALOG_YES))
"""An answer that starts the utterance and then goes on about something else."""
"""An answer said first, then a remark (系啊，那天我孙子生日 / 多谢你，我会着多件衫): the answer counts,
when the remark itself asks for nothing."""
_YES_ACT = re.compile(r"^\s*(?:系|是|对|好|得|可以|行)(?:啊|呀|啦|喇|嘅|的|呢)?[\s,，。.!！]*"
                      r"(?:报|报名|帮我报|订|约|叫|取消|删|去)(?:啦|喇|吧|啊|呀|咯|嘞|了)?[\s,，。.!！]+(?P<remark>\S.*)$")
_REMARK_ACTS = re.compile(r"报|订|约|取消|删|改|不是|唔系|不对|我说|我讲|提醒")
"""得 报啦 佢夜晚先嚟: yes and the bare action, then a remark about someone else's day — a yes; the
remark's time words are not a new request."""
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
        OFFSETS.update({str(k): int(v) for k, v in (load_lexicon().get("routine_offsets") or {}).items()})
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


@dataclass(frozen=True)
class Analysis:
    """One utterance read up to the point where an intent is chosen (shared with the trainer)."""

    heard: str
    """After the lexical layer, before repair: what emergencies and actions must be supported by."""
    canon: str
    spec: TimeSpec
    entities: List[Entity]
    skeleton: str
    spans: List[Tuple[int, int]]
    index: CatalogIndex


def analyse(text: str, now: datetime, catalog: Optional[Catalog] = None) -> Tuple[Any, Optional[Analysis]]:
    """(normalised forms, analysis) of one utterance; the analysis is None when nothing is left."""
    if not isinstance(text, str):
        text = str(text)
    if now.tzinfo is not None:  # the contract's now is naive local time; catalog starts are naive too
        now = now.replace(tzinfo=None)
    index = index_for(catalog if catalog is not None else demo_catalog(now))
    norm = normalize(text, index.repair)
    canon = norm.core
    if not canon:
        return norm, None
    spec = parse_time(canon, now)
    entities = index.find(canon, spec.spans)
    skeleton, spans = _skeleton(canon, spec, entities)
    return norm, Analysis(norm.folded, canon, spec, entities, skeleton, spans, index)


def parse(text: str, now: datetime, catalog: Optional[Catalog] = None, expecting: Optional[str] = None,
          fill: Optional[Dict[str, str]] = None) -> Parse:
    """Understand one utterance.

    text: recogniser output, e.g. "明天 下午 三点 提醒 我 吃药".
    now: naive local wall-clock time that relative time words resolve against.
    catalog: the activities to match titles and categories against; None → demo_catalog(now).
    expecting: the question the speaker is waiting on, as intent/slot ("reminder.create/time"): a
        fragment that means nothing alone ("九点啦") is read as its answer (intents/answer.py).
    fill: the pending request's words for the question's carrier sentence ({"content": "吃药"}).
    """
    if now.tzinfo is not None:
        now = now.replace(tzinfo=None)
    held = _WAIT_THEN_CORRECT.match(text)
    rest = text[held.end():] if held else text
    if held and re.match(r"\s*(?:是|系|应该是)", rest):
        rest = "不对，" + rest  # 等一下 是上午十点: the value after the wait corrects what was read back
    alone = _parse(rest, now, catalog)
    declined = _NO_HELP_THEN.match(text)
    if declined and alone.intent in (IntentId.EMERGENCY_CANCEL, IntentId.DIALOG_NO, IntentId.UNKNOWN):
        rest = _parse(text[declined.end():], now, catalog)
        if rest.intent in _REQUESTS_AFTER_NO and rest.slots:
            alone = rest  # 唔使叫人 我想叫人送饭 听日中午十二点: no help needed, and a meal
    if alone.intent is IntentId.UNKNOWN and not held:
        alone = _request_after_story(text, now, catalog) or _ack_at_end(text, now, catalog) or alone
    if alone.intent is IntentId.REMINDER_CREATE and alone.slots.keys() & {"time", "date"} and not held:
        alone = _story_before(text, _reason_after(text, alone, now, catalog), now, catalog)
    if alone.intent in _COMMAND_PHRASED and not held:
        alone = _command_phrase(text, alone, now, catalog)
    if alone.intent is not IntentId.EMERGENCY_HELP and not held:
        alone = _self_corrected(text, alone, now, catalog) or alone
    if expecting is None:
        return alone
    if expecting == POLL_EXPECTED:
        return _poll_answer(text, alone, (fill or {}).get("options", ""))
    answered = read_answer(text, alone, expecting, now, catalog, _parse, fill)
    return answered if answered is not None else alone


POLL_EXPECTED = "poll.answer/choice"
"""parse(…, expecting=POLL_EXPECTED, fill={"options": "白云山|越秀公园|陈家祠"}): the answer to a poll."""


def _poll_answer(text: str, alone: Parse, options: str) -> Parse:
    """Which option of the poll just asked; a call for help, or a request that chooses nothing, stays
    what it is (唔要 alone is no choice: NONE)."""
    learned = alone.slots.get("severity") == "check" and alone.confidence < 0.8
    if alone.intent is IntentId.EMERGENCY_HELP and not learned:
        return alone
    choice = read_choice(text, [o for o in options.split("|") if o])
    if alone.intent is IntentId.EMERGENCY_HELP and choice is None:
        return alone  # 我唔去喇 对脚唔得: the scorer's guess of danger asks only when no option was chosen
    if choice is None and alone.intent is IntentId.DIALOG_NO:
        choice = NONE_CHOSEN
    if choice is None:
        return alone
    return Parse(text=alone.text, intent=IntentId.POLL_ANSWER, slots={"choice": choice}, confidence=0.9)


_REMIND_WORD = re.compile(r"提醒|叫我|喊我|闹我|记住|记得")
_MIDWAY_NO = re.compile(r"[\s，,。！!？?…]+(?:哎|啊|呀|哦|噢|哎呀)?(?:唔系|不是|唔啱|不对)+(?:啊|呀)?"
                        r"(?:[\s，,。！!？?…]+|$)")
"""帮我报今晚嘅广场舞 哎唔系唔系 …: the senior takes back what they just said, in the same breath."""
_NO_OR_TAKE_BACK = (IntentId.DIALOG_NO, IntentId.EMERGENCY_CANCEL)
_ACTS_ON_TITLES = (IntentId.ACTIVITY_BOOK, IntentId.BOOKING_CANCEL)
_ASKING = re.compile(r"吗|几点|几时|边度|哪里|哪儿|有冇|有没有|有咩|有什么|什么|乜|咩|点样|怎样|呢|[？?]")
_NOT_WANTED_LEAD = re.compile(r"^\s*(?:唔使|不用|唔好|不要|唔要)")


def _self_corrected(text: str, whole: Parse, now: datetime, catalog: Optional[Catalog]) -> Optional[Parse]:
    """A request taken back midway by a lone 唔系: what follows is what is meant — a new request (报听日朝早
    嘅太极拳啦), or a correction of the first one's values (改做九点 朝早九点啦 → 09:00)."""
    marks = [m for m in _MIDWAY_NO.finditer(text) if m.start() >= 2 and m.end() < len(text)]
    if not marks:
        return None
    head, tail = text[:marks[-1].start()], text[marks[-1].end():]
    later = parse(tail, now, catalog)
    if later.intent in (IntentId.UNKNOWN, IntentId.DIALOG_NO) or _NOT_WANTED_LEAD.match(tail):
        later = _request_after_story(tail, now, catalog) or later  # 唔好区消住 我想睇下听日有咩先
    first = parse(head, now, catalog)
    if later.intent is IntentId.ACTIVITY_QUERY and first.intent in _ACTS_ON_TITLES \
            and not _ASKING.search(tail) and later.slots:
        # 后日朝早报太极拳 唔系唔系 八段锦啊: a bare title after the 唔系 replaces the first one's title
        slots = {k: v for k, v in first.slots.items() if k not in ("activity_id", "category")}
        slots.update(later.slots)
        return Parse(text=whole.text, intent=first.intent, slots=slots, confidence=min(first.confidence, 0.9))
    if later.intent in _REQUESTS_AFTER_STORY or later.intent in _NO_OR_TAKE_BACK:
        return Parse(text=whole.text, intent=later.intent, slots=later.slots, confidence=later.confidence)
    fixed = _parse("不对，" + tail, now, catalog)
    if first.intent is IntentId.UNKNOWN and fixed.intent is IntentId.DIALOG_CORRECT and fixed.slots \
            and len(head.strip()) <= 6:
        return fixed  # 三点…唔系，四点: a value taken back for another, the answer is the second
    if first.intent not in _REQUESTS_AFTER_STORY or fixed.intent is not IntentId.DIALOG_CORRECT \
            or not fixed.slots:
        return None
    slots = dict(first.slots)
    if "time" in fixed.slots and "date" not in fixed.slots and "date" in slots:
        fixed = Parse(fixed.text, fixed.intent, {k: v for k, v in fixed.slots.items() if k != "part_of_day"}
                      if "part_of_day" not in first.slots else fixed.slots, fixed.confidence)
    slots.update(fixed.slots)
    return Parse(text=whole.text, intent=first.intent, slots=slots, confidence=min(first.confidence, 0.9))
_ACK_LAST = re.compile(r"(?:食|吃|饮|喝|搽|涂|滴)(?:咗|了|过)(?:啦|喇|了)?$|(?:知道|收到|明白)(?:啦|喇|了)?$")
_UNSURE = re.compile(r"未|吗|冇|没|唔|不|定|好似|好像")


def _ack_at_end(text: str, now: datetime, catalog: Optional[Catalog]) -> Optional[Parse]:
    """我谂谂 我好似食咗 嗯 系 食咗: after the thinking, the last phrase says it is done — an acknowledgement
    (never when the last phrase doubts it: 好似食咗, 食咗未)."""
    chunks = [c for c in pauses(text).split(text) if c.strip(" 嗯呃啊")]
    if len(chunks) < 2:
        return None
    last = normalize(chunks[-1]).core
    if not _ACK_LAST.search(last) or _UNSURE.search(last):
        return None
    found = _parse(chunks[-1], now, catalog)
    return found if found.intent is IntentId.REMINDER_ACK else None


def _paused_chunks(text: str) -> List[str]:
    """The phrases between the senior's pauses, or [] when there are none to go by: one phrase, or a
    recogniser's word-by-word spacing (then nearly every chunk is short)."""
    chunks = [c for c in pauses(text).split(text) if c.strip()]
    if len(chunks) < 2 or sum(len(chunk) >= 3 for chunk in chunks) < len(chunks) - 1:
        return []
    return chunks


_COMMAND_PHRASED = (IntentId.REMINDER_CANCEL, IntentId.DIALOG_CORRECT)
_CANCEL_REMINDER = re.compile(r"(?:提醒|闹钟).{0,8}(?:取消|唔要|不要|删|关)"
                              r"|(?:取消|唔要|不要|删|关).{0,8}(?:提醒|闹钟)")


def _command_phrase(text: str, whole: Parse, now: datetime, catalog: Optional[Catalog]) -> Parse:
    """A story, then the command after a pause: the command's phrase gives the slots. 医生话个胃好返啦
    把食药嗰个提醒取消咗佢 cancels the 吃药 reminder (not 胃好); 唔系 我七点食饭 你七点半提醒我啦 corrects the
    time to 七点半 (the time with the command, not the reason's)."""
    chunks = _paused_chunks(text)
    if not chunks:
        return whole  # one phrase, or a recogniser's word-by-word spacing
    wanted = _CANCEL_REMINDER if whole.intent is IntentId.REMINDER_CANCEL else _REMIND_WORD
    said = [c for c in chunks[1:] if wanted.search(c) and (whole.intent is IntentId.REMINDER_CANCEL
                                                          or _CLOCK_SAID.search(c))]
    if not said:
        return whole
    phrase = said[-1] if whole.intent is IntentId.REMINDER_CANCEL else "不对，" + said[-1]
    found = _parse(phrase, now, catalog)
    if found.intent is not whole.intent or not found.slots:
        return whole
    return Parse(text=whole.text, intent=whole.intent, slots=found.slots, confidence=whole.confidence)
_CLOCK_SAID = re.compile(r"[0-9零一二两三四五六七八九十]+\s*(?:点|時|时)")
_WHEN_SAID = re.compile(_CLOCK_SAID.pattern + r"|今日|今天|听日|明天|后日|后天|琴日|昨天"
                        r"|(?:礼拜|星期|周)[一二三四五六日天]|[0-9一二三四五六七八九十]+\s*号")
"""A clock time or a day said: the story's, or the command's."""


def _reason_after(text: str, whole: Parse, now: datetime, catalog: Optional[Catalog]) -> Parse:
    """七点半提醒我出门 因为八点要去社区广场打太极: the reminder is the phrase with the command; a reason
    after the pause has its own time, which is not the reminder's (07:30, not 08:00)."""
    chunks = _paused_chunks(text)
    if not chunks:
        return whole
    first = next((k for k, chunk in enumerate(chunks) if _REMIND_WORD.search(chunk)), None)
    if first is None or not any(_CLOCK_SAID.search(chunk) for chunk in chunks[first + 1:]):
        return whole
    head = "，".join(chunks[:first + 1])
    if not _CLOCK_SAID.search(head):
        return whole
    alone = _parse(head, now, catalog)
    if alone.intent is IntentId.REMINDER_CREATE and alone.slots.get("time") and alone.slots.get("content"):
        return alone
    return whole


def _story_before(text: str, whole: Parse, now: datetime, catalog: Optional[Catalog]) -> Parse:
    """听日朝早十点去睇医生 你今晚八点提醒我准备好病历: a story with its own time, then the command with
    its time and words — the command's phrase is the reminder (20:00, not the story's morning)."""
    chunks = _paused_chunks(text)
    if not chunks:
        return whole
    last = chunks[-1]
    if not (_REMIND_WORD.search(last) and _WHEN_SAID.search(last)) \
            or not any(_WHEN_SAID.search(c) for c in chunks[:-1]):
        return whole
    story = _without_time_words(normalize("".join(chunks[:-1])).core)
    if len(story) < 4:
        return whole  # 礼拜一到礼拜五 每日下昼三点提醒我饮杯水: time words before the command are no story
    alone = _parse(last, now, catalog)
    if alone.intent is IntentId.REMINDER_CREATE and alone.slots.keys() & {"time", "date"} \
            and alone.slots.get("content"):
        return Parse(text=whole.text, intent=whole.intent, slots=alone.slots, confidence=whole.confidence)
    return whole


def _request_after_story(text: str, now: datetime, catalog: Optional[Catalog]) -> Optional[Parse]:
    """上个月我喺浴室跌过一次，个女就买咗呢部机畀我。你帮我设个提醒啦，每晚九点提醒我锁门: a story the
    whole reads as nothing, then a request after a pause. The longest run of the last sentences that is
    a confident request wins; never an emergency or a bare answer (those are read on the whole)."""
    marks = pauses(text)
    chunks = [c for c in marks.split(text) if c]
    if not punctuated(text) and sum(len(chunk) >= 3 for chunk in chunks) < len(chunks) - 1:
        return None  # 区消 明天 的 茶 话会: a recogniser's word-by-word spacing, not the senior's pauses
    bounds = [m.end() for m in marks.finditer(text) if m.end() < len(text)][-_TAILS_TRIED:]
    for start in bounds:
        tail = text[start:]
        if len(tail) < 3:
            break
        if _TOLD_TAIL.match(tail):
            continue  # 医生话…叫我唔好出街: what someone told the senior, not a request
        found = _parse(tail, now, catalog)
        if len(tail) < 5 and found.intent in _ACTS_ON_TITLES:
            found = _object_before(text[:start], found, now, catalog)  # 仲报唔报得 报埋我啦
            if "activity_id" not in found.slots:
                continue
        wanted = found.intent in _CONTROLS_AFTER_STORY \
            or (found.intent in _REQUESTS_AFTER_STORY and (len(tail) >= 5 or "activity_id" in found.slots))
        if wanted and found.confidence >= _AFTER_STORY_CONFIDENCE:
            _, whole = analyse(text, now, catalog)
            # the whole must allow it: 个头发好长啦 想搵人嚟剪下 is a haircut, not a volunteer's hand
            if whole is not None and not _supported(found.intent, whole):
                return None
            return _object_before(text[:start], found, now, catalog)
    return _request_before_reason(text, marks, now, catalog)


_THANKED = re.compile(r"谢|唔该|劳烦")
"""好嘢 今晚联欢会 我好期待啊: a cheer is no thanks to the speaker."""
_SAID_BEFORE_TALK = (IntentId.DIALOG_NO, IntentId.DIALOG_GREETING, IntentId.DIALOG_THANKS)
"""都系唔好啦 太远 / 小巢早晨，今日咁早就起身喇: the answer or greeting, then talk that asks nothing."""
_BARE_NONE = re.compile(r"^\s*(?:冇|没有?|无)")
"""冇啊，我一个人喺屋企: "none" answers a question about the senior, it declines nothing."""
_ANSWER_HEAD_MAX = 8
_ANSWER_HEAD = re.compile(r"早|你好|哈|喂|小巢|唔|不|算|谢|多谢|冇|没")
"""A greeting, thanks or no said first (早晨 / 唔该 / 算啦 / 都系唔好啦) is short and has one of these."""
_REQUEST_HEAD = re.compile(r"帮我|帮手|报|约|订|叫|提醒|取消|留言|预约|申请"
                           r"|(?:同|跟|话畀|话给).{1,4}(?:讲|说|知)")
"""A request said first has one of these."""
_UNSAID_AFTER = re.compile(r"唔要|不要|唔使|不用|算了|算啦|算数|唔系|不是|唔啱|不对|取消|唔报|不报"
                           r"|冇|没有?|等")
"""What, after a request, would take it back: then the request before it is not read alone."""


def _object_before(head: str, found: Parse, now: datetime, catalog: Optional[Catalog]) -> Parse:
    """今朝个太极仲报唔报得 报埋我啦: a sign-up or cancel that names nothing takes the activity the phrase
    before it asked about."""
    if found.intent not in _ACTS_ON_TITLES or "activity_id" in found.slots:
        return found
    asked = _parse(head, now, catalog)
    if asked.intent is not IntentId.ACTIVITY_QUERY or "activity_id" not in asked.slots:
        return found
    slots = {**asked.slots, **found.slots}
    return Parse(text=found.text, intent=found.intent, slots=slots, confidence=found.confidence)


def _request_before_reason(text: str, marks: "re.Pattern[str]", now: datetime,
                           catalog: Optional[Catalog]) -> Optional[Parse]:
    """帮我约听日下昼个手机课堂 我个女买咗部新手机畀我: the request first, then why, after a pause. The first
    phrase (or two) must be a confident request by itself, and nothing after it may take it back."""
    bounds = [m.start() for m in marks.finditer(text) if 0 < m.start()][:2]
    for end in bounds:
        head, rest = text[:end], text[end:]
        answer_like = len(head.strip()) <= _ANSWER_HEAD_MAX and _ANSWER_HEAD.search(head)
        asked = len(head) >= 5 and _REQUEST_HEAD.search(head) and not _UNSAID_AFTER.search(rest) \
            and not _ASKING.search(rest)
        if not (answer_like or asked):
            continue  # a story's first sentence (我后生行船…): nothing to read alone, and no time spent on it
        found = _parse(head, now, catalog)
        if found.intent in _SAID_BEFORE_TALK and not _BARE_NONE.match(head) \
                and (found.intent is not IntentId.DIALOG_THANKS or _THANKED.search(head)):
            why = _parse(rest, now, catalog)  # 都系唔好啦 太远: no, and why (a learned guess of danger in
            if why.intent in (IntentId.UNKNOWN, found.intent) or (  # 我条腰唔得: no danger the words hold)
                    why.intent is IntentId.EMERGENCY_HELP and why.confidence < 0.8):
                return found
        if not asked:
            continue
        named = found.slots.keys() & {"activity_id", "service"}  # 约听日下昼个手机课堂: what is named
        if found.intent in _REQUESTS_AFTER_STORY \
                and found.confidence >= (MIN_CONFIDENCE if named else _AFTER_STORY_CONFIDENCE) \
                and found.intent not in (IntentId.ACTIVITY_QUERY, IntentId.BOOKING_LIST):
            return found
    return None




_TAILS_TRIED = 3
"""The last sentences tried as a request after a story (each is a parse: the time budget)."""
_CONTROLS_AFTER_STORY = frozenset((IntentId.DIALOG_LOUDER, IntentId.DIALOG_QUIETER,
                                   IntentId.DIALOG_SLOWER))
"""你把声细到好似蚊咁，大声啲: a complaint, then how the senior wants it."""
_TOLD_TAIL = re.compile(r"^(?:佢|他|她|医生|个女|个仔)?(?:叫|要|让|话|说|讲|教|警告)(?:我|佢|他|她)")
_AFTER_STORY_CONFIDENCE = 0.85
_REQUESTS_AFTER_STORY = frozenset((
    IntentId.ACTIVITY_QUERY, IntentId.ACTIVITY_BOOK, IntentId.BOOKING_CANCEL, IntentId.BOOKING_LIST,
    IntentId.REMINDER_CREATE, IntentId.REMINDER_LIST, IntentId.REMINDER_CANCEL, IntentId.SERVICE_BOOK,
    IntentId.MESSAGE_SEND, IntentId.MESSAGE_QUERY, IntentId.HELP_REQUEST,
    IntentId.ANNOUNCEMENT_QUERY, IntentId.POINTS_QUERY))


def _parse(text: str, now: datetime, catalog: Optional[Catalog]) -> Parse:
    norm, found_all = analyse(text, now, catalog)
    model = _model()
    canon = norm.core
    # Before the empty check: 嗯 / 嗯嗯 alone is a filler to strip but, as a whole answer, a yes.
    danger = assess(norm.folded)
    whole = _whole(model, (canon, norm.plain, norm.heard) if canon else (norm.plain,))
    if whole is not None and not (whole is IntentId.EMERGENCY_CANCEL and danger.severity):
        return Parse(text=canon or norm.plain, intent=whole, confidence=1.0)
    if found_all is None:
        return Parse(text=norm.plain, intent=IntentId.UNKNOWN)
    a = found_all
    if danger.severity is not None:
        return Parse(text=canon, intent=IntentId.EMERGENCY_HELP, slots={"severity": danger.severity},
                     confidence=1.0 if danger.severity == "high" else 0.8)
    offered = read_offer(simplified(text))
    if offered is not None:  # 我会写毛笔字，可以教大家 (技能教学)
        return Parse(text=canon, intent=IntentId.SKILL_OFFER, slots={"skill": offered} if offered else {},
                     confidence=0.85)
    if danger.reason == "no danger words" and _learned_danger(a, norm.folded):
        # 佢一边嘴角吊咗落嚟 / 老公喺楼梯口碌咗落嚟 唔郁啊: no rule knows these words, the scorer does. A
        # learned guess never alerts at once: severity check, so the speaker asks first.
        return Parse(text=canon, intent=IntentId.EMERGENCY_HELP, slots={"severity": "check"}, confidence=0.6)
    yes_act = _YES_ACT.match(text)
    if yes_act and not _REMARK_ACTS.search(fold(yes_act.group("remark"))) \
            and not any(e.kind in ("activity", "category", "service") for e in a.entities):
        return Parse(text=canon, intent=IntentId.DIALOG_YES, confidence=0.8)
    slots = _correction(canon, now, a)
    if slots:
        return Parse(text=canon, intent=IntentId.DIALOG_CORRECT, slots=slots, confidence=0.85)
    intent, template, found, confidence, source_kind = _decide(a)
    confidence = _book_said_outright(intent, confidence, a)
    if (intent is None or confidence < MIN_CONFIDENCE) and _LEADING_NO.match(canon):
        return Parse(text=canon, intent=IntentId.DIALOG_NO, confidence=0.7)  # 唔使，我瞓阵就好
    if intent is None or confidence < MIN_CONFIDENCE:
        leading = next((i for pattern, i in _LEADING_ANSWERS if pattern.match(text)), None)
        if leading is not None:  # 系啊，那天我孙子生日 / 明白明白，换紧对鞋
            return Parse(text=canon, intent=leading, confidence=0.7)
    if intent is None or confidence < MIN_CONFIDENCE:
        _LOGGER.debug("no intent for %r (skeleton %r, confidence %.2f)", canon, a.skeleton, confidence)
        # Nothing understood: show the text as heard, not as repaired towards words it does not contain.
        return Parse(text=normalize(text, rewrite=False).core, intent=IntentId.UNKNOWN,
                     confidence=round(confidence, 3))
    source = canon
    if template is not None and "content" in template.regex.groupindex:
        # Free text is taken as heard: homophone repair is for domain words, and inside a message it
        # could turn 爷爷想 into 爷也想 (也想 is a template word). Positions agree when lengths do.
        heard = normalize(text).core
        source = heard if len(heard) == len(canon) else canon
    slots = _slots(intent, model.specs[intent].slots, canon, now, a.spec, a.entities, found, a.spans, a.index,
                   source)
    _fill_missing(intent, slots, a, text)
    if intent in (IntentId.REMINDER_CREATE, IntentId.REMINDER_CANCEL):
        _reminder_words(intent, slots, text, canon)
    intent = _settled(intent, slots, a)
    _LOGGER.debug("%r → %s via %s", canon, intent.value, source_kind)
    return Parse(text=canon, intent=intent, slots=slots, confidence=round(confidence, 3))


def _settled(intent: IntentId, slots: Dict[str, Any], a: Analysis) -> IntentId:
    """Last touches: no content that is no content; a repeat asked of a family member's words."""
    if str(slots.get("content", "")) in _NO_CONTENT:
        slots.pop("content")  # 取消个提醒 / 我想同阿仔讲几句: no content said yet
    if intent is IntentId.DIALOG_REPEAT and any(e.kind == "to" for e in a.entities):
        return IntentId.MESSAGE_QUERY  # 我个女讲了什么，再说一次: her message again
    return intent


def _help_content(slots: Dict[str, Any], text: str, a: Analysis) -> None:
    """What the volunteer should do: the words after the asking ones (a template's, else the last
    有冇人 / 搵个义工 … 帮我 heard), up to the senior's pause, without time words or a bare 帮下我."""
    content = str(slots.get("content", ""))
    if not content:
        asked = _last(_HELP_ASK, a.heard)
        content = a.heard[asked.end():] if asked is not None else ""
    content = _help_until_pause(text, content)
    content = _HELP_LEAD.sub("", _without_time_words(content))
    content = _help_from_story(content, a.heard)
    content = _TAIL_TRIM.sub("", re.sub(r"^(?:嗯|呃|啊|那个|就是|一下)+", "", content))  # keeps 把 / 将
    if len(content) >= 2 and not _VAGUE_HELP.match(content):
        slots["content"] = content
    else:
        slots.pop("content", None)


def _help_from_story(content: str, heard: str) -> str:
    """A task said only as 陪我去 / 整吓 takes its object from the story before it: 礼拜一我要去医院睇眼，
    有冇义工陪我去 → 陪我去医院看眼; 个门锁坏咗…揾个义工帮我整吓 → 修门锁."""
    bare = re.sub(r"(?:啊|呀|啦|吧|吓|下|一下)+$", "", content)
    if bare in ("陪我去", "陪我", "陪我行"):
        where = _WENT.search(heard)
        return "陪我去" + where.group(1) if where else content
    carry = _CARRY_ONLY.match(bare)
    if carry:
        thing = _BOUGHT.search(heard)
        return carry.group(1) + thing.group(1) + carry.group(2) if thing else content
    read = _READ_ONLY.match(bare)
    if read:
        thing = _BOUGHT.search(heard)  # 有封信啲字太细 我睇唔到 有冇义工帮我读下 → 读封信
        return read.group(1) + thing.group(1) if thing else content
    vague = _VAGUE_HELP.match(bare)
    if vague:
        broken = _BROKEN.search(heard)
        verb = vague.group(1) if vague.group(1) in ("换", "装", "修") else "修"
        return verb + broken.group(1) if broken else content
    return content


_CARRY_ONLY = re.compile(r"^(扛|搬|抬|拎|提|拿|担|背|孭)"
                         r"(上去|上楼|上来|下去|下楼|落去|落楼|回家|返屋企|入屋)$")
"""买咗包米 太重…有冇义工帮手扛上去: what to carry is in the story."""
_READ_ONLY = re.compile(r"^(读|念|看|睇)(?:下|一下|吓|给我听|畀我听)?$")
_BOUGHT = re.compile(r"(?:买了|买咗|订了|寄来|送来|有)(?:一|两|几)?"
                     r"((?:包|袋|箱|桶|瓶|罐|件|个|张|部|盒|把|封|份|本)"
                     r"[^\s，,。太好都很又些啲的我]{1,3}?)(?=[\s，,。]|太|好|都|很|又|些|啲|的|我|$)")
_WENT = re.compile(r"(?:要|想|得)去([^，,。\s有冇没]{2,8}?)(?=[，,。\s]|有没有|没人|$)")
_BROKEN = re.compile(r"(?:个|只|部|张|度|条)?([^\s，,。个只部张度条的]{2,5}?)(?:一路|一直|成日|又|都|经常)?"
                     r"(?:坏了|坏咗|烂了|甩了|漏水|滴水|漏气|塞了|唔着|不着|不亮|唔亮|烧了|烧咗|坏晒)")


def _help_until_pause(text: str, content: str) -> str:
    """The content up to the end of the phrase it starts in, when the recogniser wrote the senior's
    pauses (有冇人得闲帮我搬袋米上楼 我拎唔郁 → 搬袋米上楼); word-by-word spacing is no pause."""
    chunks = [c for c in pauses(text).split(text) if c]
    if len(chunks) < 2 or len(content) < 3 or sum(len(c) >= 3 for c in chunks) < len(chunks) - 1:
        return content
    for chunk in chunks:
        heard = normalize(chunk).heard
        start = heard.find(content[:2])
        if start >= 0:
            head = heard[start:]
            return head if len(head) >= 2 and content.startswith(head) else content
    return content


_HELP_ASK = re.compile(r"(?:人|志愿者|义工|后生仔|年轻人|帮手)(?:可以|能|得闲|有空|可不可以|能不能|可唔可以)?"
                       r"(?:来|过来)?(?:帮下我|帮一下我|帮我|帮手|帮忙|帮下)?(?=.{2,})")
_VAGUE_HELP = re.compile(r"^(整|搞|弄|修|帮|看|执|处理|换|装)(?:下|一下|吓|整|搞|好)?(?:个|只|部|条|度)?$")
"""叫个人嚟整下: what to fix is not said in these words: the speaker asks."""
_HELP_LEAD = re.compile(r"^(?:帮下我|帮一下我|帮我|帮一下|帮手|帮忙|帮下|帮|下|来|过来|我|一下)+")
_NO_CONTENT = frozenset(("个", "的", "那", "这", "几句", "两句", "几句话", "两句话", "一下", "说话",
                         "回来", "过来", "来"))


def _fill_missing(intent: IntentId, slots: Dict[str, Any], a: Analysis, text: str) -> None:
    """The service or the content that the slot rules missed, from the words around the time words;
    what a volunteer should do (text: as the recogniser wrote it, with the senior's pauses)."""
    if slots.get("to") == "老伴":
        spoken = re.search(r"老公|老婆", simplified(text))
        if spoken:  # the contract's "as spoken": 同我老婆讲 goes to 老婆 (the lexical layer reads 老伴)
            slots["to"] = spoken.group()
    if intent is IntentId.HELP_REQUEST:
        _help_content(slots, text, a)
    if intent is IntentId.SERVICE_BOOK and "service" not in slots:
        service = _service_across_time(a)
        if service:
            slots["service"] = service
    if intent is IntentId.REMINDER_CANCEL and slots.get("content"):
        slots["content"] = re.sub(r"(?:的|个|那个|这个)+$", "", str(slots["content"])) or slots["content"]
    if intent is IntentId.BOOKING_CANCEL and not slots.keys() & {"service", "activity_id", "category"} \
            and _MEAL_CANCELLED.search(a.heard):
        slots["service"] = "meal"  # 我个女话带饭嚟 唔使啦 取消个饭
    if intent in _CONTENT_FALLBACK and "content" not in slots:
        content = _content_fallback(intent, a)
        if content:
            slots["content"] = content


_MEAL_CANCELLED = re.compile(r"(?:取消|退|唔要|不要|不用)(?:个|份|嗰个|那个|的)?(?:饭|餐)"
                             r"|(?:个|份)(?:饭|餐)(?:取消|唔要|不要|不用)")


def _service_across_time(a: Analysis) -> Optional[str]:
    """The service word split by the time words said inside it: 订听日晏昼嘅饭 is 订饭 for tomorrow noon."""
    skip = set()
    for start, end in a.spec.spans:
        skip.update(range(start, end))
        if a.canon[end:end + 1] == "的":
            skip.add(end)
    rest = "".join(ch for i, ch in enumerate(a.canon) if i not in skip)
    found = [e.value for e in a.index.find(rest, ()) if e.kind == "service"]
    return found[0] if found else None


def _decide(a: Analysis) -> Tuple[Optional[IntentId], Optional[Template], Any, float, str]:
    """Templates where they are precise, the learned scorer where they are silent, cue rules last;
    never an emergency here (assess() alone decides those) and never an action without its words."""
    skeleton = strip_particles(a.skeleton)
    template, found, t_conf = _match(skeleton, partial=False)
    scorer = classifier.model()
    scores = scorer.score(a.skeleton) if scorer is not None else None
    best, prob = _best_allowed(scores, a) if scores is not None else (None, 0.0)
    if scorer is not None and prob < CLASSIFIER_MIN and skeleton and skeleton != a.skeleton:
        # '订饭啊': the words without their final particles may be plain enough (订饭).
        plain_best, plain_prob = _best_allowed(scorer.score(skeleton), a)
        if plain_prob > prob:
            best, prob = plain_best, plain_prob
    if template is not None and not _supported(template.intent, a):
        template = None  # 腿掉广场舞 repaired to 退掉广场舞: no cancel word was heard
    if template is not None and template.intent is not IntentId.EMERGENCY_HELP:
        if best is not None and best is not template.intent and prob >= CLASSIFIER_OVERRIDE \
                and best is not IntentId.UNKNOWN:
            return best, None, None, prob, "scorer over template"
        return template.intent, template, found, t_conf, "template"
    if scorer is not None and (best is None or best is IntentId.UNKNOWN or prob < CLASSIFIER_MIN) \
            and len(a.skeleton) > TAIL_UNITS:
        # A request at the end of a story (我老伴以前…，今晚的广场舞帮我报个名): the whole utterance
        # looks like chit-chat, its last words do not. Only a confident reading of them counts.
        tail_best, tail_prob = _best_allowed(scorer.score(a.skeleton[-TAIL_UNITS:]), a)
        if tail_best is not None and tail_best is not IntentId.UNKNOWN and tail_prob >= CLASSIFIER_TAIL:
            return tail_best, None, None, tail_prob, "scorer on the last words"
    if (best is None or best is IntentId.UNKNOWN
            or (best is IntentId.SERVICE_BOOK and prob < MIN_CONFIDENCE)) and _service_request(a):
        # 订个饭 / 叫架车 / 约体检: the service word is itself the request; a story around it
        # (我个女去咗旅行冇人煮) leaves the scorer unsure, the words are not.
        return IntentId.SERVICE_BOOK, None, None, _SERVICE_REQUEST_CONFIDENCE, "service request words"
    if best is not None and prob >= CLASSIFIER_MIN:
        if best is IntentId.UNKNOWN:
            return None, None, None, 1.0 - prob, "scorer: unknown"
        prob = _backed(best, prob, a)
        # A template inside the utterance can still give the content slot of the same intent.
        inside, inside_found, _ = _partial(skeleton) if skeleton else (None, None, 0.0)
        if inside is not None and inside.intent is best:
            return best, inside, inside_found, prob, "scorer + partial template"
        return best, None, None, prob, "scorer"
    rule = match_cues(a.skeleton)
    if rule is not None and rule.intent is not IntentId.EMERGENCY_HELP and _supported(rule.intent, a):
        return rule.intent, None, None, rule.confidence, "cue rule"
    inside, inside_found, conf = _partial(skeleton) if skeleton else (None, None, 0.0)
    if inside is not None and inside.intent is not IntentId.EMERGENCY_HELP and _supported(inside.intent, a):
        return inside.intent, inside, inside_found, conf, "partial template"
    return None, None, None, max(conf, prob), "nothing"


_SERVICE_VERB = re.compile(r"^(?:订|叫|约|派|送|预约|申请)")
_SERVICE_VETO = re.compile(r"(?:不|没|别)(?:有|用|要|使)?再?(?:订|叫|约|派|送|预约|申请)"
                           r"|取消|提醒|闹钟|吗|多少|哪里|哪儿|什么时候|怎么|几点|有没有|谁")
_SERVICE_REQUEST_CONFIDENCE = 0.7
_SOMEONE = re.compile(r"隔壁|邻居|阿婆|阿伯|他|她|人家|朋友|女儿|儿子|老伴|孙|街坊")


def _backed(best: IntentId, prob: float, a: Analysis) -> float:
    """An unsure scorer whose intent a keyword rule also reads from the words gets the rule's confidence
    (never more); a rule naming another intent changes nothing."""
    if prob >= MIN_CONFIDENCE:
        return prob
    rule = match_cues(a.skeleton)
    if rule is not None and rule.intent is best and _supported(best, a, learned=True):
        return max(prob, rule.confidence)
    return prob


def _service_request(a: Analysis) -> bool:
    """A service word heard in its request form (订饭, 叫个车, 约体检) with nothing that makes it a
    question, a refusal, a reminder or a story about the past (叫了车, 琴日订咗饭)."""
    said = [(a.canon[start:end], start) for kind, (start, end) in
            ((e.kind, e.span) for e in a.entities) if kind == "service"]
    requested = [start for word, start in said if _SERVICE_VERB.match(word)]
    if not requested:
        return False
    if _SOMEONE.search(a.canon[:requested[0]]) and not _FOR_ME.search(a.heard):
        return False  # 隔篱屋阿婆成日叫车去饮茶: what someone else does, not a request
    if _SERVICE_VETO.search(a.heard):
        return False
    return _supported(IntentId.SERVICE_BOOK, a, learned=True)


def _learned_danger(a: Analysis, heard: str) -> bool:
    """Whether the scorer reads the utterance as a call for help with at least LEARNED_DANGER, and no
    veto's words (the past, TV, negation, a request, a class …) are in what was heard."""
    scorer = classifier.model()
    if scorer is None or not a.skeleton or len(heard) < _LEARNED_DANGER_MIN_CHARS:
        return False  # 瓣帮我: three characters are too little for a guess; the rules decide those
    if _CORRECTION.match(a.canon) or _TOOK_IT.search(heard):
        # 唔系煤气 系锁门: a correction of what was read back; 我好似食咗 嗯 系 食咗: a reminder answered
        return False
    danger = IntentId.EMERGENCY_HELP.value
    # The words as heard must lean the same way: no repair may make a danger (issue 11, point 3).
    return scorer.score(a.skeleton).prob(danger) >= LEARNED_DANGER and vetoed(heard) is None \
        and scorer.score(heard).prob(danger) >= LEARNED_DANGER_HEARD


def _best_allowed(scores: classifier.Scores, a: Analysis) -> Tuple[Optional[IntentId], float]:
    """The scorer's best intent that the heard words support, its probability renormalised without the
    intents that rules alone decide (emergency.help by assess(), dialog.correct by _correction())."""
    ruled = scores.prob(IntentId.EMERGENCY_HELP.value) + scores.prob(IntentId.DIALOG_CORRECT.value)
    scale = 1.0 / max(1e-6, 1.0 - ruled)
    for name, prob in scores.ranked:
        try:
            intent = IntentId(name)
        except ValueError:
            continue
        if intent in (IntentId.EMERGENCY_HELP, IntentId.DIALOG_CORRECT):
            continue
        if not _supported(intent, a, learned=True):
            continue
        return intent, min(1.0, prob * scale)
    return None, 0.0


_YES_REMEMBER = re.compile(r"^(?:好|是|对|得|嗯|知道|明白)(?:了|啦|喇)?(?:你)?(?:帮我)?记(?:住|低)")


def _remember_asked(a: Analysis) -> bool:
    """Not a reminder: 好 你记住啦 (a yes and "remember it"), 急住去饮茶 (急住 only sounds like 记住)."""
    if _YES_REMEMBER.match(a.heard):
        return False
    return not ("记" in a.canon and "记" not in a.heard and not re.search(r"提醒|叫|喊|闹|通知", a.heard))


def _book_said_outright(intent: Optional[IntentId], confidence: float, a: Analysis) -> float:
    """剪纸班仲有冇位，帮我报: a title and 帮我报 said outright lift a learned sign-up just under the bar
    to it (the dialog reads it back before anything is booked)."""
    if intent is IntentId.ACTIVITY_BOOK and MIN_CONFIDENCE - 0.1 <= confidence < MIN_CONFIDENCE \
            and _BOOK_ASKED.search(a.heard) and any(e.kind == "activity" for e in a.entities):
        return MIN_CONFIDENCE
    return confidence


_REPORTED_BOOK = re.compile(r"(?:太|伯|婆|姨|叔|女儿|儿子|老伴|邻居|隔壁|他|她)[^，,。\s]{0,3}(?:说|话)"
                            r"(?:他|她)?(?:想|要|会)?.{0,6}?报")
_BOOK_ME = re.compile(r"(?:你|就|那就)帮我报|帮我报(?:名)?(?:啦|吧|呀)")
_ASKED_INSTEAD = re.compile(r"不是.{0,2}(?:我)?(?:想|要)?问")


def _not_my_sign_up(a: Analysis) -> bool:
    """隔篱屋陈太话佢想报名书法班 / 我个女话下礼拜帮我报八段锦 佢会搞: someone else's sign-up, told; 我想报名
    唔系 我想问下…: the sign-up taken back for a question."""
    reported = _REPORTED_BOOK.search(a.heard)
    if reported and not _BOOK_ME.search(a.heard[reported.end():]):
        return True
    return _ASKED_INSTEAD.search(a.heard) is not None


def _service_wanted(a: Analysis) -> bool:
    """A booked service is not what the senior wants when family drives them (我阿仔开车送我去饮茶) or a
    volunteer's company is asked for (我想找志愿者陪我去社区医院量血压)."""
    return not (_FAMILY_DRIVES.search(a.heard) or _ACCOMPANY.search(a.heard))


def _supported(intent: IntentId, a: Analysis, learned: bool = False) -> bool:
    """Whether the words as heard carry the action an intent needs; a learned guess of a cancellation
    also needs the thing cancelled or a clear cancel word (下雨了我不去医院 cancels nothing)."""
    evidence = _RISKY.get(intent)
    if evidence is not None and evidence.search(a.heard) is None:
        return False
    if learned and intent is IntentId.DIALOG_YES and not (
            _YES_START.match(a.heard) or _YES_START.match(a.canon) or spelled(a.canon[:1]) in _YES_SOUNDS):
        return False  # a yes confirms what was read back: only when the words start with one (今天是我生日)
    if intent in (IntentId.ACTIVITY_BOOK, IntentId.SERVICE_BOOK) and _NOT_WANTED.search(a.heard):
        return False  # 唔好 我唔想报: a refusal, never a booking
    named = {e.kind for e in a.entities} - ({"service"} if _ACCOMPANY.search(a.heard) else set()) \
        - ({"to"} if _ASKED_HELPER.search(a.heard) else set())  # 有冇义工陪我老伴去洗肾: 老伴 is in the task
    if intent is IntentId.HELP_REQUEST and (
            named or _NOT_HELP.search(a.heard) or not (_HELPER.search(a.heard) or _HELPER.search(a.canon))
            or (_A_SERVICE.search(a.heard) and not _ACCOMPANY.search(a.heard))):
        return False  # 有冇人帮我报名 is a sign-up; 叫阿仔嚟帮手 a message; 唔使搵人 no request
    if intent is IntentId.REMINDER_CREATE and not _remember_asked(a):
        return False
    if intent is IntentId.REMINDER_CREATE and _CANCELLED_AT_END.search(a.heard):
        return False  # 提醒我去接老伴嗰个取消: the reminder named, then cancelled
    still_open = _STILL_OPEN.search(a.heard) and not _BOOK_ASKED.search(a.heard)
    over = _OVER_YET.search(a.heard)
    if intent is IntentId.ACTIVITY_BOOK and (still_open or over or _not_my_sign_up(a)):
        # 茶话会仲报唔报得啊: whether it is still open; 今日嘅书法班散咗未 我想去睇下: whether it is over
        return False
    if intent is IntentId.DIALOG_GREETING and _SOMEONE_ELSE_GREETED.search(a.heard):
        return False  # 你好啊小朋友: said to a child in the room, not to the speaker
    if intent is IntentId.SERVICE_BOOK and not _service_wanted(a):
        return False
    if intent is IntentId.MESSAGE_SEND and _PHONE_CALL.search(a.heard) and not _MESSAGE_WORD.search(a.heard) \
            and not _ASK_TO_CALL.match(a.heard):
        return False  # 帮我打电话给儿子: a call, which the speaker cannot make, not a message
    if intent is IntentId.BOOKING_CANCEL and (_KEEP.search(a.heard) or _FEVER_DOWN.search(a.heard)):
        return False  # 算了，不取消了
    if learned and intent is IntentId.BOOKING_CANCEL and not a.entities:
        return _CLEAR_CANCEL.search(a.heard) is not None
    if learned and intent in (IntentId.ACTIVITY_BOOK, IntentId.SERVICE_BOOK) and _DONE.search(a.heard) \
            and not _FOR_ME.search(a.heard):
        return False  # 隔壁李伯报了书法班: news about someone, not a request
    if intent in (IntentId.ACTIVITY_BOOK, IntentId.SERVICE_BOOK) and _PAST_DAY.search(a.heard) \
            and not _FUTURE_DAY.search(a.heard) and not _FOR_ME.search(a.heard):
        return False  # 上个礼拜我同隔篱阿婆去报名学书法: a story about the past, not a request
    return True


_NEW_VALUE = re.compile(r"(?:是|报|改成|换成|改到|改为|要|我说|我讲)")
_NO_HELP_THEN = re.compile(r"^\s*(?:唔使|不用|唔好|不要)(?:叫人|叫)?(?:了|喇|啦)?[\s,，。]+(?=\S{4,})")
_REQUESTS_AFTER_NO = (IntentId.SERVICE_BOOK, IntentId.ACTIVITY_BOOK, IntentId.ACTIVITY_QUERY,
                      IntentId.REMINDER_CREATE, IntentId.MESSAGE_SEND)
_WAIT_THEN_CORRECT = re.compile(r"^\s*(?:等等|等一下|等一等|等阵|咪住|且慢)[\s,，。啊呀]*"
                                r"(?=唔系|不是|不对|错了|我话|我说|(?:是|系|应该是)[^，,。\s]{0,3}"
                                r"(?:[0-9零一二两三四五六七八九十]|上午|下午|早上|朝早|下昼|晚上|夜晚|明天|听日|后天|后日"
                                r"|礼拜|星期))")
"""等等 唔系 八点半先啱: the wait is the senior catching the mistake; the correction is what they say."""
_SAID_VALUE = re.compile(r"^(?:我说|我讲|我是说)(?P<value>.{1,10})$")
_SAID_NOT = re.compile(r"^(?:我是说|我说的是|我说|我讲)(?P<value>.+?)(?:啊|呀|嘛)?(?:不是|而不是)")
_SAID_AFTER = re.compile(r"(?:不对|不是|错了|太[早晚晏迟夜]了?)(?:那|这)?.{0,4}?(?:我是说|我说的是|我说|我讲)"
                         r"(?P<value>.{1,10})$")
"""元旦喎，唔系嗰日，我话礼拜五: a remark first, then the correction and its value."""
_TIME_BIT = re.compile(
    r"(?P<day>大后天|今天|明天|后天|今晚|明早|元旦|\d{1,2}月\d{1,2}[号日]|\d{1,2}号"
    r"|(?:下个?|这个?|本)?(?:礼拜|星期|周)[一二三四五六日天])"
    r"|(?P<part>凌晨|早上|上午|中午|下午|晚上|傍晚|夜晚)"
    r"|(?P<clock>\d{1,2}(?:点|时)(?:半|钟|整|一刻|三刻|\d{1,2}(?![点时\d])分?)?)")
_TIME_RANK = {"day": 0, "part": 1, "clock": 2}


def _correction(canon: str, now: datetime, a: Analysis) -> Dict[str, Any]:
    """The slots of a correction ("不对，是后天"), taken from the value after the last 是 / 报 / 改成 when
    there is one (不是太极拳，是八段锦 → 八段锦; 不对，我明天去医院，报下个礼拜一的 → next Monday), or
    from "我说X，不是Y" → X. Empty when the utterance is not a correction or names no value."""
    said = _said(canon, now, a)
    if said:
        return said
    if _ON_TV.search(canon):
        return {}  # 唔系我喊 系电视入面啲人喊啫: taking back a call, not correcting a read-back
    found = _CORRECTION.match(canon)
    if found is None:
        late = _SAID_AFTER.search(strip_particles(canon))
        if late is not None:
            slots = _value_slots(late.group("value"), now, a)
            if slots and set(slots) <= {"date", "time", "part_of_day"}:
                return slots
    if found is None or found.end() >= len(canon):
        return {}
    rest = canon[found.end():]
    named = _named_instead(rest, found, now, a)
    if named:
        return named
    groups = _time_groups(rest)
    ended = [start for start, end in groups if rest[end:end + 1] in _PARTICLE_END]
    refused_first = re.search(r"(?:不对|不是|错了)(?:啊|呀|了|啦|喔|的)?$", found.group(0)) is not None
    if not ended and refused_first and len(groups) >= 2 and groups[0][0] == 0 \
            and groups[1][0] - groups[0][1] <= 1 and not strip_particles(rest[groups[1][1]:]):
        # 唔系八点 夜晚七点半: the refused time, then the new one, and nothing after it. With a remark
        # after the second (不对 早上七点半 我七点还没起床 / 凌晨四点半 四点太早啦) the first is the value.
        ended = [groups[1][0]]
    if ended:
        # 唔系三点，下昼四点啊，三点我仲喺度瞓晏觉: the time the senior ends with 啊 is the correction,
        # whether the refused one was said before it or a remark follows it.
        slots = _value_slots(rest[ended[0]:], now, a)
        if slots and set(slots) != {"content"}:
            return slots
    if _TIME_BIT.search(rest):
        slots = _value_slots(rest, now, a)  # 唔系，朝早八点啊，七点半我仲未起床: the first time said
        if slots and set(slots) != {"content"}:
            return slots
    return _correction_slots(canon, found.end(), now, a)


def _named_instead(rest: str, found: Any, now: datetime, a: Analysis) -> Dict[str, Any]:
    """What a correction names instead of what was read back: another family member, the value after
    是 up to the refused one, other words for a reminder, or the value after the last 是 / 报 / 改成."""
    to = _corrected_to(rest, found.end(), a)
    if to:
        return to
    first = re.match(r"^(?P<value>.{2,10}?)而?不是", rest)
    if first is not None and found.group(0).endswith("是"):
        slots = _value_slots(first.group("value"), now, a)
        if slots and set(slots) != {"content"}:
            return slots  # 错咗，系书法班唔系剪纸班: what follows 是, up to the one refused
    swapped = _swapped_content(rest, now, a)
    if swapped:
        return {"content": swapped}  # 唔系煤气 系锁门 / 唔系公园 系去咗街市买菜
    return _marked_value(rest, now, a)


_TO_SWAPPED = re.compile(r"^(?:个|我)?(?P<old>[^是]{1,4})是(?:个|我)?(?P<new>[^是]{1,4})$")


def _corrected_to(rest: str, start: int, a: Analysis) -> Dict[str, Any]:
    """不对，是给我儿子留: the message goes to someone else; 唔系个仔 系个女: the one after 是 instead."""
    to = [e.value for e in a.entities if e.kind == "to" and e.span[0] >= start]
    if to and _TO_WHOM.search(rest) and len(rest) <= 10:
        return {"to": to[0]}
    swapped = _TO_SWAPPED.match(strip_particles(rest))
    if swapped and swapped.group("new") in a.index.family and swapped.group("old") in a.index.family:
        return {"to": swapped.group("new")}
    return {}


_ON_TV = re.compile(r"(?:电视|收音机|广播|戏).{0,6}(?:喊|叫|救命|摔|跌|晕)"
                    r"|(?:喊|叫|救命|摔|跌).{0,6}(?:电视|收音机|戏)")
_TO_WHOM = re.compile(r"^(?:是|我说|我是说)?(?:给|跟|同|对|留给|发给|话畀)")
_WHEN_KEYS = frozenset(("date", "time", "part_of_day"))
_SWAP = re.compile(r"^(?P<old>[^是]{1,6}?)(?:我是说|我说|我讲|是)(?P<new>.{2,})$")
"""不是X是Y: the thing read back (X), then what the senior meant (Y)."""
_SWAP_MAX = 8


def _marked_value(rest: str, now: datetime, a: Analysis) -> Dict[str, Any]:
    """The value after the last 是 / 报 / 改成 of a correction that names one; the activity said before
    a day goes with it (唔系，我想报太极拳，都系听日)."""
    marks = [m for m in _NEW_VALUE.finditer(rest)
             if not (m.group() == "是" and rest[m.start() - 1:m.start()] == "不")]
    found: Dict[str, Any] = {}
    for mark in reversed(marks):
        # 我想报合唱团，不是剪纸: the value ends where the refused one is named again
        slots = _value_slots(re.split(r"而?不是", rest[mark.end():])[0], now, a)
        if not found:
            if slots and set(slots) != {"content"}:
                found = slots  # 不对，是早上7点半，要空肚去: the time, not 空肚去
                if not set(slots) <= _WHEN_KEYS:
                    return slots
        elif set(slots) - _WHEN_KEYS - {"content"} and all(slots.get(k) == v for k, v in found.items()):
            return slots
    return found


def _said(canon: str, now: datetime, a: Analysis) -> Dict[str, Any]:
    """'我说X，不是Y' → X; '我说早上七点' alone → that time (a value, no request)."""
    said = _SAID_NOT.match(canon)
    if said is not None:
        return _value_slots(said.group("value"), now, a)
    said = _SAID_VALUE.match(strip_particles(canon))
    if said is not None:
        slots = _value_slots(said.group("value"), now, a)
        if slots and set(slots) <= {"date", "time", "part_of_day"} and \
                not re.search(r"[提报约取订叫有几什么吗]", said.group("value")):
            return slots
    return {}


def _swapped_content(rest: str, now: datetime, a: Analysis) -> str:
    """Y of 不是X是Y when Y is free content (no time, no activity or service): the senior's words up to
    where they start saying it again (锁门锁好个大门 → 锁门) or telling why."""
    swapped = _SWAP.match(rest)
    if swapped is None or _TIME_BIT.search(rest):
        return ""
    value = _without_narration(swapped.group("new"))
    again = value.find(value[0], 1)
    value = _trimmed(IntentId.REMINDER_CREATE, value[:again] if again >= 2 else value)
    if not value or len(value) > _SWAP_MAX:
        return ""
    if not _entity_slots(value, now, a):
        return value
    old = swapped.group("old")
    if _entity_slots(old, now, a) or _entity_slots(value, now, a, ("activity", "category")):
        return ""
    return value  # 唔系食药，我话量血压: a reminder's words refused, so what follows is words too


def _entity_slots(text: str, now: datetime, a: Analysis,
                  kinds: Tuple[str, ...] = ("activity", "category", "service")) -> bool:
    """Whether a piece names an activity, category or service (then it is not free content)."""
    _, part = analyse(text, now, a.index.catalog)
    return part is not None and any(e.kind in kinds for e in part.entities)


def _value_slots(text: str, now: datetime, a: Analysis) -> Dict[str, Any]:
    """Slots named by a piece of a correction, read on its own; of two clock times the first is the
    value and the second a remark (我是说七点半，八点就迟了)."""
    cut = _first_time(text)
    _, part = analyse(cut, now, a.index.catalog)
    if part is None:
        return {}
    slots = _correction_slots(part.canon, 0, now, part)
    if cut != text:
        # 我话礼拜六下昼两点嘅象棋: the activity named after its time goes with it when the whole agrees
        _, whole = analyse(text, now, a.index.catalog)
        more = _correction_slots(whole.canon, 0, now, whole) if whole is not None else {}
        if "activity_id" in more and all(more.get(k) == v for k, v in slots.items()):
            return more
    return slots


def _time_groups(text: str) -> List[Tuple[int, int]]:
    """(start, end) of each time said; a day, part of day and clock in a row are one time."""
    out: List[Tuple[int, int]] = []
    rank = -1
    for bit in _TIME_BIT.finditer(text):
        kind = _TIME_RANK[str(bit.lastgroup)]
        if out and bit.start() - out[-1][1] <= 1 and kind > rank:
            out[-1] = (out[-1][0], bit.end())
        else:
            out.append((bit.start(), bit.end()))
        rank = kind
    return out


_PARTICLE_END = set("啊呀啦喇嘛吖喔咯")


def _first_time(text: str) -> str:
    """A correction's value up to the end of its first time (后天下午3点 whole: day, part, clock in that
    order); what follows is a remark that may name other times (是后天，明天要去饮茶 → 后天;
    是早上10点，9点我要去饮茶 → 早上10点)."""
    bits = list(_TIME_BIT.finditer(text))
    if len(bits) < 2:
        return text
    end, rank = bits[0].end(), _TIME_RANK[str(bits[0].lastgroup)]
    for bit in bits[1:]:
        kind = _TIME_RANK[str(bit.lastgroup)]
        if bit.start() - end > 1 or kind <= rank:
            break
        end, rank = bit.end(), kind
    return text[:end]


def _correction_slots(canon: str, start: int, now: datetime, a: Analysis) -> Dict[str, Any]:
    """The values a correction gives: those the rest of the utterance names, in the contract's formats."""
    spec_allowed = _model().specs[IntentId.DIALOG_CORRECT].slots
    slots = _slots(IntentId.DIALOG_CORRECT, spec_allowed, canon, now, a.spec, a.entities, None, a.spans,
                   a.index, canon)
    if a.spec.date is None:
        slots.pop("date", None)  # only what was said: a clock time alone keeps the pending day
    if not slots:
        rest = strip_particles(canon[start:])
        if rest and len(rest) <= _CORRECT_CONTENT_MAX and not re.search(r"[不没别]", rest):
            slots["content"] = rest
    return slots


_CONTENT_FALLBACK = (IntentId.REMINDER_CREATE, IntentId.REMINDER_CANCEL, IntentId.MESSAGE_SEND)
_REMIND = (r"(?:记得|记住|到时|到时候)?(?:提醒|叫|喊|通知|闹)(?:一下|下)?(?:我|我们)"
           r"(?:一声|一下|下(?!午))?")
_COMMAND = {
    IntentId.REMINDER_CREATE: re.compile(_REMIND),
    IntentId.REMINDER_CANCEL: re.compile(r"(?:的|个)?(?:提醒|闹钟)"),
    IntentId.MESSAGE_SEND: re.compile(r"(?:跟|给|同|和|对|告诉|转告|说给|^回|(?<=帮我)回|回复)"
                                      r"(?P<to>[^说讲]{1,4}?)"
                                      r"(?:说|讲|听|知|留言|带句话|带个话)"
                                      r"|(?:留言|留个言|带句话|带个话|回一句|回句话|回句|回个话)(?:给|跟)?(?:[^说讲]{0,4}?)"
                                      r"(?:说|讲)"
                                      r"|^(?:帮我)?叫(?:我)?(?:的)?(?:大|小)?(?:儿子|女儿|孙子|孙女|外孙女|外孙|老伴|儿媳|女婿)"),
}
_CANCEL_BEFORE_MAX = 8
_SET_ONE = re.compile(r"(?:设|加|定|订|整)(?:多|番)?(?:一)?个(?P<what>.{0,10}?)(?:的|嘅)?(?:提醒|闹钟)")
_REMEMBER = re.compile(r"帮我记住|(?<![不忘])记得|(?<![不忘])记住|别忘了|不要忘了")
_SELF_CORRECTION = re.compile(r".*(?:不是|不对|错了)")
_CLAUSE_END = re.compile(r"(?<=.)(?:啊|呀|啦|喔|嘛)(?=.{2,}).*$")
"""熄火啊，我煲紧汤: the content ends at a sentence particle with more talk after it."""
_TOLD = re.compile(r".*(?:叫我|要我|让我|说我要|我要|(?:叫|要|让)(?=他|她|老伴))")
_TOLD_ME = re.compile(r".*(?:叫我|要我|让我)")
_OTHER_ONLY = re.compile(r"^叫(?:他|她|老伴|爷爷|奶奶|阿爷|阿嫲|阿婆|孙子|孙女|外孙|爸爸|妈妈|儿子|女儿)"
                         r"们?$")
"""医生说要他每天吃药，帮我提醒他 (read as 提醒我叫他): whom to tell, with what to tell said before."""
_DISCOURSE = re.compile(r"^(?:我)?(?:同|跟|和)(?:你|您)(?:说|讲)")
"""我同你讲…: how a story starts, never what to be reminded of."""
_CANCEL_WORD = re.compile(r".*(?:取消|删除|删了|删掉|删|关掉|关了|去掉|不要|不用|别|那个|个)")
_NEGATED_REMIND = re.compile(r"(?:不用|不要|别|不需要)(?:再)?" + _REMIND)
_LEAD_TRIM = re.compile(r"^(?:嗯|呃|啊|那个|就是|把|将|你|的|要|去要|该|得|说|一下|下|我|就|帮我|麻烦你|麻烦"
                        r"|请"
                        r"|给我)+")
_MESSAGE_LEAD = re.compile(r"^(?:嗯|呃|啊|那个|就是|说|讲|话(?=..)|声(?!音)(?=..)|一声(?=..)|句(?=..))+")
"""同孙女讲声生日快乐: 讲声 is "say", the message is 生日快乐."""
_TAIL_TRIM = re.compile(r"(?:的|了|啊|呀|吧|啦|喔|咯|嘛|呢|哦|好不好|可以吗|好吗|行吗|得不得|谢谢|唔该|由|从"
                        r"|(?<=..)就得|(?<=..)就可以|(?<=..)就行|(?<=..)就好"
                        r"|我怕不记得|我怕忘了|我不记得|我惊不记得|我会忘|我成日不记得|不要(?:给|让|畀)(?=我不记得|我忘)"
                        r"|你?(?:到时|到时候)?(?:帮我|同我|给我)?(?:记住|记得|提醒我|提醒下我|提醒一下我|叫我)?"
                        r"(?:啊|呀|啦)?)+$")


def _command_repaired(intent: IntentId, a: Analysis) -> str:
    """The words as heard, with the command word put back where only its repaired form is a command
    (你九点半题醒我出门: 题醒 → 提醒); the content around it stays as heard. The heard words put back
    are those that sound exactly like the command (same folded pinyin), wherever they are."""
    command = _COMMAND.get(intent)
    heard = a.heard
    if command is None or command.search(heard):
        return heard
    sounds = keys(heard)
    for found in command.finditer(a.canon):
        word = found.group()
        size = len(word)
        want = keys(word)
        for start in range(len(heard) - size + 1):
            if sounds[start:start + size] == want:
                heard = heard[:start] + word + heard[start + size:]
                break
    return heard


def _content_fallback(intent: IntentId, a: Analysis) -> Optional[str]:
    """Content when no template captured it, in the words as heard (before homophone repair): what
    follows the command (提醒我…, 跟女儿说…), or for a cancel what precedes 提醒; the request's time
    words and routine words are left out of a reminder (they are its slots)."""
    heard = _command_repaired(intent, a)
    if intent is IntentId.REMINDER_CANCEL and _NEGATED_REMIND.search(heard):
        found = _last(_NEGATED_REMIND, heard)
        piece = heard[found.end():] if found is not None else ""
    else:
        found = _last(_COMMAND[intent], heard)
        if found is None and intent is IntentId.REMINDER_CREATE:
            found = _last(_REMEMBER, heard)
        if found is None and intent is IntentId.REMINDER_CREATE:
            named = _SET_ONE.search(heard)  # 再加多个滴眼药水的提醒 / 我想…去公园走走，你帮我设个提醒
            if named is not None:
                inner = _trimmed(intent, _without_time_words(named.group("what") or ""))
                before = re.sub(r"^我(?:想|要)", "", _without_time_words(heard[:named.start()]))
                before = _TOLD.sub("", before)
                piece = inner or _trimmed(intent, before)
                return piece if piece and len(piece) <= 20 and not _DISCOURSE.match(piece) else None
        if found is None:
            return None
        if intent is IntentId.REMINDER_CANCEL:
            piece = _CANCEL_WORD.sub("", heard[:found.start()])
            piece = re.sub(r"[那这的德得地个]+$", "", _without_time_words(piece))
            if len(piece) > _CANCEL_BEFORE_MAX and a.spec.clock is not None:
                return None  # 阳台啲花我送咗畀邻居喇，下昼五点嗰个提醒取消咗佢: the time says which one
            after = heard[found.end():]
            if not piece and re.match(r"(?:帮我|同我|给我)?(?:取消|删|关掉|关了|去掉|不要|不用)", after):
                return None  # 五点嗰个提醒取消咗佢，啲花都死晒喇: the cancel, then a story
            if not piece:  # 取消提醒我交水费那个: what follows 提醒我
                piece = re.sub(r"(?:取消|关掉|关了|不要|不用|删掉|删了|删|去掉)+(?:了|掉)?$", "", after)
                piece = re.sub(r"^(?:我|一下)+|(?:那个|这个|的|个)+$", "", piece)
        else:
            after = heard[found.end():]
            # A reminder ends at a particle with talk after it; a message is the senior's own words, all
            # of them (我今晚唔去佢度食饭啦 要去饮喜酒: the reason is part of what the daughter must hear).
            piece = _trimmed(intent, after if intent is IntentId.MESSAGE_SEND else _CLAUSE_END.sub("", after))
            who = piece if _OTHER_ONLY.match(piece) else ""
            if not piece or who:  # …医生叫我每天吃药，你到时提醒我啦: the content came first
                piece = _trimmed(intent, _TOLD.sub("", _SELF_CORRECTION.sub("", heard[:found.start()])))
                piece = "叫" + piece if who and piece.startswith(who[1:]) else who + piece
                if _OTHER_ONLY.match(piece):
                    return None
    if intent is not IntentId.MESSAGE_SEND:
        piece = _without_time_words(piece)
    if intent is IntentId.REMINDER_CREATE:
        piece = _without_narration(piece)
    piece = _trimmed(intent, piece)
    if not piece or len(piece) > 20 or (intent is not IntentId.MESSAGE_SEND and _DISCOURSE.match(piece)):
        return None
    return piece


def _trimmed(intent: IntentId, piece: str) -> str:
    """Fillers, politeness and particles off both ends (a message keeps its own leading 我)."""
    lead = _MESSAGE_LEAD if intent is IntentId.MESSAGE_SEND else _LEAD_TRIM
    for _ in range(2):
        piece = _TAIL_TRIM.sub("", lead.sub("", piece))
        piece = re.sub(r"(?:你|您)$", "", piece) if intent is not IntentId.MESSAGE_SEND else piece
    return piece


def _last(pattern: "re.Pattern[str]", text: str) -> Optional["re.Match[str]"]:
    """The last match of pattern in text (the command nearest the content), or None."""
    last = None
    for last in pattern.finditer(text):  # noqa: B007 - the loop only walks to the last match
        pass
    return last


def _without_time_words(piece: str) -> str:
    spec = parse_time(piece, datetime(2000, 1, 3))
    keep = []
    skip = set()
    for start, end in spec.spans:
        skip.update(range(start, end))
        if piece[end:end + 1] == "的":
            skip.add(end)
    for i, char in enumerate(piece):
        if i not in skip:
            keep.append(char)
    return "".join(keep)


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


def _routine_slots(spec: TimeSpec, slots: Dict[str, Any]) -> None:
    """anchor / offset_min / every_min / from / until of a reminder tied to the household's routine; the
    dialog turns them into clock times, so such a reminder carries a date only if one was said."""
    if spec.anchor is None and spec.offset_min is None and spec.every_min is None:
        return
    if spec.anchor:
        slots["anchor"] = spec.anchor
    if spec.offset_min is not None:
        slots["offset_min"] = spec.offset_min
    if spec.every_min is not None:
        slots["every_min"] = spec.every_min
    if spec.window[0] is not None:
        slots["from"] = spec.window[0].strftime("%H:%M")
    if spec.window[1] is not None:
        slots["until"] = spec.window[1].strftime("%H:%M")
    if spec.date is None:
        slots.pop("date", None)


def _slots(intent: IntentId, allowed: Tuple[str, ...], canon: str, now: datetime, spec: TimeSpec,
           entities: List[Entity], found: Any, spans: List[Tuple[int, int]],
           index: CatalogIndex, source: str) -> Dict[str, Any]:
    slots: Dict[str, Any] = {}
    # A bare hour in a correction follows the bare-hour rule (the next 8:00 or 20:00 after now).
    future = intent in (IntentId.REMINDER_CREATE, IntentId.REMINDER_CANCEL, IntentId.DIALOG_CORRECT)
    day, clock = resolve(spec, now, future=future)
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
    if "anchor" in allowed:
        _routine_slots(spec, slots)
    for ent in _after_self_correction(canon, entities):
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
    content = _content_slot(intent, found, spans, source) if "content" in allowed else None
    if content:
        slots["content"] = content
    return slots


_TAKEN_BACK = re.compile(r"不是|不对|讲错|说错|错了|不过|但是|那就|这么就")


def _after_self_correction(canon: str, entities: List[Entity]) -> List[Entity]:
    """报太极拳 唔系唔系 八段锦啊: a title taken back in the same breath is not the one meant — the
    activities after the last correction word replace those before it."""
    acts = [e for e in entities if e.kind == "activity"]
    if len(acts) < 2:
        return entities
    marks = [m.end() for m in _TAKEN_BACK.finditer(canon)]
    cut = next((m for m in reversed(marks) if acts[0].span[1] <= m <= acts[-1].span[0]), None)
    if cut is None:
        return entities
    return [e for e in entities if e.kind != "activity" or e.span[0] >= cut]


def _content_slot(intent: IntentId, found: Any, spans: List[Tuple[int, int]], source: str) -> Optional[str]:
    """A template's content; a reminder's without the remark after it (去复诊我成日不记得 → 去复诊)."""
    content = _content(found, spans, source, verbatim=intent is IntentId.MESSAGE_SEND)
    if content and intent is IntentId.MESSAGE_SEND:
        content = _MESSAGE_LEAD.sub("", content) or content  # 留言畀个孙 话阿爷好挂住佢: 话 is "saying"
    if content and intent is IntentId.REMINDER_CREATE:
        content = _trimmed(intent, _without_narration(content))
        told = _TOLD_ME.match(content)
        if told is not None and 2 < told.end() < len(content):
            content = content[told.end():]  # 医生叫我每天吃药 (…你到时提醒我): what the doctor said to do
        if _DISCOURSE.match(content) or _OTHER_ONLY.match(content):
            return None  # 我同你讲…: the story's opening, not the thing (the fallback looks again)
    return content


_COMMAND_LAST = re.compile(r"^(?:你|麻烦你)?(?:到时|到时候)?(?:帮我|同我)?"
                           r"(?:提醒(?:下|一下)?(?:我)?|记(?:住|低)|叫我)(?:啦|啊|呀|喇|吖|吧)?[。！!]*$")
_DOCTOR_SAID = re.compile(r"^.*?(?:医生|护士|佢|他|她|女儿|儿子|老伴)(?:说|话|讲|叫)(?:我)?(?:.*要)?")
_STORY_WORDS = re.compile(r"记性|不记得|成日|老是|总是|越来越")


def _reminder_words(intent: IntentId, slots: Dict[str, Any], text: str, canon: str) -> None:
    """A reminder's content as the senior meant it: up to their pause (the reason after it is not the
    thing), the phrase before a command said last, without a correction word or the times (slots)."""
    if intent is IntentId.REMINDER_CREATE and not slots.get("content"):
        told = _said_before_command(text, "")  # …医生话我要每日朝早八点食阿司匹林 你帮我记住 提醒我
        if told:
            slots["content"] = told
    if not slots.get("content"):
        return
    cut = _cut_at_pause(text, canon, str(slots["content"]), any_reason=intent is IntentId.REMINDER_CANCEL)
    if intent is IntentId.REMINDER_CREATE:
        cut = _said_before_command(text, cut)
    slots["content"] = _trimmed(intent, _SELF_CORRECTED_END.sub("", cut) or cut)
    if intent is IntentId.REMINDER_CREATE and len(_without_time_words(slots["content"])) >= 2:
        slots["content"] = _without_time_words(slots["content"])  # 叫他八点吃药: the time is a slot


def _said_before_command(text: str, content: str) -> str:
    """唉 我呢个记性越嚟越差 医生话每日晏昼十二点半要食胃药 你帮我记住: the command said last, the thing
    is the phrase just before it (not the story's start), without who said it or its times."""
    chunks = [c for c in pauses(text).split(text.strip()) if c]
    commands = 0
    while commands < len(chunks) and _COMMAND_LAST.match(normalize(chunks[-1 - commands]).heard):
        commands += 1  # 你帮我记住 提醒我: the command may be said twice
    if commands == 0 or commands >= len(chunks):
        return content
    before = normalize(chunks[-1 - commands]).heard
    story = _DOCTOR_SAID.match(content) or _STORY_WORDS.search(content)
    if content and not story:
        return content  # 听日朝早要去抽血 唔好食早餐 你提醒我: the whole is the thing, no story to skip
    # …我自己礼拜四朝早十点要去社康拎药 你帮我提醒下: no content found elsewhere — the phrase before it
    piece = _trimmed(IntentId.REMINDER_CREATE, _without_time_words(convert(_DOCTOR_SAID.sub("", before))))
    piece = re.sub(r"^我?(?:自己)?(?:要|想)?", "", piece)
    return piece if len(piece) >= 2 else content


_SELF_CORRECTED_END = re.compile(r"(?:不是|不对|错了)$")
"""提醒我去讲座 唔系 九点三刻啦: the correction word after the content belongs to the time."""


def _cut_at_pause(text: str, canon: str, content: str, any_reason: bool = False) -> str:
    """A reminder's content ends at the senior's pause when the recogniser wrote pauses as spaces between
    phrases (凌晨五点提醒我煲粥 个孙朝早要返学 → 煲粥): what follows the pause is the reason, not the thing.
    Word-by-word spacing (提醒 我 吃药) is not a pause: then every phrase is short. What follows the pause
    of a cancel is always its reason (唔使再提醒我饮水喇 饮到成晚去厕所 → 喝水), whatever its first word."""
    chunks = _paused_chunks(text)
    if not chunks:
        return content
    start = canon.find(content)
    if start < 0:
        return content
    for k in range(1, len(chunks)):
        end = len(normalize("".join(chunks[:k])).core)
        story = any_reason or _STORY_START.match(content, end - start)
        if start + 2 <= end <= start + len(content) - 3 and story:
            return content[:end - start]
    return content


_STORY_START = re.compile(r"我|个|晚上|早上|下午|中午|上午|今晚|昨晚|医生|他|她|佢|因为|怕|惊|礼拜|星期|周末"
                          r"|老伴|阿|孙|女儿|儿子|成日|平时|不然|唔系|不是|新年|过年|同班|同埋|所以|差点|又|老是|总是")
"""How the story after a pause starts (个孙朝早要返学, 医生话…); not 要去医院排队挂号: what it is for."""


_NARRATION = re.compile(r"(?<![给同跟和对叫])(?:我|个孙|个女|个仔|医生|他|她)[^说讲]{0,4}?(?:说|讲|紧|怕|惊)")


def _without_narration(content: str) -> str:
    """A reminder's content without the story told after it: 熄炉我煲紧汤 → 熄炉, 看倒数个孙说一齐视频 →
    看倒数 (a message to someone — 跟他说… — is content, not narration)."""
    found = _NARRATION.search(content, 2)
    return content[:found.start()] if found is not None else content
