"""`python -m assistant chat`: type or pipe sentences, read (or hear) the answers."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Callable, Dict, Iterable, Iterator, List, Optional, Union

from .clock import Clock, FakeClock, SystemClock, parse_span
from .config import Settings
from .dialog import Reply

_LOGGER = logging.getLogger(__name__)
_NAME = "小巢"


def register(subparsers: Any) -> None:
    """Add the `chat` subcommand."""
    chat = subparsers.add_parser("chat", help="Talk to the assistant by typing (one sentence per line)")
    chat.add_argument("--db", type=Path, help="Store file (default: DATA_DIR/assistant.db)")
    chat.add_argument("--now", help="Start a fake clock at YYYY-MM-DDTHH:MM; '/advance 30m' moves it")
    chat.add_argument("--jsonl", action="store_true",
                      help="One JSON object per turn: heard, intent, slots, reply, events")
    chat.add_argument("--speak", action="store_true", help="Also speak the replies (needs audio.tts)")
    chat.add_argument("--catalog", type=Path,
                      help='Pin the activity catalog: a JSON file {"activities": [...]}, as for '
                           "`python -m intents parse --catalog`")
    chat.set_defaults(func=_cmd_chat)


def _cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    return run_chat(settings, db=args.db, now=args.now, jsonl=args.jsonl, speak=args.speak,
                    catalog=args.catalog)


def input_lines(stream: IO[str]) -> Iterator[str]:
    """Lines of stream without their line ends; bytes that are not UTF-8 become U+FFFD (never
    copied into the output, where they would make invalid UTF-8 JSON)."""
    raw = getattr(stream, "buffer", None)
    lines: Iterable[Any] = raw if raw is not None else stream
    for line in lines:
        if isinstance(line, bytes):
            text = line.decode("utf-8", errors="replace")
        else:  # already text, perhaps with surrogate escapes from a non-UTF-8 locale
            text = line.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        yield text.rstrip("\r\n")


def _make_clock(settings: Settings, now: Union[str, datetime, None]) -> Clock:
    if now is None:
        return SystemClock(always_trusted=settings.clock_trust == "always")
    start = now if isinstance(now, datetime) else datetime.strptime(now.strip(), "%Y-%m-%dT%H:%M")
    return FakeClock(start, trusted=True)


def _make_speaker(settings: Settings) -> Optional[Callable[[Reply], None]]:
    try:
        from audio.tts import Speaker  # type: ignore[import-not-found]

        speaker = Speaker(settings.voice)
    except Exception as exc:  # no audio stack: chat still works as text
        print(f"--speak: no speech output ({exc}); pip install .[audio]", file=sys.stderr)
        return None

    def speak(reply: Reply) -> None:
        try:
            if reply.stop_speaking:
                speaker.stop()
            if reply.text:
                speaker.speak(reply.text, rate=reply.voice_rate, volume=reply.voice_volume)
        except Exception as exc:  # a failing loudspeaker must not end the text chat
            _LOGGER.warning("--speak: %s", exc)

    return speak


class _Printer:
    """Writes turns and fired announcements as text or JSON lines."""

    def __init__(self, stdout: IO[str], jsonl: bool, clock: Clock,
                 speak: Optional[Callable[[Reply], None]]) -> None:
        self._out, self._jsonl, self._clock, self._speak = stdout, jsonl, clock, speak

    def replies(self, replies: List[Reply]) -> None:
        if not self._jsonl:
            for reply in replies:
                self._out.write(f"{_NAME}：{reply.text}\n")
        if self._speak is not None:
            for reply in replies:
                self._speak(reply)

    def note(self, text: str) -> None:
        if not self._jsonl:
            self._out.write(text + "\n")
            self._out.flush()

    def record(self, data: Dict[str, Any]) -> None:
        if self._jsonl:
            data["now"] = self._clock.now().strftime("%Y-%m-%dT%H:%M:%S")
            self._out.write(json.dumps(data, ensure_ascii=False) + "\n")
        self._out.flush()


def run_chat(settings: Settings, *, db: Optional[Path] = None, now: Union[str, datetime, None] = None,
             jsonl: bool = False, speak: bool = False, stdin: Optional[IO[str]] = None,
             stdout: Optional[IO[str]] = None, catalog: Optional[Path] = None) -> int:
    """The chat loop; returns the exit code (0 ok, 1 bad --catalog, 2 bad --now).

    stdin, stdout: default sys.stdin / sys.stdout as they are at call time.
    """
    from .runtime import Assistant

    stdin = stdin if stdin is not None else sys.stdin
    stdout = stdout if stdout is not None else sys.stdout
    try:
        clock = _make_clock(settings, now)
    except ValueError:
        print(f"--now {now!r}: expected YYYY-MM-DDTHH:MM", file=sys.stderr)
        return 2
    pinned = None
    if catalog is not None:
        from intents.errors import CatalogError
        from intents.schema import read_catalog  # the same reader and message as `intents parse`

        try:
            pinned = read_catalog(catalog)
        except CatalogError as exc:
            print(f"--catalog {exc}", file=sys.stderr)
            return 1
    # A fake clock only moves on '/advance', so everything runs in this thread and the output is
    # deterministic. On the real clock the dialog thread runs (reminders, announcements and sync
    # arrive while the user is typing) and prints as things happen.
    live = not isinstance(clock, FakeClock)
    printer = _Printer(stdout, jsonl, clock, _make_speaker(settings) if speak else None)
    lock = threading.Lock()
    fired: List[Reply] = []

    def on_reply(reply: Reply) -> None:
        if not live:
            fired.append(reply)
            return
        with lock:
            printer.replies([reply])
            printer.record({"heard": None, "intent": None, "slots": {}, "reply": reply.text, "events": []})

    assistant = Assistant.open(settings, clock, on_reply, db_path=db)
    if pinned is not None:
        assistant.pin_catalog(pinned)
    if not clock.is_trusted():
        print("时钟还没有校准，提醒暂不响 / the clock is not trusted yet (no NTP sync): reminders wait. "
              "Use --now, or --set clock_trust=always", file=sys.stderr)
    try:
        if live:
            assistant.start()
        else:
            _background(assistant, printer, fired, "/start", assistant.tick)
        for raw in input_lines(stdin):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line in ("/quit", "/exit"):
                break
            if line.startswith("/"):
                _command(line, assistant, clock, printer, fired)
                continue
            turn = assistant.turn(line)
            with lock:
                printer.replies(list(turn.replies))
                printer.record(turn.to_dict())
    finally:
        assistant.stop()
    return 0


def _background(assistant: Any, printer: _Printer, fired: List[Reply], heard: str,
                action: Callable[[], Any]) -> None:
    """Run action (clock move, tick) and print whatever the scheduler said meanwhile."""
    before = assistant.store.last_seq()
    fired.clear()
    action()
    replies = list(fired)
    fired.clear()
    ops = [op.to_wire() for op in assistant.store.outbox(before)]
    if not replies and not ops and not heard.startswith("/advance"):
        return
    printer.replies(replies)
    printer.record({"heard": heard, "intent": None, "slots": {}, "reply": "".join(r.text for r in replies),
                    "replies": [r.text for r in replies], "events": ops})


def _command(line: str, assistant: Any, clock: Clock, printer: _Printer, fired: List[Reply]) -> None:
    name, _, arg = line.partition(" ")
    if name == "/advance":
        if not isinstance(clock, FakeClock):
            print("/advance needs a fake clock: start chat with --now YYYY-MM-DDTHH:MM", file=sys.stderr)
            return
        try:
            span = parse_span(arg or "")
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return
        _background(assistant, printer, fired, line, lambda: clock.advance(span))
        printer.note(f"（现在是 {clock.now():%Y-%m-%d %H:%M}）")
        return
    print(f"unknown command {name!r}; expected /advance 30m|2h|1d or /quit", file=sys.stderr)
