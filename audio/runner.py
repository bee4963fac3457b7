"""`python -m assistant run`: wire source, model, speaker and the Assistant; fall back to chat."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from typing import Any, List, Optional

from assistant.config import Settings

from .errors import DeviceError, ModelMissingError
from .wiring import model_path, open_sink, open_source

_LOGGER = logging.getLogger(__name__)


def _fallback(settings: Settings, reason: str) -> int:
    """No microphone, model or loudspeaker: chat on a terminal, or wait for the hardware under systemd.

    Under systemd (NOTIFY_SOCKET set) stdin is /dev/null, so a console chat would end at once and
    the unit would restart every few seconds. Instead we tell systemd why we are waiting, keep the
    watchdog fed, and exit 1 after `_HARDWARE_WAIT_SECONDS` so Restart=always tries again with the
    hardware re-detected (a USB microphone plugged in later is then picked up).
    """
    if os.environ.get("NOTIFY_SOCKET") and not (sys.stdin and sys.stdin.isatty()):
        return _wait_for_hardware(reason)
    print(f"{reason}\n→ 改用文字对话 / falling back to the console chat (type a sentence, Enter)",
          file=sys.stderr)
    from assistant.console import run_chat

    return run_chat(settings)


_HARDWARE_WAIT_SECONDS = 60.0


def _wait_for_hardware(reason: str) -> int:
    from assistant.watchdog import Watchdog

    _LOGGER.error("%s; waiting %.0f s before systemd restarts us", reason, _HARDWARE_WAIT_SECONDS)
    watchdog = Watchdog()
    watchdog.ready(f"waiting: {reason}")
    watchdog.start()
    try:
        threading.Event().wait(_HARDWARE_WAIT_SECONDS)
    finally:
        watchdog.stopping()
        watchdog.stop()
    return 1


def run_speaker(args: argparse.Namespace, settings: Settings) -> int:
    """The full speaker; 0 when the source ended or Ctrl+C, 1 on a clear error."""
    from .recognizer import SpeechModel

    if not args.input_wav:
        from .capture import has_microphone

        if not has_microphone(settings.audio.input_device):
            return _fallback(settings, "没有找到麦克风 / no microphone found")
    try:
        model = SpeechModel.load(model_path(args, settings))
    except ModelMissingError as exc:
        if args.input_wav:
            raise
        return _fallback(settings, f"没有中文语音模型 / {exc}")
    try:
        sink = open_sink(args, settings)
    except DeviceError as exc:
        if args.input_wav:
            raise
        return _fallback(settings, f"没有扬声器 / {exc}")
    return _run(args, settings, model, sink)


def _run(args: argparse.Namespace, settings: Settings, model: Any, sink: Any) -> int:
    from assistant.clock import SystemClock
    from assistant.runtime import Assistant
    from assistant.watchdog import Watchdog

    from .speaker import SpeakerLoop, answer_phrases
    from .tts import Speaker

    speaker = Speaker(settings.voice, sink)
    clock = SystemClock(always_trusted=settings.clock_trust == "always")
    holder: List[SpeakerLoop] = []
    early: List[Any] = []

    def on_reply(reply: Any) -> None:  # dialog thread: reminders, announcements, sync results
        if holder:
            holder[0].say(reply)
        else:
            early.append(reply)

    assistant = Assistant.open(settings, clock, on_reply, db_path=getattr(args, "db", None))
    # systemd (Type=notify, WatchdogSec): READY once listening; pings only while both the capture
    # loop and the dialog thread keep beating, so a hang in either gets the service restarted.
    watchdog = Watchdog(parts=("capture", "dialog"))
    assistant.heartbeat = lambda: watchdog.beat("dialog")
    source = open_source(args, settings)
    try:
        loop = SpeakerLoop(
            source, model, speaker, lambda heard: assistant.process(heard.to_event()),
            settings.dialog.wake_phrases,
            grammar_phrases=lambda: _phrases(assistant), grammar_version=assistant.catalog_version,
            answers=answer_phrases("zh"), intent_of=_intent_of(clock, assistant),
            push_to_talk=_push_to_talk(args), heartbeat=lambda: watchdog.beat("capture"))
        holder.append(loop)
        for reply in early:
            loop.say(reply)
        assistant.start()
        watchdog.start()
        watchdog.ready("listening")
        phrases = " / ".join(loop.wake_phrases)
        print(f"在听 / listening for {phrases} (Enter = push-to-talk)", file=sys.stderr)
        loop.run()
    except KeyboardInterrupt:
        return 0
    finally:
        watchdog.stopping()
        watchdog.stop()
        assistant.stop()
        source.close()
    return 0


def _phrases(assistant: Any) -> List[str]:
    try:
        from intents import grammar_phrases
    except ImportError:
        return []
    return list(grammar_phrases(assistant.catalog()))


def _intent_of(clock: Any, assistant: Any) -> Any:
    try:
        from intents import parse
    except ImportError:
        return None

    def intent_of(text: str) -> Optional[str]:
        return str(parse(text, clock.now(), assistant.catalog()).intent.value)

    return intent_of


def _push_to_talk(args: argparse.Namespace) -> threading.Event:
    """Enter on the console (when stdin is a terminal) or a GPIO button sets the event."""
    event = threading.Event()
    if args.gpio is not None:
        try:
            from gpiozero import Button  # type: ignore[import-not-found]
        except ImportError as exc:
            raise DeviceError("--gpio needs gpiozero: pip install gpiozero (on a Raspberry Pi)") from exc
        button = Button(args.gpio)
        button.when_pressed = event.set
        event.button = button  # type: ignore[attr-defined] - keep it alive
    if sys.stdin is not None and sys.stdin.isatty():
        def read() -> None:
            for _ in sys.stdin:
                event.set()

        threading.Thread(target=read, name="push-to-talk", daemon=True).start()
    return event
