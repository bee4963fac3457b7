"""The conversation: pending questions, yes/no, repeat, voice preferences, and routing to skills."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Sequence

from intents.schema import Catalog, IntentId, Parse

from .clock import Clock
from .config import Settings
from .phrases import carrier, name
from .phrases import say as phrase
from .scheduler import acknowledge_open
from .skills import CONFIRM, MORE, SKILLS, Answer, Ask
from .store import Store

_LOGGER = logging.getLogger(__name__)

PENDING_SECONDS = 30.0
"""A question left open (confirmation, follow-up, '要继续听吗') expires after this long."""
ACK_WORDS = ("知道了", "知道", "好的", "好", "吃了", "吃过了", "收到", "听到了", "明白了", "晓得了")
"""Said after a reminder; counted as dialog.yes even if the parser did not map them."""
_SLOT_KEYS = {"activity_id": ("activity_id", "category", "date", "time", "part_of_day"),
              "content": ("content",), "service": ("service",), "date": ("date", "date_range"),
              "time": ("time",)}
SELF_CHECK = re.compile(r"(设备|机器|音箱|小巢)?自检|检查一下?(设备|机器|音箱)")
"""'设备自检': a volunteer asks the speaker to check itself; not an NLU intent (it is for helpers,
not part of the seniors' contract), so it is matched here before parsing."""
VOLUME_STEP, VOLUME_MIN, VOLUME_MAX = 0.15, 0.3, 1.0
RATE_STEP, RATE_MIN = 15, 80

Parser = Callable[[str, datetime, Optional[Catalog]], Parse]


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


def _default_parser() -> Parser:
    from intents import parse  # the NLU loads its templates on import: only when a dialog is made

    return parse


class Dialog:
    """State of the conversation; called only from the dialog thread (no locks here)."""

    def __init__(self, store: Store, clock: Clock, settings: Settings,
                 catalog: Callable[[], Catalog], parser: Optional[Parser] = None) -> None:
        self._store = store
        self._clock = clock
        self._settings = settings
        self._catalog = catalog
        self._parser = parser or _default_parser()
        self._pending: Optional[Ask] = None
        self._asked_at = 0.0
        self._last_text = ""
        self._voice = (int(store.get_setting("voice.rate", settings.voice.rate)),
                       float(store.get_setting("voice.volume", settings.voice.volume)))
        """(rate, volume) as persisted; cached so a reply costs no store read."""
        self.last_parse: Optional[Parse] = None
        """The parse of the latest utterance (what chat --jsonl prints)."""

    # ------------------------------------------------------------------ replies
    def reply(self, text: str, expects_answer: bool = False, urgent: bool = False,
              stop_speaking: bool = False, remember: bool = True) -> Reply:
        """A Reply with the persisted voice settings; remembered for '再说一遍'."""
        if remember and text:
            self._last_text = text
        return Reply(text=text, expects_answer=expects_answer, urgent=urgent, stop_speaking=stop_speaking,
                     voice_rate=self._voice[0], voice_volume=self._voice[1])

    def ask(self, question: Optional[Ask]) -> None:
        """Leave a question open (None clears it)."""
        self._pending = question
        self._asked_at = self._clock.monotonic()

    def _from_answer(self, answer: Answer) -> Reply:
        self.ask(answer.ask)
        return self.reply(answer.text, expects_answer=answer.ask is not None, urgent=answer.urgent)

    # ------------------------------------------------------------------ utterances
    def hear(self, text: str, alternatives: Sequence[str] = ()) -> List[Reply]:
        """Parse one utterance (falling back to the recogniser's alternatives) and answer it."""
        text = text.strip()
        if not text:
            return []
        if SELF_CHECK.search(re.sub(r"\s+", "", text)):
            return [self.reply(self._self_check())]
        now, catalog = self._clock.now(), self._catalog()
        parse = self._parser(text, now, catalog)
        if parse.intent is IntentId.UNKNOWN and self._pending is None:
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
            return [self.reply(phrase("dialog.low_confidence"), remember=False)]
        return self.handle(parse)

    def _self_check(self) -> str:
        """Run the doctor's checks (microphone, speaker, model, voice, store, server, …) and sum up."""
        from .doctor import run_checks, summary_text

        return summary_text(run_checks(self._settings))

    def handle(self, parse: Parse) -> List[Reply]:
        """Answer one parse, taking the open question (if any, and not expired) into account."""
        self.last_parse = parse
        if self._pending is not None and self._clock.monotonic() - self._asked_at > PENDING_SECONDS:
            _LOGGER.info("pending %s question expired", self._pending.kind)
            self._pending = None
        if parse.intent is IntentId.EMERGENCY_HELP:
            self._pending = None
            return [self._run(IntentId.EMERGENCY_HELP, parse)]
        intent = parse.intent
        if intent is IntentId.UNKNOWN and parse.text.strip("。！!，, ") in ACK_WORDS:
            intent = IntentId.DIALOG_YES
        if self._pending is not None and self._pending.kind in (CONFIRM, MORE) \
                and intent is IntentId.BOOKING_CANCEL and not parse.slots:
            # '取消' answering '要给您报名吗？' means no, not "cancel what?"; '我不去了' answering
            # '您要取消……对吗？' means yes.
            cancelling = self._pending.intent is IntentId.BOOKING_CANCEL
            intent = IntentId.DIALOG_YES if cancelling else IntentId.DIALOG_NO
        if self._pending is not None and intent in _KEEP_QUESTION:
            return [_CONTROL[intent](self)]  # '再说一遍' / '大声一点' keep the question open
        if self._pending is not None:
            reply = self._answer_pending(self._pending, parse, intent)
            if reply is not None:
                return [reply]
        return [self._fresh(parse, intent)]

    def _answer_pending(self, pending: Ask, parse: Parse, intent: IntentId) -> Optional[Reply]:
        """A reply if the utterance answers the open question; None to treat it as a new request."""
        self._pending = None
        if intent is IntentId.DIALOG_NO:
            return self.reply(phrase("dialog.more_declined" if pending.kind == MORE else "dialog.declined"))
        if pending.kind in (CONFIRM, MORE):
            if intent is not IntentId.DIALOG_YES:
                return None
            slots = dict(pending.slots, confirmed=True) if pending.kind == CONFIRM else dict(pending.slots)
            return self._run(pending.intent, Parse(parse.text, pending.intent, slots, 1.0))
        return self._fill_slot(pending, parse, intent)

    def _fill_slot(self, pending: Ask, parse: Parse, intent: IntentId) -> Optional[Reply]:
        filled = {k: v for k, v in parse.slots.items() if v not in (None, "", [])}
        if intent not in (IntentId.UNKNOWN, pending.intent) and pending.slot not in filled:
            # '太极拳' (parsed as a query naming activity_id) answers '您想报名哪个活动？';
            # '明天下午有什么活动' does not: it is a new question.
            return None
        keys = _SLOT_KEYS.get(pending.slot or "", (pending.slot,))
        if not any(k in filled for k in keys):
            filled.update(self._carrier_slots(pending, parse.text))
        if not any(k in filled for k in keys):
            if pending.slot != "content":
                return None
            filled["content"] = parse.text.strip("。！!，, ")
        slots = dict(pending.slots)
        slots.update(filled)
        return self._run(pending.intent, Parse(parse.text, pending.intent, slots, parse.confidence))

    def _carrier_slots(self, pending: Ask, answer: str) -> Dict[str, Any]:
        """Slots of a fragment answer, parsed inside its question's carrier sentence."""
        template = carrier(f"{pending.intent.value}/{pending.slot}")
        if template is None:
            return {}
        service = name("service.names", str(pending.slots.get("service") or ""))
        text = template.format(answer=answer.strip("。！!，, "), service=service,
                               content=pending.slots.get("content") or "做事")
        parse = self._parser(text, self._clock.now(), self._catalog())
        if parse.intent is not pending.intent:
            return {}
        return {k: v for k, v in parse.slots.items() if v not in (None, "", [])}

    def _fresh(self, parse: Parse, intent: IntentId) -> Reply:
        handler = _CONTROL.get(intent)
        if handler is not None:
            return handler(self)
        if intent in SKILLS:
            return self._run(intent, parse)
        self._pending = None
        return self.reply(phrase("dialog.unknown"))

    def _run(self, intent: IntentId, parse: Parse) -> Reply:
        answer = SKILLS[intent](replace(parse, intent=intent), self._store, self._clock)
        return self._from_answer(answer)

    # ------------------------------------------------------------------ dialog control
    def _yes(self) -> Reply:
        if acknowledge_open(self._store, self._clock.now()):
            return self.reply(phrase("reminder.ack"))
        return self.reply(phrase("dialog.ok"))

    def _no(self) -> Reply:
        return self.reply(phrase("dialog.ok"))

    def _repeat(self) -> Reply:
        if not self._last_text:
            return self.reply(phrase("dialog.nothing_to_repeat"), remember=False)
        if self._pending is not None:
            self._asked_at = self._clock.monotonic()  # asked again: another 30 s to answer
        return self.reply(self._last_text, expects_answer=self._pending is not None)

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
        self._pending = None
        return self.reply(phrase("dialog.stop"), stop_speaking=True, remember=False)

    def _help(self) -> Reply:
        return self.reply(phrase("dialog.help"))


_CONTROL: Dict[IntentId, Callable[[Dialog], Reply]] = {
    IntentId.DIALOG_YES: Dialog._yes,
    IntentId.DIALOG_NO: Dialog._no,
    IntentId.DIALOG_REPEAT: Dialog._repeat,
    IntentId.DIALOG_LOUDER: lambda d: d._volume(VOLUME_STEP),
    IntentId.DIALOG_QUIETER: lambda d: d._volume(-VOLUME_STEP),
    IntentId.DIALOG_SLOWER: Dialog._slower,
    IntentId.DIALOG_STOP: Dialog._stop,
    IntentId.DIALOG_HELP: Dialog._help,
}
"""Dialog-control intents answered by the dialog itself, dispatched through this table."""
_KEEP_QUESTION = (IntentId.DIALOG_REPEAT, IntentId.DIALOG_LOUDER, IntentId.DIALOG_QUIETER,
                  IntentId.DIALOG_SLOWER)
