"""The conversation: open questions and their repair, yes/no, emergencies, repeat, voice, routing to skills.

One question at a time is open (a read-back, a follow-up, '您是说…还是…？', '要继续听吗', a
suggestion, '您是不是需要人帮忙？'). It is answered, corrected ('不对，是后天'), held ('等一下'),
or set aside by another request or a ringing reminder and offered again afterwards
('刚才的报名还没办好，要现在报名吗？'). Nothing is ever done on a yes that answers nothing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from intents.answer import carrier, read_answer
from intents.pinyin import keys
from intents.poll import ANY as ANY_OPTION
from intents.poll import NONE as NO_OPTION
from intents.poll import read_choice
from intents.schema import Activity, Catalog, IntentId, Parse
from intents.skill import corrected_skill
from intents.templates import load_lexicon

from . import say
from .clock import Clock
from .config import Settings
from .phrases import name, table
from .phrases import say as phrase
from .records import OccurrenceStatus
from .scheduler import acknowledge_open
from .skills import CONFIRM, MORE, SKILLS, SLOT, Answer, Ask
from .skills.activities import title_said
from .skills.answer import CHOOSE, HELP, POLL, RESUME, SUGGEST, Item, in_part_of_day
from .skills.reminders import meal_of
from .skills.teaching import taught_counts
from .skills.timesense import names_day, settle_answer, settle_request, spoken_clock, spoken_part
from .store import Store

_LOGGER = logging.getLogger(__name__)

PENDING_SECONDS = 30.0
"""A question left open (confirmation, follow-up, '要继续听吗') expires after this long."""
WAIT_SECONDS = 120.0
"""'等一下' holds the open question this long."""
NOTICE_SECONDS = 600.0
"""An expired or set-aside question is mentioned again if the senior speaks within this long."""
CHECK_SECONDS = 20.0
"""'您是不是需要人帮忙？' unanswered this long raises the alert."""
CANCEL_WINDOW = timedelta(minutes=10)
OPEN_ALERT = timedelta(minutes=10)
"""A new danger this soon after an alert nobody has taken up yet is about the same one: no second alert."""
"""An alert can be taken back ('没事了，我按错了') this long after it was raised."""
SEND_WAIT = 3.0
"""Online, the alert's reply waits this long (real seconds) for the server to take it, so it can
say '已经通知' truthfully; otherwise it says that the alert is queued."""
ACK_WORDS = ("知道了", "知道", "好的", "好", "吃了", "吃过了", "收到", "听到了", "明白了", "晓得了")
"""Said after a reminder; counted as dialog.yes even if the parser did not map them."""
_SLOT_KEYS = {"activity_id": ("activity_id", "category", "date", "time", "part_of_day"),
              "content": ("content",), "service": ("service",), "date": ("date", "date_range"),
              "time": ("time", "date", "part_of_day", "anchor", "offset_min"), "anchor": ("anchor",)}
SELF_CHECK = re.compile(r"(设备|机器|音箱|小巢)?自检|检查一下?(设备|机器|音箱)")
"""'设备自检': a volunteer asks the speaker to check itself; not an NLU intent (it is for helpers,
not part of the seniors' contract), so it is matched here before parsing."""
VOLUME_STEP, VOLUME_MIN, VOLUME_MAX = 0.15, 0.3, 1.0
RATE_STEP, RATE_MIN = 15, 80

_ORDINAL = re.compile(r"第\s*([一二三四五六七八九十两\d]{1,2})\s*(?:个|项|条|场|样|次|件)?|"
                      r"(头一个|头先嗰个|前面那个|前面嗰个|上面那个)|(最后一个|最后那个|后面那个|后面嗰个|下面那个)")
_CORRECTION_WORDS = re.compile(r"^(?:不对|不是|唔系|唔啱|错了|错咗|我话|我是说|我说的是|我讲|应该是|"
                               r"改成|改为|是|啊|呀|喔|咯|嘅|的|，|,|\s)+")
_WRONG = ("不对", "不是", "唔系", "唔啱", "错了", "错咗", "不对不对", "唔系唔系", "说错了", "讲错了")
"""A bare '不对' to a read-back asks what to change instead of dropping the request."""
_NEW_REQUESTS = (IntentId.TIME_QUERY, IntentId.ACTIVITY_QUERY, IntentId.BOOKING_LIST,
                 IntentId.REMINDER_LIST, IntentId.ANNOUNCEMENT_QUERY, IntentId.MESSAGE_QUERY,
                 IntentId.POINTS_QUERY, IntentId.BOOKING_CANCEL, IntentId.REMINDER_CANCEL, IntentId.DIALOG_NO,
                 IntentId.DIALOG_YES, IntentId.DIALOG_CORRECT, IntentId.DIALOG_STOP)
"""Said instead of a reminder's or message's content, these are not the content but a new request."""
_QUESTION = re.compile(r"吗$|什么|几点|几号|礼拜几|星期几|哪|多少|有没有|点样|咩|乜")
_DROP = re.compile(r"唔要|不要|取消|删|唔去|不去|退|算了|唔使")
_FIX_TIME = (IntentId.REMINDER_CREATE, IntentId.SERVICE_BOOK, IntentId.ACTIVITY_BOOK, IntentId.ACTIVITY_QUERY,
             IntentId.BOOKING_CANCEL)
"""Requests whose slots get the dialog's time sense (parts of day, 听日)."""
_FILL_DAY = (IntentId.REMINDER_CREATE, IntentId.SERVICE_BOOK)
_CATALOG_INTENTS = (IntentId.ACTIVITY_QUERY, IntentId.ACTIVITY_BOOK)
_OFFERED_AGAIN = (CONFIRM, SLOT, CHOOSE, RESUME)
"""Kinds of question offered again after they expired or were set aside."""

LINK_ONLINE, LINK_OFFLINE, LINK_UNPAIRED = "online", "offline", "unpaired"

Parser = Callable[[str, datetime, Optional[Catalog]], Parse]


class Link:
    """What the dialog needs to know about the server connection (the runtime supplies the real one).

    This default is a speaker that is not paired: nothing can be sent.
    """

    def link_status(self) -> str:
        """online (paired, last sync answered), offline (paired, ops wait in the outbox), unpaired."""
        return LINK_UNPAIRED

    def wait_sent(self, op_id: str, timeout: float) -> bool:
        """Push op_id now and wait up to timeout seconds for the server to take it."""
        return False

    def fetching_catalog(self) -> bool:
        """Paired, but the community's activity list has not arrived yet."""
        return False


@dataclass(frozen=True)
class Reply:
    """What the speaker says; the audio side speaks text with these settings."""

    text: str
    expects_answer: bool = False
    """True after a question: the audio side listens without the wake word for a few seconds."""
    voice_rate: int = 130
    """Current persisted speaking rate, words per minute."""
    voice_volume: float = 0.9
    """Current persisted volume, 0–1."""
    urgent: bool = False
    stop_speaking: bool = False
    """'停': cut the current speech short."""

    def to_dict(self) -> Dict[str, Any]:
        return {"text": self.text, "expects_answer": self.expects_answer, "voice_rate": self.voice_rate,
                "voice_volume": self.voice_volume, "urgent": self.urgent, "stop_speaking": self.stop_speaking}


_SIGH = r"^(?:(?:哦|噢|啊|哎|唉|嗯|呃)[\s，,]*)?"
"""An interjection and its pause before the answer (唉 算啦 唔要喇…)."""
_DECLINED_FIRST = re.compile(_SIGH + r"(?:算了|算啦|算数|不用了|不用啦|不要了|不需要了"
                             r"|不用|不要|唔使|唔要)(?:啦|喇|了|吧|咯)?(?:[，,。\s]|不用|唔使|$)")
_FAMILY_IN = re.compile("|".join(sorted((re.escape(str(w)) for w in load_lexicon()["family"]), key=len,
                                         reverse=True)))
"""The family words of the lexicon (儿子, 外孙女 …), longest first: the one inside a reminder's words."""
_OK_NOW = re.compile(r"(?:没事|冇事|无事|没有事)(?:了|喇|啦|嘞)?[。！!，, ]*$")
_WHEN_SLOTS = frozenset(("time", "date", "anchor", "repeat", "every_min", "offset_min"))
_WHEN_ASKED = re.compile(r"几点|几时|什么时候|什么时间")
_REFUSED = re.compile(_SIGH + r"(?:不是|不对|唔系|唔啱|错了|搞错|说错|讲错)")
"""An answer that starts by refusing the read-back (its rest may not be understood)."""


def _words_corrected(ask: Ask, parse: Parse, intent: IntentId) -> Tuple[IntentId, Parse]:
    """唔系打电话 系提醒我睇佢发嘅相片 during a reminder read-back: its words corrected, said as a new
    request with no time — a correction of the content, the rest kept."""
    reminder = ask.kind is CONFIRM and intent is ask.intent is IntentId.REMINDER_CREATE
    if reminder and _REFUSED.match(parse.text) and parse.slots.get("content") \
            and not parse.slots.keys() & _WHEN_SLOTS:
        corrected = IntentId.DIALOG_CORRECT
        return corrected, replace(parse, intent=corrected, slots={"content": parse.slots["content"]})
    return intent, parse


@dataclass
class _Open:
    """The open question: what was asked, until when, and whether it was already offered again."""

    ask: Ask
    text: str
    expires: float
    offered: bool = False
    correcting: bool = False
    """'您想改成什么？' was asked: the next fragment is the corrected value."""


@dataclass
class _Alert:
    """The latest alert raised: its op id (the emergency's id), when, and what the senior was told."""

    op_id: str
    at: datetime
    told_sent: bool
    cancelled: bool = False
    handled: bool = False
    """Someone pressed 我来处理: a new call for help after that is a new alert."""


@dataclass
class _Context:
    """The list the speaker said last ('第一个' refers to it) and when."""

    items: Tuple[Item, ...] = ()
    at: float = 0.0


@dataclass
class _SetAside:
    question: _Open
    at: float
    interrupted: bool = False
    """Set aside while still open (a request in the middle), not expired."""


def _default_parser() -> Parser:
    from intents import parse  # the NLU loads its templates on import: only when a dialog is made

    return parse


def ordinal(text: str) -> Optional[int]:
    """0-based position named in text ('第二个' → 1, '最后一个' → -1), or None."""
    found = _ORDINAL.search(text)
    if found is None:
        return None
    if found.group(2):
        return 0
    if found.group(3):
        return -1
    word = found.group(1)
    word = word.replace("两", "二")
    value = int(word) if word.isdigit() else "一二三四五六七八九十".find(word) + 1
    return value - 1 if value else None


_SWAP = re.compile(r"^(?:唔系|不是|不对|唔啱|错了|错咗)[，,]?(.{1,8}?)[，,]?(?:系|是)(.{2,})$")
_CANCEL_IT = re.compile(r"取消|退(?:掉|咗|了|返)")
"""A cancel word in a take-back with no call for help to take back: a sign-up is meant."""
_MESSAGE_END = re.compile(r"[啊呀啦喇嘞咯吧。，,!！]+$")


_SOUND_GUESSED = ("activity.book", "booking.cancel", "reminder.cancel", "service.book")
"""Requests whose words are guessed by their sound too (抱名 → 报名): a misheard action word is asked
about. Not everyday words' look-alikes: 几分 sounds like 积分, 几好 like 几号."""
_THAT_ONE = re.compile(r"(?:嗰|那)(?:个|场|次|堂)(?:啊|呀|啦|喇|吧)?[？?。]?$")
_WHAT_ABOUT = re.compile(r"(?:呢|嘞|咧)[？?。]?$")


def _same_request(before: Ask, after: Ask) -> bool:
    """The read-back after a correction asks about the very same thing as before it."""
    before = before.inner if before.kind is RESUME and before.inner else before
    def plain(slots: Dict[str, Any]) -> Dict[str, Any]:
        return {k: v for k, v in slots.items() if k not in ("corrected", "confirmed")}
    return before.intent is after.intent and plain(before.slots) == plain(after.slots)


def _new_message(heard: str) -> str:
    """The message a correction says instead ('唔系公园 系去咗街市' → '去咗街市'), as heard; '' if none."""
    text = re.sub(r"\s+", "", heard)
    swapped = _SWAP.match(text)
    rest = swapped.group(2) if swapped else _CORRECTION_WORDS.sub("", text)
    if rest == text:
        return ""  # no correction word: not a new message
    rest = _MESSAGE_END.sub("", rest)
    return rest if len(rest) >= 2 else ""


def _names_when(text: str) -> bool:
    """Whether a fragment says a day, a part of day or a clock time ('八点', '听日朝早')."""
    return spoken_clock(text) is not None or names_day(text) or spoken_part(text) is not None


def _question_of(text: str) -> str:
    """The last sentence of an answer (the question it ends with)."""
    parts = [p for p in re.split(r"(?<=[。！])", text) if p.strip()]
    return parts[-1] if parts else text


def _distinct(item: Item, others: Sequence[Item]) -> List[str]:
    """Pieces of item.words no other item shares (降压药 vs 降糖药 → 降压, 压药, 压)."""
    rest = "".join(o.words for o in others if o is not item)
    grams = [item.words[i:i + 2] for i in range(len(item.words) - 1)]
    pieces = [g for g in grams if g not in rest]
    if not pieces:
        pieces = [c for c in item.words if c not in rest and c not in "的了吃去"]
    return pieces


class Dialog:
    """State of the conversation; called only from the dialog thread (no locks here)."""

    def __init__(self, store: Store, clock: Clock, settings: Settings,
                 catalog: Callable[[], Catalog], parser: Optional[Parser] = None,
                 link: Optional[Link] = None) -> None:
        self._store = store
        self._clock = clock
        self._settings = settings
        self._catalog = catalog
        self._parser = parser or _default_parser()
        self.link = link or Link()
        """The server connection as the replies need it (the runtime; tests put a fake here)."""
        self._open: Optional[_Open] = None
        self._heard = ""
        """The last utterance as the recogniser wrote it (唔该 is folded to 谢谢 by the parser)."""
        self._aside: Optional[_SetAside] = None
        """A question set aside by another request or a ringing reminder, offered again afterwards."""
        self._context = _Context()
        self._alert: Optional[_Alert] = None
        self._last_text = ""
        self._asked: Optional[Tuple[Parse, float]] = None
        """The last question about activities and when: '后日呢' asks it again for another day."""
        self._spoken_of: Optional[Tuple[str, float]] = None
        """The title of the activity last asked about or read back, and when ('下个礼拜日嗰场呢')."""
        self._voice = (int(store.get_setting("voice.rate", settings.voice.rate)),
                       float(store.get_setting("voice.volume", settings.voice.volume)))
        """(rate, volume) as persisted; cached so a reply costs no store read."""
        self.last_parse: Optional[Parse] = None
        """The parse of the latest utterance (what chat --jsonl prints)."""
        self.heard_at: Optional[float] = None
        """clock.monotonic() of the senior's latest utterance (they are at home, near the speaker)."""
        self.said_at: Optional[float] = None
        """clock.monotonic() of the speaker's latest reply."""

    # ------------------------------------------------------------------ replies
    def reply(self, text: str, expects_answer: bool = False, urgent: bool = False,
              stop_speaking: bool = False, remember: bool = True) -> Reply:
        """A Reply with the persisted voice settings; remembered for '再说一遍' unless remember=False
        (apologies and voice changes are not what '你刚才说什么' wants to hear)."""
        if remember and text:
            self._last_text = text
        if text:
            self.said_at = self._clock.monotonic()
        return Reply(text=text, expects_answer=expects_answer, urgent=urgent, stop_speaking=stop_speaking,
                     voice_rate=self._voice[0], voice_volume=self._voice[1])

    def ask(self, question: Optional[Ask], text: str = "") -> None:
        """Leave a question open (None clears it)."""
        if question is None:
            self._open = None
            return
        self._open = _Open(question, _question_of(text), self._clock.monotonic() + PENDING_SECONDS)

    @property
    def pending(self) -> Optional[Ask]:
        """The open question, expired or not (for tests and logs)."""
        return self._open.ask if self._open is not None else None

    def _from_answer(self, answer: Answer) -> Reply:
        if answer.listed:
            self._context = _Context(answer.listed, self._clock.monotonic())
        self.ask(answer.ask, answer.text)
        return self.reply(answer.text, expects_answer=answer.ask is not None, urgent=answer.urgent)

    def _expired(self, question: _Open) -> bool:
        return self._clock.monotonic() > question.expires

    # ------------------------------------------------------------------ utterances
    def hear(self, text: str, alternatives: Sequence[str] = ()) -> List[Reply]:
        """Parse one utterance (falling back to the recogniser's alternatives) and answer it."""
        text = text.strip()
        if not text:
            return []
        if SELF_CHECK.search(re.sub(r"\s+", "", text)):
            return [self.reply(self._self_check())]
        now, catalog = self._clock.now(), self._catalog()
        self._heard = text
        self.heard_at = self._clock.monotonic()
        parse = self._parser(text, now, catalog)
        question = self._open
        if question is not None and question.ask.kind is SLOT and not self._expired(question):
            # '九点啦' after '几点提醒您吃药？': the fragment read as the answer to the question asked
            ask = question.ask
            words = (("content", str(ask.slots.get("content") or "")), ("to", str(ask.slots.get("to") or "")),
                     ("service", name("service.names", str(ask.slots.get("service") or ""))))
            answered = read_answer(text, parse, f"{ask.intent.value}/{ask.slot}", now, catalog, self._parser,
                                   {k: v for k, v in words if v})
            parse = answered if answered is not None else parse
        if parse.intent is IntentId.UNKNOWN and self._open is None:
            # An open question takes the best text as a free answer ('吃药'); otherwise a
            # recogniser alternative that means something beats a best guess that does not.
            for other in alternatives:
                candidate = self._parser(other, now, catalog)
                if candidate.intent is not IntentId.UNKNOWN:
                    parse = candidate
                    break
        if parse.intent not in (IntentId.UNKNOWN, IntentId.EMERGENCY_HELP) \
                and parse.confidence < self._settings.dialog.min_confidence:
            self.last_parse = parse
            return self._overdue() + [self._unsure(parse)]
        return self.handle(parse)

    def _self_check(self) -> str:
        """Run the doctor's checks (microphone, speaker, model, voice, store, server, …) and sum up."""
        from .doctor import run_checks, summary_text

        return summary_text(run_checks(self._settings))

    def handle(self, parse: Parse) -> List[Reply]:
        """Answer one parse, taking the open question (expired or not) into account."""
        self.last_parse = parse
        replies = self._overdue()
        intent = parse.intent
        if intent is IntentId.UNKNOWN and parse.text.strip("。！!，, ") in ACK_WORDS:
            intent = IntentId.DIALOG_YES
        if intent in _FIX_TIME:
            fixed = settle_request(parse.slots, parse.text, self._clock.now().date(), intent in _FILL_DAY)
            if fixed != parse.slots:
                parse = replace(parse, slots=fixed)
        if intent is IntentId.EMERGENCY_HELP:
            return replies + [self._danger(parse)]
        if intent is IntentId.EMERGENCY_CANCEL and self._nothing_to_take_back() \
                and _CANCEL_IT.search(parse.text):
            # 我记错咗，听日要饮喜酒，取消返佢: no call for help to take back, so a sign-up to cancel
            intent, parse = IntentId.BOOKING_CANCEL, replace(parse, intent=IntentId.BOOKING_CANCEL, slots={})
        if intent is IntentId.DIALOG_CORRECT and _OK_NOW.search(parse.text) \
                and not self._nothing_to_take_back():
            intent = IntentId.EMERGENCY_CANCEL  # 唔系煤气 系个煲烧焦咗 冇事喇: the alert taken back
        if intent is IntentId.EMERGENCY_CANCEL and self._nothing_to_take_back() and self._open is not None \
                and self._open.ask.kind in (CONFIRM, RESUME):
            # 唔好意思 我讲错…: no call for help to take back; what was read back is what was wrong
            intent, parse = IntentId.DIALOG_CORRECT, replace(parse, intent=IntentId.DIALOG_CORRECT, slots={})
        if intent is IntentId.EMERGENCY_CANCEL:
            return replies + [self._take_back(parse)]
        reply = self._converse(parse, intent)
        return replies + [self._then_offer(reply)]

    def tick(self) -> List[Reply]:
        """Called as the clock moves: a help question unanswered for 20 s raises the alert."""
        return self._overdue()

    def _overdue(self) -> List[Reply]:
        question = self._open
        if question is None or not self._expired(question):
            return []
        if question.ask.kind is HELP:
            self._open = None
            text = str(question.ask.slots.get("text") or "")
            return [self._raise(text, "check", phrase("emergency.no_answer"))]
        if question.ask.kind is POLL:  # no answer came: asked once, never again
            self._open = None
            self._store.answer_poll(str(question.ask.slots["poll_id"]), None, "", self._clock.now())
            return []
        late = self._clock.monotonic() - question.expires
        if late > NOTICE_SECONDS or (question.offered and question.ask.kind in _OFFERED_AGAIN):
            _LOGGER.info("open %s question dropped", question.ask.kind.value)
            self._open = None
        return []

    def _converse(self, parse: Parse, intent: IntentId) -> Reply:
        question = self._open
        if intent is IntentId.REMINDER_ACK:
            # '吃过了' acknowledges the reminder that is ringing; with none ringing it answers an
            # open yes/no question as yes.
            if self._ringing():
                return self._acknowledge()
            if question is not None and question.ask.kind in (CONFIRM, RESUME, SUGGEST, MORE):
                intent = IntentId.DIALOG_YES
        if question is not None and question.ask.kind is CONFIRM and (
                (intent is IntentId.DIALOG_THANKS and _PLEASE.search(self._heard))
                or (intent is question.ask.intent and not parse.slots)):
            # '唔该' to a read-back is "yes, please" (Cantonese), not thanks for something done; '好，报啦'
            # / '系，帮我报' repeats the request itself without anything new: both confirm it.
            intent = IntentId.DIALOG_YES
        if question is not None and question.ask.kind in (CONFIRM, RESUME) \
                and intent is not IntentId.DIALOG_CORRECT \
                and (_DECLINED_FIRST.match(parse.text) or _DECLINED_FIRST.match(self._heard.strip())):
            instead = self._instead(question)
            if instead is not None:
                return instead
            intent = IntentId.DIALOG_NO  # 算啦，唔使喇，个女话佢会买返嚟: a no, whatever follows it
        if question is not None and intent in _KEEP_QUESTION:
            return _CONTROL[intent](self)
        if question is not None:
            expired = self._expired(question)
            reply = self._answer(question, parse, intent, expired)
            if reply is not None:
                return reply
            self._open = None  # not an answer: a new request in the middle
            parse = self._company_to(question, parse, intent)
            reply = self._fresh(parse, intent)
            return self._set_aside(question, reply, intent)
        return self._fresh(parse, intent)

    # ------------------------------------------------------------------ answering the open question
    def _about_the_sign_up(self, question: _Open, parse: Parse) -> Optional[Reply]:
        """'几点开始㗎' / '喺边度上课㗎' about the sign-up read back: when or where it is, and the question
        again (nothing is booked until the senior says yes to it)."""
        act = self._store.activity(str(question.ask.slots["activity_id"]))
        if act is None:
            return None
        if _WHEN_ASKED.search(parse.text):
            when = say.moment(act.start, self._clock.now())
            return self._again(question, phrase("activity.when", title=act.title, when=when) + question.text)
        if act.place:
            return self._again(question, phrase("activity.where", title=act.title, place=act.place)
                               + question.text)
        return None

    def _answer(self, question: _Open, parse: Parse, intent: IntentId, expired: bool) -> Optional[Reply]:
        """A reply if the utterance answers the open question; None to treat it as a new request."""
        ask = question.ask
        if ask.kind in _BY_KIND:  # 您是不是需要人帮忙？ / a voice poll
            return _BY_KIND[ask.kind](self, question, intent)
        if intent is IntentId.DIALOG_WAIT:
            return self._wait()
        intent, parse = _words_corrected(ask, parse, intent)
        refused = intent is IntentId.UNKNOWN and ask.kind in (CONFIRM, RESUME) and _REFUSED.match(parse.text)
        if intent is IntentId.DIALOG_CORRECT or refused \
                or (question.correcting and intent is IntentId.UNKNOWN):
            # '唔系煤气 系锁门…' not understood: still a refusal of what was read back — never leave it
            # confirmable by the next 好; read the change back, or ask what to change.
            reply = self._correct(question, parse)
            if reply.text.endswith(question.text) and self._open is not None \
                    and self._open.ask.kind is CONFIRM and _same_request(question.ask, self._open.ask):
                # the change was not understood and the same words were read back: a yes now would do
                # what the senior has just refused — ask what to change instead
                question.correcting = True
                return self._again(question, phrase("dialog.correct_what"))
            return reply
        if question.correcting and intent in (IntentId.DIALOG_YES, IntentId.REMINDER_ACK):
            return self._again(question, phrase("dialog.correct_what"))  # '对' to '您想改成什么？'

        if ask.kind is CHOOSE:
            return self._choose(question, parse, intent)
        if ask.kind is CONFIRM and ask.intent is IntentId.ACTIVITY_BOOK \
                and intent is IntentId.ACTIVITY_QUERY and not parse.slots and ask.slots.get("activity_id"):
            told = self._about_the_sign_up(question, parse)
            if told is not None:
                return told
        if intent is IntentId.DIALOG_NO and ask.kind in (CONFIRM, RESUME) \
                and parse.text.strip("。！!，, 啊呀") in _WRONG:
            # '不对' to a read-back: something in it is wrong, not "don't do it" — ask what.
            question.correcting = True
            return self._again(question, phrase("dialog.correct_what"))
        if ask.kind in (CONFIRM, RESUME, SUGGEST, MORE) and intent is IntentId.BOOKING_CANCEL \
                and not parse.slots and ordinal(parse.text) is None:
            # '取消' answering '要给您报名吗？' means no, not "cancel what?"; '我不去了' answering
            # '您要取消……对吗？' means yes.
            cancelling = ask.kind is CONFIRM and ask.intent is IntentId.BOOKING_CANCEL
            intent = IntentId.DIALOG_YES if cancelling else IntentId.DIALOG_NO
        if intent is IntentId.DIALOG_NO:
            self._open = None
            declined = {MORE: "dialog.more_declined", SUGGEST: "dialog.suggest_declined"}
            return self.reply(phrase(declined.get(ask.kind, "dialog.declined")))
        if ask.kind in (CONFIRM, RESUME, SUGGEST, MORE):
            return self._answer_yes_no(question, parse, intent, expired)
        # SLOT: a follow-up for a missing piece
        if intent is IntentId.DIALOG_YES:
            return self._again(question, phrase("dialog.again") + question.text)
        reply = self._fill_slot(ask, parse, intent)
        if reply is None and intent is IntentId.UNKNOWN and not expired:
            return self._again(question, phrase("dialog.again") + question.text)
        return reply

    # ------------------------------------------------------------------ voice polls (活动调查)
    def ask_poll(self, poll_id: str, question: str, options: Sequence[str]) -> Reply:
        """'社区想问问您：下个月秋游想去哪里？一，白云山；二，越秀公园。您选哪一个？' — kept as asked
        before it is said, so that no answer, a restart or another request never brings it again."""
        self._store.mark_poll_asked(poll_id)
        listed = "；".join(phrase("poll.option", number=say.number(i + 1), option=o)
                          for i, o in enumerate(options))
        text = phrase("poll.ask", question=question.rstrip("。"), options=listed)
        slots = {"poll_id": poll_id, "options": list(options), "listed": listed}
        ask = Ask(POLL, IntentId.POLL_ANSWER, slots)
        self._open = _Open(ask, text, self._clock.monotonic() + PENDING_SECONDS)
        return self.reply(text, expects_answer=True)

    def _answer_poll(self, question: _Open, intent: IntentId) -> Optional[Reply]:
        """An option, its number, 都可以 or 唔知 is recorded (and said back); a muddle is asked about once
        more; another request is served and the poll left unanswered."""
        ask = question.ask
        if intent is IntentId.DIALOG_WAIT:
            return self._wait()
        poll_id, options = str(ask.slots["poll_id"]), [str(o) for o in ask.slots["options"]]
        choice = read_choice(self._heard, options)
        if choice is None and intent is IntentId.DIALOG_NO:
            choice = NO_OPTION  # 唔要 / 算啦
        now = self._clock.now()
        if choice is not None:
            self._open = None
            self._store.answer_poll(poll_id, choice, self._heard, now)
            if choice == ANY_OPTION:
                return self.reply(phrase("poll.any"))
            if choice == NO_OPTION:
                return self.reply(phrase("poll.none"))
            return self.reply(phrase("poll.chosen", option=options[int(choice) - 1]))
        if intent in (IntentId.UNKNOWN, IntentId.DIALOG_YES, IntentId.POLL_ANSWER, IntentId.REMINDER_ACK):
            if not question.correcting:
                question.correcting = True  # asked again once
                return self._again(question, phrase("poll.again", options=ask.slots.get("listed", "")))
            self._open = None
            self._store.answer_poll(poll_id, None, self._heard, now)
            return self.reply(phrase("poll.skipped"))
        self._store.answer_poll(poll_id, None, self._heard, now)  # another request: served instead
        return None

    def _instead(self, question: _Open) -> Optional[Reply]:
        """唔要 我想报听朝个太极 to a read-back: no to it, and a new request of the same kind after the no —
        declined, and the new one served (read back in its turn)."""
        heard = self._heard.strip()
        declined = _DECLINED_FIRST.match(heard)
        rest = heard[declined.end():].strip(" ，,。") if declined else ""
        rest = _REFUSED_AGAIN.sub("", rest)  # 算啦 唔剪喇 我想约…: the no said twice
        if len(rest) < 4 or question.ask.intent not in _BOOKED_AGAIN or not _WANT_INSTEAD.match(rest):
            return None  # 算啦 等佢打电话返嚟我自己同佢讲: a reason, not a new request
        later = self._parser(rest, self._clock.now(), self._catalog())
        if later.intent is not question.ask.intent or not later.slots:
            return None
        self._open = None
        return self._join(self.reply(phrase("dialog.declined")), self._fresh(later, later.intent))

    def _answer_yes_no(self, question: _Open, parse: Parse, intent: IntentId,
                       expired: bool) -> Optional[Reply]:
        ask = question.ask
        if intent is IntentId.DIALOG_YES:
            self._open = None
            if expired and ask.kind in (CONFIRM, RESUME):
                return self._offer(question)  # never act on a yes to a question that expired
            return self._proceed(ask, parse)
        if intent is IntentId.UNKNOWN and ask.kind is CONFIRM and _names_when(parse.text) \
                and not _QUESTION.search(parse.text):
            return self._correct(question, parse)  # '八点' after '…明天上午的用车，对吗？'
        leftover = _ORDINAL.sub("", parse.text).strip("的嘅啊呀吧咯。，, ")
        bare_position = ordinal(parse.text) is not None and not leftover
        if (intent is IntentId.UNKNOWN or bare_position) and ask.kind in (CONFIRM, RESUME) and not expired:
            return self._again(question, phrase("dialog.again_yesno"))  # '第一个' to a yes/no question
        return None

    def _again(self, question: _Open, text: str) -> Reply:
        """Did not catch the answer: say so and ask again, the question still open (another 30 s)."""
        question.expires = max(question.expires, self._clock.monotonic() + PENDING_SECONDS)
        self._open = question
        return self.reply(text, expects_answer=True, remember=False)

    def _proceed(self, ask: Ask, parse: Parse) -> Reply:
        if ask.kind is CONFIRM:
            return self._run(ask.intent, Parse(parse.text, ask.intent, dict(ask.slots, confirmed=True), 1.0))
        if ask.kind is RESUME and ask.inner is not None:
            slots = {k: v for k, v in ask.inner.slots.items() if k != "confirmed"}
            return self._run(ask.inner.intent, Parse(parse.text, ask.inner.intent, slots, 1.0))
        return self._run(ask.intent, Parse(parse.text, ask.intent, dict(ask.slots), 1.0))

    def _fill_slot(self, pending: Ask, parse: Parse, intent: IntentId) -> Optional[Reply]:
        filled = {k: v for k, v in parse.slots.items() if v not in (None, "", [])}
        if pending.slot == "anchor" and meal_of(parse.text):  # '晚饭' answering '是哪顿饭？'
            filled = {"anchor": meal_of(parse.text)}
        if pending.slot == "content" and intent is pending.intent and parse.slots.get("content"):
            # '咁帮我留言俾阿仔 叫佢返嚟食晚饭' answering '您想跟儿子说什么？': the request said again
            # whole — its content, not every word of it
            filled = {k: v for k, v in parse.slots.items() if v not in (None, "", [])}
        elif pending.slot == "content" and intent not in _NEW_REQUESTS and not _QUESTION.search(parse.text):
            # '给孙子打电话' / '去体检' answering '要提醒您什么？' is what to be reminded of, whatever
            # intent the words alone would have; a question ('现在几点') is a new request.
            filled = {"content": parse.text.strip("。！!，, ")}
            carried = self._carrier_slots(pending, parse.text)
            if carried.get("content") and set(carried) - {"content"}:
                filled = carried  # '听日朝早九点去社康打针': its time too, and the content without it
        if intent not in (IntentId.UNKNOWN, pending.intent) and pending.slot not in filled:
            # '太极拳' (parsed as a query naming activity_id) answers '您想报名哪个活动？';
            # '明天下午有什么活动' does not: it is a new question.
            return None
        keys = _SLOT_KEYS.get(pending.slot or "", (pending.slot,))
        if not any(k in filled for k in keys):
            filled.update(self._carrier_slots(pending, parse.text))
        if not any(k in filled for k in keys) and pending.slot == "time" and spoken_clock(parse.text):
            filled["time"] = "{:02d}:{:02d}".format(*spoken_clock(parse.text))  # type: ignore[str-format]
        if not any(k in filled for k in keys):
            if pending.slot != "content":
                return None
            filled["content"] = parse.text.strip("。！!，, ")
        if pending.slot in ("time", "date"):
            slots = settle_answer(dict(pending.slots), filled, parse.text, self._clock.now().date())
        else:
            slots = dict(pending.slots)
            slots.update(filled)
        self._open = None
        return self._run(pending.intent, Parse(parse.text, pending.intent, slots, parse.confidence))

    def _carrier_slots(self, pending: Ask, answer: str, slot: Optional[str] = None) -> Dict[str, Any]:
        """Slots of a fragment answer, parsed inside its question's carrier sentence."""
        template = carrier(f"{pending.intent.value}/{slot or pending.slot}")
        if template is None:
            return {}
        service = name("service.names", str(pending.slots.get("service") or ""))
        answer = re.sub(r"(?:的|那个|嗰个|那场|嗰场|嘅|那次)+$", "", answer.strip("。！!，, ")) or answer
        text = template.format(answer=answer, service=service, to=pending.slots.get("to") or "女儿",
                               content=pending.slots.get("content") or "做事")
        parse = self._parser(text, self._clock.now(), self._catalog())
        if parse.intent is not pending.intent:
            return {}
        return {k: v for k, v in parse.slots.items() if v not in (None, "", [])}

    # ------------------------------------------------------------------ 您是说…还是…？
    def _choose(self, question: _Open, parse: Parse, intent: IntentId) -> Optional[Reply]:
        ask = question.ask
        if intent is IntentId.DIALOG_NO:
            self._open = None
            return self.reply(phrase("dialog.declined"))
        picked = self._pick(ask.options, parse, ask)
        if picked is None:
            answers = (IntentId.UNKNOWN, IntentId.DIALOG_YES, IntentId.REMINDER_ACK, ask.intent)
            if intent in answers or ordinal(parse.text) is not None:
                return self._again(question, phrase("dialog.again") + question.text)
            return None
        self._open = None
        return self._run(ask.intent, Parse(parse.text, ask.intent, {str(ask.slot): picked.id}, 1.0))

    def _pick(self, options: Sequence[Item], parse: Parse, ask: Ask) -> Optional[Item]:
        """The one option the answer names: by position, title/content, day, time or part of day."""
        position = ordinal(parse.text)
        if position is not None:
            return options[position] if -len(options) <= position < len(options) else None
        slots = {k: v for k, v in parse.slots.items() if v not in (None, "", [])}
        if not any(k in slots for k in ("date", "time", "part_of_day", "activity_id")):
            slots.update(self._carrier_slots(ask, parse.text, "correct"))
        text = parse.text
        slots = settle_request(slots, text, self._clock.now().date())  # '晚上那个', '听日嗰个'

        found = list(options)
        constrained = False
        by_words = [o for o in found if any(piece in text for piece in _distinct(o, options))]
        if by_words:
            found, constrained = by_words, True
        if slots.get("activity_id"):
            act = self._store.activity(str(slots["activity_id"]))
            same = [o for o in found if act is not None and o.words == act.title]
            if same and len({o.words for o in found}) > 1:
                found, constrained = same, True
        if slots.get("date") and names_day(text):
            found, constrained = [o for o in found if o.date == slots["date"]], True
        clock = spoken_clock(text)
        if clock is not None:
            hour, minute = clock
            found = [o for o in found if o.time and int(o.time[:2]) % 12 == hour % 12
                     and int(o.time[3:]) == minute]
            if len(found) > 1 and slots.get("part_of_day"):  # 夜晚八点嗰个: 20:00, not 08:00
                found = [o for o in found if in_part_of_day(
                    datetime.strptime(str(o.time), "%H:%M"), slots["part_of_day"])]
            constrained = True
        elif slots.get("part_of_day"):
            found = [o for o in found if o.time and in_part_of_day(
                datetime.strptime(o.time, "%H:%M"), slots["part_of_day"])]
            constrained = True
        return found[0] if constrained and len(found) == 1 else None

    # ------------------------------------------------------------------ corrections and holding on
    def _correct(self, question: _Open, parse: Parse) -> Reply:
        """'不对，是后天' / '唔系，我话朝早八点': change the open question's slots, read back again."""
        ask = question.ask.inner if question.ask.kind is RESUME and question.ask.inner else question.ask
        fragment = _CORRECTION_WORDS.sub("", parse.text)
        if ask.kind is CHOOSE:
            reply = self._choose(question, replace(parse, text=fragment), IntentId.UNKNOWN)
            if reply is None:
                reply = self._again(question, phrase("dialog.again") + question.text)
            return reply
        if ask.kind in (MORE, SUGGEST):
            self._open = None
            return self._reparse(fragment)
        said_again = self._words_again(ask, parse)
        if said_again is not None:
            return said_again
        found = {k: v for k, v in parse.slots.items() if v not in (None, "", [])}
        if not found:
            found = self._fragment_slots(ask, fragment)
        if not found:
            question.correcting = True
            return self._again(question, phrase("dialog.correct_what"))
        self._open = None
        today = self._clock.now().date()
        intent = ask.intent
        if intent is IntentId.ACTIVITY_BOOK and ask.slots.get("activity_id") and not (
                found.get("activity_id") or found.get("category")):
            act = self._store.activity(str(ask.slots["activity_id"]))
            base: Dict[str, Any] = {"date": act.start.date().isoformat()} if act else {}
            slots = dict(settle_answer(base, found, fragment, today), corrected=names_day(fragment))
            other = self._other_at(act, slots) if act else None
            if other is not None:
                # '唔系 我话九点嗰个' to 8:00 太极拳: no 太极拳 at nine, the one activity at nine that day
                slots = dict(slots, activity_id=other.id, date=other.start.date().isoformat())
                return self._run(intent, Parse(other.title, intent, slots, 1.0))
            return self._run(intent, Parse(act.title if act else fragment, intent, slots, 1.0))
        if intent is IntentId.BOOKING_CANCEL and ask.slots.get("booking_id"):
            booking = self._store.booking(str(ask.slots["booking_id"]))
            act = self._store.activity(booking.activity_id) if booking else None
            # 唔系 我讲错咗 系听日个合唱团: another activity named — the one read back is not kept
            named = found.get("activity_id") or found.get("category")
            base = {"title": act.title} if act and not named else {}
            slots = dict(settle_answer(base, found, fragment, today), corrected=names_day(fragment))
            return self._run(intent, Parse(fragment, intent, slots, 1.0))
        if intent is IntentId.REMINDER_CANCEL:
            return self._run(intent, Parse(fragment, intent, found, 1.0))
        pending = {k: v for k, v in ask.slots.items() if k not in ("confirmed", "activity_id", "booking_id")}
        # A day corrected is read back with its date: '后天3月14号'.
        slots = dict(settle_answer(pending, found, fragment, today), corrected=names_day(fragment))
        return self._run(intent, Parse(fragment, intent, slots, 1.0))

    def _words_again(self, ask: Ask, parse: Parse) -> Optional[Reply]:
        """A correction that says the request's words again: who a message or a reminder is for, the
        message itself, the skill offered; read back again (None: not such a correction)."""
        if ask.intent is IntentId.MESSAGE_SEND and set(parse.slots) == {"to"}:
            # '不对，是给我儿子留': the same words, to someone else — read back again
            self._open = None
            slots = {k: v for k, v in ask.slots.items() if k != "confirmed"}
            slots["to"] = parse.slots["to"]
            return self._run(ask.intent, Parse(parse.text, ask.intent, slots, 1.0))
        if ask.intent is IntentId.REMINDER_CREATE and set(parse.slots) == {"to"} and ask.slots.get("content"):
            # '唔系个仔 系个女' to 打电话给儿子: the family member inside the reminder's words changes
            content = _FAMILY_IN.sub(str(parse.slots["to"]), str(ask.slots["content"]), count=1)
            if content != ask.slots["content"]:
                self._open = None
                slots = {k: v for k, v in ask.slots.items() if k != "confirmed"}
                return self._run(ask.intent, Parse(content, ask.intent, dict(slots, content=content), 1.0))
        if ask.intent is IntentId.MESSAGE_SEND:
            content = _new_message(self._heard)
            if content:
                # '唔系 我话叫佢今晚买啲苹果返嚟': the message itself said again, as heard — read back
                self._open = None
                slots = {k: v for k, v in ask.slots.items() if k != "confirmed"}
                return self._run(ask.intent, Parse(content, ask.intent, dict(slots, content=content), 1.0))
        if ask.intent is IntentId.SKILL_OFFER and corrected_skill(self._heard):
            # '唔系交谊舞 系民族舞啊': another skill — read back again
            self._open = None
            slots = dict(ask.slots, skill=corrected_skill(self._heard))
            return self._run(ask.intent, Parse(self._heard, ask.intent, {k: v for k, v in slots.items()
                                                                          if k != "confirmed"}, 1.0))
        return None

    def _other_at(self, act: Activity, slots: Dict[str, Any]) -> Optional[Activity]:
        """The one other activity at the corrected clock time on the corrected day, when the title read
        back has no session then (hours compared on the 12-hour dial: 九点 said for nine in the morning)."""
        when = str(slots.get("time") or "")
        if ":" not in when:
            return None
        hour, minute = (int(x) for x in when.split(":"))
        day = date.fromisoformat(str(slots.get("date") or act.start.date().isoformat()))
        start = datetime.combine(day, datetime.min.time())
        same_day = self._store.activities(start, start + timedelta(days=1))
        at = [a for a in same_day if a.start.hour % 12 == hour % 12 and a.start.minute == minute]
        if any(a.title == act.title for a in at):
            return None
        return at[0] if len(at) == 1 else None

    def _fragment_slots(self, ask: Ask, fragment: str) -> Dict[str, Any]:
        """Slots of a correction's value ('后天', '朝早八点', '降糖药') for the question's intent."""
        if not fragment:
            return {}
        parse = self._parser(fragment, self._clock.now(), self._catalog())
        found = {k: v for k, v in parse.slots.items() if v not in (None, "", [])}
        if found and parse.intent in (ask.intent, IntentId.UNKNOWN, IntentId.ACTIVITY_QUERY):
            return found
        found = self._carrier_slots(ask, fragment, "correct")
        if not found and ask.intent is IntentId.REMINDER_CREATE and not names_day(fragment) \
                and spoken_clock(fragment) is None:
            found = {"content": fragment}  # '不对，是吃降糖药'
        return found

    def _reparse(self, text: str) -> Reply:
        parse = self._parser(text, self._clock.now(), self._catalog())
        if parse.intent in (IntentId.UNKNOWN, IntentId.DIALOG_CORRECT):
            return self.reply(phrase("dialog.nothing_to_correct"))
        self.last_parse = parse
        return self._fresh(parse, parse.intent)

    def _wait(self) -> Reply:
        """'等一下': hold the open question (a longer expiry)."""
        if self._open is not None and self._open.ask.kind is not HELP:
            self._open.expires = max(self._open.expires, self._clock.monotonic() + WAIT_SECONDS)
        return self.reply(phrase("dialog.wait"), remember=False)

    # ------------------------------------------------------------------ offering a question again
    def _company_to(self, question: _Open, parse: Parse, intent: IntentId) -> Parse:
        """'有冇人陪我去啊' while a sign-up is read back: a volunteer to go with the senior to that
        activity (陪我去茶话会), not to somewhere unsaid."""
        content = str(parse.slots.get("content") or "")
        bare = content.rstrip("啊呀吧下") in ("陪我去", "陪我")
        signing_up = question.ask.intent is IntentId.ACTIVITY_BOOK and question.ask.slots.get("activity_id")
        if intent is not IntentId.HELP_REQUEST or not bare or not signing_up:
            return parse
        act = self._store.activity(str(question.ask.slots["activity_id"]))
        if act is None:
            return parse
        slots = dict(parse.slots, content="陪我去" + act.title)
        slots.setdefault("date", act.start.date().isoformat())
        slots.setdefault("time", act.start.strftime("%H:%M"))
        return replace(parse, slots=slots)

    def _set_aside(self, question: _Open, reply: Reply, intent: Optional[IntentId] = None) -> Reply:
        """A new request came in the middle of question: once it is served, offer question again —
        unless it was a request of the same kind, which takes its place ('下一场象棋…要报名吗？' →
        '咁礼拜六嘅象棋帮我报')."""
        if question.ask.kind not in _OFFERED_AGAIN or question.offered or intent is question.ask.intent:
            return reply
        if reply.stop_speaking or reply.urgent:
            return reply
        interrupted = not self._expired(question)
        if self._open is None:
            return self._join(reply, self._offer(question, interrupted))
        self._aside = _SetAside(question, self._clock.monotonic(), interrupted)
        return reply

    def _then_offer(self, reply: Reply) -> Reply:
        """After a question is done with: offer the one set aside earlier, if still recent."""
        aside = self._aside
        if aside is None or self._open is not None or reply.urgent or reply.stop_speaking:
            return reply
        self._aside = None
        if self._clock.monotonic() - aside.at > NOTICE_SECONDS:
            return reply
        return self._join(reply, self._offer(aside.question, aside.interrupted))

    def _offer(self, question: _Open, interrupted: bool = False) -> Reply:
        """'刚才的报名还没办好，要现在报名吗？' — yes re-runs the skill, which reads back again. A read-back
        that was only interrupted (still open when another request came) is asked again as it was:
        the senior heard it a moment ago, and a yes to it confirms it."""
        if question.ask.kind is CONFIRM and not question.offered:
            lead = name("resume_lead", question.ask.intent.value)
            text = phrase("dialog.back_to", question=question.text) if interrupted else \
                f"{lead}{question.text}" if lead != question.ask.intent.value else ""
        else:
            text = ""
        if text:
            self._open = _Open(question.ask, question.text, self._clock.monotonic() + PENDING_SECONDS,
                               offered=True)
            return self.reply(text, expects_answer=True)
        inner = question.ask.inner if question.ask.kind is RESUME and question.ask.inner else question.ask
        text = name("resume", inner.intent.value)
        if text == inner.intent.value:  # no wording for it: just drop it
            return self.reply("", remember=False)
        resume = Ask(RESUME, inner.intent, dict(inner.slots), inner=inner)
        self._open = _Open(resume, text, self._clock.monotonic() + PENDING_SECONDS, offered=True)
        return self.reply(text, expects_answer=True)

    def _join(self, first: Reply, second: Reply) -> Reply:
        if not second.text:
            return first
        text = first.text + second.text
        self._last_text = text
        return replace(first, text=text, expects_answer=second.expects_answer)

    # ------------------------------------------------------------------ new requests
    def _fresh(self, parse: Parse, intent: IntentId) -> Reply:
        handler = _CONTROL.get(intent)
        if handler is not None:
            return handler(self)
        if intent in (IntentId.UNKNOWN, IntentId.DIALOG_NO) and _DROP.search(parse.text) \
                and ordinal(parse.text) is not None:
            intent = IntentId.BOOKING_CANCEL  # '第二个唔要' after a list: cancel that item
        parse, intent = self._reminder_meant(parse, intent)
        if intent in (IntentId.UNKNOWN, IntentId.DIALOG_NO) and _DROP.search(parse.text):
            at = self._reminder_at(parse.text)  # '下昼四点嗰个唔要啦' right after the reminders were listed
            if at is not None:
                return self._run(IntentId.REMINDER_CANCEL,
                                 Parse(parse.text, IntentId.REMINDER_CANCEL, {"reminder_id": at}, 1.0))
        if intent in (IntentId.BOOKING_CANCEL, IntentId.REMINDER_CANCEL, IntentId.ACTIVITY_BOOK):
            picked = self._by_position(parse, intent)
            if picked is not None:
                return picked
        if intent is IntentId.UNKNOWN and ordinal(parse.text) is not None \
                and not _ORDINAL.sub("", parse.text).strip("的嘅个啊呀吧咯啦喇嘞囉罗哦。，, ") \
                and any(item.kind == "activity" for item in self._recent_list()):
            # A bare '第二个' right after a list of activities: that one, read back as a sign-up (a
            # question, never an action).
            picked = self._by_position(parse, IntentId.ACTIVITY_BOOK)
            if picked is not None:
                return picked
        if intent is IntentId.UNKNOWN and _THAT_ONE.search(parse.text) \
                and any(item.kind == "activity" for item in self._recent_list()):
            # '九点嗰个' / '礼拜六那场' right after a list of activities: the one it fits, read back
            fits = self._fits_list(parse.text)
            if len(fits) == 1:
                slots = {"activity_id": fits[0].id, "date": fits[0].start.date().isoformat()}
                chosen = Parse(parse.text, IntentId.ACTIVITY_BOOK, slots, 1.0)
                return self._run(IntentId.ACTIVITY_BOOK, chosen)
        if intent is IntentId.ACTIVITY_BOOK:
            parse = self._narrow(parse)
        elif intent is IntentId.ACTIVITY_QUERY:
            parse = self._as_listed(parse)
        parse, intent = self._in_context(parse, intent)
        if intent in _TEACHING_READINGS and _TEACHING_ASKED.search(self._heard):
            # '我教嘅班有几多人报名' (技能教学): the sign-up count of each class this elder teaches
            counts = taught_counts(self._store, self._clock)
            return self.reply("".join(counts) if counts else phrase("skill.count_none"))
        if intent in SKILLS:
            return self._run(intent, parse)
        again = self._what_about(parse) if intent is IntentId.UNKNOWN else None
        return again if again is not None else self._not_understood(parse)

    def _in_context(self, parse: Parse, intent: IntentId) -> Tuple[Parse, IntentId]:
        """What the moment adds to a request: the reminder that is ringing, the activity just heard of."""
        if intent is IntentId.REMINDER_CREATE and (_AGAIN.search(parse.text) or _AGAIN.search(self._heard)):
            ringing = self._store.occurrences(statuses=(OccurrenceStatus.FIRED,))
            reminder = self._store.reminder(ringing[-1].reminder_id) if ringing else None
            if reminder is not None:
                # '十分钟之后再提我啦' while 量血压 rings: that reminder again, later (read back first).
                return replace(parse, slots=dict(parse.slots, content=reminder.content)), intent
        if intent in (IntentId.TIME_QUERY, IntentId.ACTIVITY_QUERY, IntentId.UNKNOWN) and not parse.slots \
                and _ABOUT_IT.search(parse.text):
            about = [item for item in self._recent_list() if item.kind in ("activity", "booking")]
            position = ordinal(parse.text)
            if position is not None and len(about) == len(self._recent_list()) \
                    and -len(about) <= position < len(about):
                about = [about[position]]  # '第三个几点开始' right after a list: that one
            if len(about) == 1:
                # '几点开始' / '喺边度' right after hearing about one activity asks about that one,
                # not the clock or every activity.
                activity_id = about[0].id
                if about[0].kind == "booking":
                    booking = self._store.booking(about[0].id)
                    activity_id = booking.activity_id if booking else ""
                act = self._store.activity(activity_id) if activity_id else None
                if act is not None:  # that session, not the next one
                    slots = {"activity_id": act.id, "date": act.start.date().isoformat()}
                    return Parse(parse.text, IntentId.ACTIVITY_QUERY, slots, parse.confidence), \
                        IntentId.ACTIVITY_QUERY
        return parse, intent

    def _recent_list(self) -> Tuple[Item, ...]:
        context = self._context
        if not context.items or self._clock.monotonic() - context.at > NOTICE_SECONDS:
            return ()
        return context.items

    def _by_position(self, parse: Parse, intent: IntentId) -> Optional[Reply]:
        """'第一个取消掉' right after a list: the first item of the list said last, whatever it was."""
        position = ordinal(parse.text)
        items = self._recent_list()
        if position is None or not items:
            return None
        if not -len(items) <= position < len(items):
            return self.reply(phrase("list.no_such", number=position + 1), remember=False)
        item = items[position]
        if intent is IntentId.ACTIVITY_BOOK:
            activity_id = item.id
            if item.kind == "booking":
                booking = self._store.booking(item.id)
                activity_id = booking.activity_id if booking else ""
            if item.kind not in ("activity", "booking") or not activity_id:
                return None
            return self._run(intent, Parse(parse.text, intent, {"activity_id": activity_id}, 1.0))
        if item.kind == "reminder":
            return self._run(IntentId.REMINDER_CANCEL,
                             Parse(parse.text, IntentId.REMINDER_CANCEL, {"reminder_id": item.id}, 1.0))
        if item.kind == "service":
            return self._run(IntentId.BOOKING_CANCEL,
                             Parse(parse.text, IntentId.BOOKING_CANCEL, {"request_id": item.id}, 1.0))
        booking_id = item.id if item.kind == "booking" else ""
        if item.kind == "activity":
            booked = [b for b in self._store.bookings() if b.activity_id == item.id]
            if not booked:
                return self.reply(phrase("cancel.not_found"))
            booking_id = booked[0].id
        if not booking_id:
            return None
        return self._run(IntentId.BOOKING_CANCEL,
                         Parse(parse.text, IntentId.BOOKING_CANCEL, {"booking_id": booking_id}, 1.0))

    def _as_listed(self, parse: Parse) -> Parse:
        """A title named with no day right after a list that had it: that session, not the next one
        ('15号下昼有冇象棋' … '象棋几点开始啊' asks about the 15th)."""
        if parse.slots.get("activity_id") and not names_day(parse.text):
            listed = self._listed_session(parse)
            if listed is not None:
                slots = {k: v for k, v in parse.slots.items() if k not in ("date", "time", "part_of_day")}
                return replace(parse, slots=dict(slots, activity_id=listed.id,
                                                 date=listed.start.date().isoformat()))
        return parse

    def _narrow(self, parse: Parse) -> Parse:
        """'今天的帮我报名' after hearing about 合唱团: the activities just spoken of come first.
        A bare '帮我报名' right after hearing about exactly one activity means that one (it is read
        back before anything is done); after several, '哪个活动？' is asked."""
        listed = self._as_listed(parse)
        if listed is not parse:
            return listed
        if parse.slots.get("activity_id") or parse.slots.get("category"):
            return parse
        if not any(parse.slots.get(k) for k in ("date", "time", "part_of_day")):
            spoken = [i.id for i in self._recent_list() if i.kind == "activity"]
            titles = {act.title for act in map(self._store.activity, spoken) if act is not None}
            if spoken and len(titles) == 1:  # one activity, or sessions of one: the first said
                return replace(parse, slots=dict(parse.slots, activity_id=spoken[0]))
            return parse
        items = self._recent_list()
        ids = [i.id for i in items if i.kind == "activity"]
        ids += [b.activity_id for i in items if i.kind == "booking" for b in [self._store.booking(i.id)] if b]
        if not ids:
            return parse
        # '礼拜六嗰个' / '今日嗰个' / '朝早嗰个' right after a list: the one item of it that the words fit
        # (a part of day alone is matched against the list, not against today).
        said_day = names_day(parse.text)
        fits = []
        for activity_id in dict.fromkeys(ids):
            act = self._store.activity(activity_id)
            if act is None:
                continue
            if said_day and parse.slots.get("date") and act.start.date().isoformat() != parse.slots["date"]:
                continue
            if parse.slots.get("time") and act.start.strftime("%H:%M") != parse.slots["time"]:
                continue
            if not in_part_of_day(act.start, parse.slots.get("part_of_day")):
                continue
            fits.append(act)
        slots = {k: v for k, v in parse.slots.items() if k not in ("date", "time", "part_of_day")}
        if len(fits) == 1:
            return replace(parse, slots=dict(slots, activity_id=fits[0].id,
                                             date=fits[0].start.date().isoformat()))
        if fits and not said_day:  # '朝早嗰个' with two in the morning of the list: which of those two
            return replace(parse, slots=dict(slots, candidates=[act.id for act in fits]))
        return replace(parse, slots=dict(parse.slots, candidates=ids))

    def _reminder_meant(self, parse: Parse, intent: IntentId) -> Tuple[Parse, IntentId]:
        """'取消交水电费嗰个' right after the reminders were listed: a reminder, found by its words."""
        listed = self._recent_list()
        dropped = intent is IntentId.UNKNOWN and _DROP.search(parse.text) is not None
        cancel = intent is IntentId.BOOKING_CANCEL or dropped
        if not cancel or not listed or any(i.kind != "reminder" for i in listed) \
                or any(parse.slots.get(k) for k in ("activity_id", "category", "service")):
            return parse, intent
        meant = IntentId.REMINDER_CANCEL
        at = self._reminder_at(parse.text)
        if at is not None:  # '取消十二点半嗰个': the one listed at that time
            return replace(parse, intent=meant, slots={"reminder_id": at}), meant
        words = re.sub(r"(?:嗰|那|这|呢)个|的|嘅|提醒", "", parse.text)
        words = _DROP.sub("", words).strip("啊呀啦喇吧。，, ")
        if len(words) < 2:
            return parse, intent
        return replace(parse, intent=meant, slots={"content": words}), meant

    def _reminder_at(self, text: str) -> Optional[str]:
        """The one reminder of the list said last that is at the clock time said, if exactly one."""
        clock = spoken_clock(text)
        if clock is None:
            return None
        found = [r for r in (self._store.reminder(i.id) for i in self._recent_list() if i.kind == "reminder")
                 if r is not None and r.at.hour % 12 == clock[0] % 12 and r.at.minute == clock[1]]
        return found[0].id if len(found) == 1 else None

    def _fits_list(self, text: str) -> List[Activity]:
        """The activities of the list said last that '九点嗰个' / '夜晚那场' / '礼拜六嗰个' fits."""
        ask = Ask(SLOT, IntentId.ACTIVITY_BOOK, {}, "activity_id")
        said = self._carrier_slots(ask, _THAT_ONE.sub("", text))
        clock, part, day = spoken_clock(text), said.get("part_of_day"), said.get("date")
        if clock is None and part is None and not (day and names_day(text)):
            return []
        spoken = (self._store.activity(i.id) for i in self._recent_list() if i.kind == "activity")
        return [act for act in dict.fromkeys(a for a in spoken if a is not None)
                if (clock is None or (act.start.hour % 12 == clock[0] % 12 and act.start.minute == clock[1]))
                and in_part_of_day(act.start, part)
                and (not day or not names_day(text) or act.start.date().isoformat() == day)]

    def _listed_session(self, parse: Parse) -> Optional[Activity]:
        """'八段锦啦 九点嗰个' right after hearing next Monday's list: the session of that title in the list
        (the one the words fit), not the next session of the title, when no day was said."""
        named = self._store.activity(str(parse.slots["activity_id"]))
        if named is None:
            return None
        spoken = (self._store.activity(i.id) for i in self._recent_list() if i.kind == "activity")
        listed = [act for act in spoken if act is not None and act.title == named.title]
        if not listed or any(act.id == named.id for act in listed):
            return None
        clock = spoken_clock(parse.text)
        if clock is not None:
            listed = [act for act in listed
                      if act.start.hour % 12 == clock[0] % 12 and act.start.minute == clock[1]]
        return listed[0] if len(listed) == 1 else None

    def _run(self, intent: IntentId, parse: Parse) -> Reply:
        if intent in _CATALOG_INTENTS and self.link.fetching_catalog():
            self._open = None
            return self.reply(phrase("activity.fetching"))
        answer = SKILLS[intent](replace(parse, intent=intent), self._store, self._clock)
        if intent is IntentId.ACTIVITY_QUERY:
            self._asked = (parse, self._clock.monotonic())
        if intent in (IntentId.ACTIVITY_QUERY, IntentId.ACTIVITY_BOOK) and parse.slots.get("activity_id"):
            act = self._store.activity(str(parse.slots["activity_id"]))
            if act is not None:
                self._spoken_of = (act.title, self._clock.monotonic())
        return self._from_answer(answer)

    def _what_about(self, parse: Parse) -> Optional[Reply]:
        """'后日呢' right after a question about activities: the same question for that day."""
        asked = self._asked
        if not _WHAT_ABOUT.search(parse.text):
            return None
        now, catalog = self._clock.now(), self._catalog()
        if asked is None or self._clock.monotonic() - asked[1] > NOTICE_SECONDS:
            return self._other_session(parse, now, catalog)
        day = read_answer(parse.text, parse, "activity.query/date", now, catalog, self._parser)
        if day is None:
            return None
        dropped = ("date", "date_range", "part_of_day", "time", "activity_id", "offset")
        slots = {k: v for k, v in asked[0].slots.items() if k not in dropped}
        if asked[0].slots.get("activity_id") and "category" not in slots:
            act = self._store.activity(str(asked[0].slots["activity_id"]))
            slots["category"] = act.category if act else None
        slots.update(day.slots)
        text = asked[0].text if title_said(self._store, asked[0].text) else parse.text
        return self._run(IntentId.ACTIVITY_QUERY, Parse(text, IntentId.ACTIVITY_QUERY, slots, day.confidence))

    def _other_session(self, parse: Parse, now: datetime, catalog: Any) -> Optional[Reply]:
        """'下个礼拜日嗰场呢' after a sign-up to 茶话会 was read back or declined: that title on that day."""
        spoken = self._spoken_of
        if spoken is None or self._clock.monotonic() - spoken[1] > NOTICE_SECONDS:
            return None
        if not names_day(parse.text):
            return None
        text = _WHAT_ABOUT.sub("", parse.text) + spoken[0] + "有没有"
        other = self._parser(text, now, catalog)
        if other.intent is not IntentId.ACTIVITY_QUERY:
            return None
        return self._run(IntentId.ACTIVITY_QUERY, other)

    def _not_understood(self, parse: Parse) -> Reply:
        """One short sentence with the closest suggestion ('我没听懂，您是想报名活动吗？')."""
        guess = self._guess(parse.text)
        if guess is None:
            return self.reply(phrase("dialog.unknown"), remember=False)
        return self._suggest(guess, {}, "dialog.suggest")

    def _unsure(self, parse: Parse) -> Reply:
        """A parse below the confidence floor: ask whether that is what was meant; never act on it."""
        if self._open is not None and not self._expired(self._open):
            return self._again(self._open, phrase("dialog.again") + self._open.text)
        intent = parse.intent
        if intent in SKILLS and name("suggest.names", intent.value) != intent.value:
            slots = {k: v for k, v in parse.slots.items() if k not in ("content", "confirmed")}
            return self._suggest(intent, slots, "dialog.suggest_unsure")
        return self.reply(phrase("dialog.low_confidence"), remember=False)

    def _suggest(self, intent: IntentId, slots: Dict[str, Any], key: str) -> Reply:
        text = phrase(key, what=name("suggest.names", intent.value))
        self._open = _Open(Ask(SUGGEST, intent, slots), text, self._clock.monotonic() + PENDING_SECONDS)
        return self.reply(text, expects_answer=True, remember=False)

    @staticmethod
    def _guess(text: str) -> Optional[IntentId]:
        """The request the words come closest to: a suggestion word said, else one that sounds like
        what was heard (帮我抱名啦 → 报名: asked about, never acted on)."""
        best: Optional[Tuple[int, IntentId]] = None
        heard = keys(text)
        for intent_id, words in table("suggest").items():
            for word in words or ():
                said = keys(word)
                near = len(word) >= 2 and intent_id in _SOUND_GUESSED and any(
                    heard[i:i + len(said)] == said for i in range(len(heard) - len(said) + 1))
                if (word in text or near) and (best is None or len(word) > best[0]):
                    best = (len(word), IntentId(intent_id))
        return best[1] if best else None

    # ------------------------------------------------------------------ reminders ringing
    def ring(self, content: str, attempt: int) -> Reply:
        """A reminder falls due: say it, with how to stop it; an open question is set aside."""
        question = self._open
        if question is not None and question.ask.kind is not HELP:
            self._open = None
            if question.ask.kind in _OFFERED_AGAIN and not question.offered:
                self._aside = _SetAside(question, self._clock.monotonic())
        how = phrase("reminder.how_medicine" if "药" in content else "reminder.how")
        key = "reminder.due" if attempt <= 1 else "reminder.again"
        return self.reply(phrase(key, content=content, how=how), expects_answer=True)

    def _ringing(self) -> bool:
        return bool(self._store.occurrences(statuses=(OccurrenceStatus.FIRED,)))

    def ringing(self) -> bool:
        """Whether a reminder is ringing (said and not acknowledged yet)."""
        return self._ringing()

    def alert_recent(self) -> bool:
        """Whether a call for help was raised in the last CANCEL_WINDOW (nothing unasked is said then)."""
        alert = self._alert
        return alert is not None and self._clock.now() - alert.at <= CANCEL_WINDOW

    def _acknowledge(self) -> Reply:
        acknowledge_open(self._store, self._clock.now())
        return self.reply(phrase("reminder.ack"))

    # ------------------------------------------------------------------ emergencies
    def _danger(self, parse: Parse) -> Reply:
        """severity high (or a second danger while asking) → alert now; check → ask first."""
        severity = str(parse.slots.get("severity") or "high")
        question = self._open
        if question is not None and question.ask.kind is POLL:  # a poll is not asked over a danger
            self._store.answer_poll(str(question.ask.slots["poll_id"]), None, self._heard, self._clock.now())
            self._open = question = None
        asking = question is not None and question.ask.kind is HELP
        if severity == "check" and not asking:
            self._aside = None
            text = phrase("emergency.check")
            self._open = _Open(Ask(HELP, IntentId.EMERGENCY_HELP, {"text": parse.text}), text,
                               self._clock.monotonic() + CHECK_SECONDS)
            return self.reply(text, expects_answer=True, urgent=True)
        said = parse.text
        if asking and question is not None:
            said = f"{question.ask.slots.get('text', '')}；{parse.text}"
        return self._raise(said, "high" if severity == "high" or asking else severity)

    def _answer_check(self, question: _Open, intent: IntentId) -> Optional[Reply]:
        text = str(question.ask.slots.get("text") or "")
        if intent is IntentId.DIALOG_YES:
            self._open = None
            return self._raise(text, "check")
        if intent in (IntentId.DIALOG_NO, IntentId.EMERGENCY_CANCEL):
            self._open = None
            return self.reply(phrase("emergency.check_declined"))
        if intent in (IntentId.UNKNOWN, IntentId.REMINDER_ACK, IntentId.DIALOG_WAIT, IntentId.DIALOG_THANKS,
                      IntentId.DIALOG_GREETING, IntentId.DIALOG_STOP, IntentId.DIALOG_CORRECT):
            # Not an answer: ask again; the 20 s still count from the first question.
            self._open = question
            return self.reply(phrase("emergency.check_again"), expects_answer=True, urgent=True,
                              remember=False)
        self._open = None  # talking about something else: she is all right
        return None

    def _raise(self, text: str, severity: str, prefix: str = "") -> Reply:
        """Record the alert (urgent outbox op) and say what really happened to it. While an alert of the
        last minutes is still open, more words about the same danger ('火熄了，但还是好多烟') raise no
        second alert: the senior hears where the first one stands."""
        now = self._clock.now()
        alert = self._alert
        if alert is not None and not alert.cancelled and not alert.handled and now - alert.at <= OPEN_ALERT \
                and self.link.link_status() in (LINK_ONLINE, LINK_OFFLINE):
            # (Unpaired, nothing can be sent: the senior hears "打120" again below, never "收到了".)
            self._open, self._aside = None, None
            sent = alert.told_sent or self._store.op_state(alert.op_id) == "acknowledged"
            key = "emergency.already_sent" if sent else "emergency.already_queued"
            return self.reply(prefix + phrase(key, family=self._family()), urgent=True)
        op_id = self._store.record_emergency(text, now, severity)
        self._open, self._aside = None, None
        status = self.link.link_status()
        if status == LINK_ONLINE and self.link.wait_sent(op_id, SEND_WAIT):
            key, told = "emergency.sent", True
        elif status in (LINK_ONLINE, LINK_OFFLINE):
            key, told = "emergency.queued", False
        else:
            key, told = "emergency.unsent", True
        self._alert = _Alert(op_id, now, told)
        _LOGGER.warning("emergency %s (%s): %s", op_id, severity, key)
        return self.reply(prefix + phrase(key, family=self._family()), urgent=True)

    def _family(self) -> str:
        phone = self._settings.dialog.family_phone
        return phrase("emergency.family", phone=phone) if phone else ""

    def _nothing_to_take_back(self) -> bool:
        question = self._open
        if question is not None and question.ask.kind is HELP:
            return False
        return self._alert is None or self._alert.cancelled

    def _take_back(self, parse: Parse) -> Reply:
        """'没事了，我按错了': within 10 minutes, a cancellation op for the alert."""
        question = self._open
        if question is not None and question.ask.kind is HELP:
            self._open = None
            return self.reply(phrase("emergency.check_declined"))
        alert = self._alert
        now = self._clock.now()
        if alert is None or alert.cancelled:
            return self.reply(phrase("emergency.cancel_none"))
        if now - alert.at > CANCEL_WINDOW:
            return self.reply(phrase("emergency.cancel_late"))
        alert.cancelled = True
        op_id = self._store.record_emergency_cancel(alert.op_id, parse.text, now)
        status = self.link.link_status()
        if status == LINK_ONLINE and self.link.wait_sent(op_id, SEND_WAIT):
            key = "emergency.cancel_sent"
        elif status in (LINK_ONLINE, LINK_OFFLINE):
            key = "emergency.cancel_queued"
        else:
            key = "emergency.cancel_unsent"
        return self.reply(phrase(key))

    def alert_handled(self, alert_id: str) -> None:
        """Family or staff pressed 我来处理 on this alert."""
        if self._alert is not None and self._alert.op_id == alert_id:
            self._alert.handled = True

    def synced(self) -> List[Reply]:
        """After a sync round: an alert that was only queued and has now reached the server is told."""
        alert = self._alert
        if alert is None or alert.told_sent or alert.cancelled:
            return []
        if self._store.op_state(alert.op_id) != "acknowledged":
            return []
        alert.told_sent = True
        return [self.reply(phrase("emergency.sent_later"), urgent=True)]

    # ------------------------------------------------------------------ dialog control
    def _yes(self) -> Reply:
        if self._ringing():
            return self._acknowledge()
        aside = self._aside
        if aside is not None and self._clock.monotonic() - aside.at <= NOTICE_SECONDS:
            self._aside = None
            return self._offer(aside.question)
        return self.reply(phrase("dialog.what"), expects_answer=True)

    def _no(self) -> Reply:
        self._aside = None
        return self.reply(phrase("dialog.no_pending"))

    def _ack(self) -> Reply:
        if self._ringing():
            return self._acknowledge()
        return self.reply(phrase("reminder.none_ringing"))

    def _repeat(self) -> Reply:
        if not self._last_text:
            return self.reply(phrase("dialog.nothing_to_repeat"), remember=False)
        question = self._open
        if question is not None and question.ask.kind is not HELP:
            # Asked again: another 30 s to answer (an expired question is open again).
            question.expires = max(question.expires, self._clock.monotonic() + PENDING_SECONDS)
        # '好的' heard again could sound like something new was done: the facts are repeated without it.
        again = re.sub(r"^好的[，,。]\s*", "", self._last_text) or self._last_text
        return self.reply(again, expects_answer=question is not None)

    def _volume(self, step: float) -> Reply:
        current = self._voice[1]
        wanted = round(min(VOLUME_MAX, max(VOLUME_MIN, current + step)), 2)
        if wanted == current:
            return self.reply(phrase("dialog.loudest" if step > 0 else "dialog.quietest"), remember=False)
        self._store.set_setting("voice.volume", wanted)
        self._voice = (self._voice[0], wanted)
        # Not remembered: '再说一遍' after '大声一点' repeats the answer itself, now louder.
        return self.reply(phrase("dialog.louder" if step > 0 else "dialog.quieter"), remember=False)

    def _slower(self) -> Reply:
        current = self._voice[0]
        wanted = max(RATE_MIN, current - RATE_STEP)
        if wanted == current:
            return self.reply(phrase("dialog.slowest"), remember=False)
        self._store.set_setting("voice.rate", wanted)
        self._voice = (wanted, self._voice[1])
        return self.reply(phrase("dialog.slower"), remember=False)

    def _stop(self) -> Reply:
        if self._open is None or self._open.ask.kind is not HELP:
            self._open = None
        self._aside = None
        return self.reply(phrase("dialog.stop"), stop_speaking=True, remember=False)

    def _help(self) -> Reply:
        return self.reply(phrase("dialog.help"), expects_answer=self._open is not None)

    def _thanks(self) -> Reply:
        """'谢谢小李' / '多谢个义工' about a volunteer who took the senior's help request: a help.thanked op
        (the volunteer's points); any other thanks gets a polite answer."""
        heard = self._heard
        helped = [(rid, req) for rid, req in self._store.help_requests()
                  if req.get("status") in ("accepted", "done") and req.get("volunteer")]
        named = [(rid, req) for rid, req in helped if str(req["volunteer"]) in heard]
        if not named and len(helped) == 1 and _VOLUNTEER.search(heard):
            named = helped
        if len(named) != 1:
            return self._polite("dialog.thanks")
        request_id, req = named[0]
        self._store.thank_helper(request_id, self._clock.now())
        return self.reply(phrase("help.thanked", volunteer=req["volunteer"]), remember=False)

    def _polite(self, key: str) -> Reply:
        return self.reply(phrase(key), expects_answer=self._open is not None, remember=False)

    def _correct_nothing(self) -> Reply:
        parse = self.last_parse
        fragment = _CORRECTION_WORDS.sub("", parse.text) if parse is not None else ""
        if fragment and parse is not None and fragment != parse.text:
            return self._reparse(fragment)
        return self.reply(phrase("dialog.nothing_to_correct"))


_CONTROL: Dict[IntentId, Callable[[Dialog], Reply]] = {
    IntentId.DIALOG_YES: Dialog._yes,
    IntentId.DIALOG_NO: Dialog._no,
    IntentId.REMINDER_ACK: Dialog._ack,
    IntentId.DIALOG_REPEAT: Dialog._repeat,
    IntentId.DIALOG_LOUDER: lambda d: d._volume(VOLUME_STEP),
    IntentId.DIALOG_QUIETER: lambda d: d._volume(-VOLUME_STEP),
    IntentId.DIALOG_SLOWER: Dialog._slower,
    IntentId.DIALOG_STOP: Dialog._stop,
    IntentId.DIALOG_HELP: Dialog._help,
    IntentId.DIALOG_WAIT: Dialog._wait,
    IntentId.DIALOG_THANKS: Dialog._thanks,
    IntentId.DIALOG_GREETING: lambda d: d._polite("dialog.greeting"),
    IntentId.DIALOG_CORRECT: Dialog._correct_nothing,
}
"""Dialog-control intents answered by the dialog itself, dispatched through this table."""
_AGAIN = re.compile(r"再(?:提醒|提|叫|喊|讲|说)|等(?:阵|一阵|一下|下)再")
"""'…之后再提我': the reminder that is ringing, again later."""
_ABOUT_IT = re.compile(r"开始|结束|散场|上课|在哪|喺边|边度|哪里|几点(?:钟)?(?:搞|有|去)")
"""A question that, right after one activity was spoken of, is about that activity."""
_VOLUNTEER = re.compile(r"志愿者|义工|后生仔|年轻人|帮手")
"""A thanks naming the helper by role, not by name ('多谢个义工')."""
_PLEASE = re.compile(r"唔该|唔該|麻烦你|拜托")
"""Words that, said alone to a read-back, ask for it to be done."""
_BOOKED_AGAIN = (IntentId.ACTIVITY_BOOK, IntentId.SERVICE_BOOK)
_REFUSED_AGAIN = re.compile(r"^(?:唔|不)[^\s，,。]{1,3}?(?:喇|啦|了|咯)[\s，,。]+")
_WANT_INSTEAD = re.compile(r"(?:我|我哋)?(?:想|要|改|换)(?:报|约|订|去|做|成)|(?:帮我)?(?:报|改报|换成|改成)")
"""唔要 我想报听朝个太极: what the senior wants instead, in so many words."""
_BY_KIND: Dict[Any, Callable[[Dialog, _Open, IntentId], Optional[Reply]]] = {
    HELP: Dialog._answer_check, POLL: Dialog._answer_poll}
"""Open questions answered by their own rules, before waits and corrections."""
_TEACHING_ASKED = re.compile(r"我(?:教|带)(?:嘅|的|紧|开)?(?:班|课|嗰个|那个|活动|嗰班|那班)"
                             r"|我(?:个|嘅|的)(?:班|课)(?:有|仲有)?(?:几多|几个|多少)")
"""A teacher asks how their class is doing: '我教嘅班有几多人报名' / '我个班有几个人'."""
_TEACHING_READINGS = (IntentId.UNKNOWN, IntentId.ACTIVITY_QUERY, IntentId.BOOKING_LIST,
                      IntentId.ACTIVITY_BOOK)
_KEEP_QUESTION = (IntentId.DIALOG_REPEAT, IntentId.DIALOG_LOUDER, IntentId.DIALOG_QUIETER,
                  IntentId.DIALOG_SLOWER, IntentId.DIALOG_HELP, IntentId.DIALOG_THANKS,
                  IntentId.DIALOG_GREETING)
"""Said while a question is open, these keep it open (and do not count as an answer)."""

