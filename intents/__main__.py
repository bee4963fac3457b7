"""Command line: python -m intents parse [--now YYYY-MM-DDTHH:MM] [--catalog FILE] [TEXT ...]."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Iterable, List, Optional, TextIO

from intents.answer import expecting_key
from intents.errors import CatalogError
from intents.parser import parse
from intents.schema import Catalog, IntentId, Parse, read_catalog

_LOGGER = logging.getLogger(__name__)

MAX_LINE_CHARS = 10_000
"""Longer input lines are cut before parsing (they parse as unknown anyway)."""


def _now(value: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DDTHH:MM, got {value!r}") from exc


def _expecting(value: str) -> str:
    try:
        return expecting_key(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _one(text: str, now: datetime, catalog: Optional[Catalog], expecting: Optional[str] = None,
         options: Optional[str] = None) -> Parse:
    # Arguments that were not UTF-8 arrive as lone surrogates, which no UTF-8 stream can print.
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    try:
        fill = {"options": options} if options else None
        return parse(text[:MAX_LINE_CHARS], now, catalog, expecting=expecting, fill=fill)
    except Exception:  # one bad utterance must not stop a stream of them
        _LOGGER.exception("cannot parse %r", text[:80])
        return Parse(text=text[:MAX_LINE_CHARS], intent=IntentId.UNKNOWN)


def _lines(stream: TextIO) -> Iterable[str]:
    """Input lines; bytes that are not UTF-8 become U+FFFD instead of stopping the stream."""
    raw = getattr(stream, "buffer", None)
    if raw is None:
        for line in stream:
            yield line.rstrip("\r\n")
        return
    for chunk in raw:
        yield chunk.decode("utf-8", errors="replace").rstrip("\r\n")


def _run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    catalog: Optional[Catalog] = None
    if args.catalog is not None:
        try:
            catalog = read_catalog(args.catalog)
        except CatalogError as exc:
            print(f"python -m intents: {exc}", file=sys.stderr)
            return 1
    now = args.now or datetime.now().replace(second=0, microsecond=0)
    texts = args.text if args.text else _lines(stdin)
    for text in texts:
        result = _one(text, now, catalog, args.expecting, args.options)
        stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point; returns 0 ok, 1 runtime error (bad catalog); argparse exits 2 on usage errors."""
    parser = argparse.ArgumentParser(prog="python -m intents",
                                     description="Chinese spoken-language understanding")
    parser.add_argument("--debug", action="store_true", help="Print DEBUG messages to stderr")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("parse", help="parse utterances (arguments, or one per stdin line) to JSON lines")
    cmd.add_argument("--now", type=_now, default=None,
                     help="local time YYYY-MM-DDTHH:MM (default: the clock)")
    cmd.add_argument("--catalog", type=Path, default=None, help='JSON file {"activities": [...]}')
    cmd.add_argument("--expecting", type=_expecting, default=None, metavar="INTENT/SLOT",
                     help="the question the speaker asked (reminder.create/time): a fragment that means "
                          "nothing alone is read as its answer")
    cmd.add_argument("--options", default=None, metavar="A|B|C",
                     help="with --expecting poll.answer/choice: the poll's options, in the order asked")
    cmd.add_argument("--debug", action="store_true", dest="debug_sub", help="Print DEBUG messages to stderr")
    cmd.add_argument("text", nargs="*", help="utterances; none → read stdin")
    args = parser.parse_args(argv)
    debug = args.debug or args.debug_sub
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, stream=sys.stderr)
    stdout = sys.stdout
    if (getattr(stdout, "encoding", "utf-8") or "").lower().replace("-", "") != "utf8" \
            and hasattr(stdout, "reconfigure"):
        stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    return _run(args, sys.stdin, stdout)


if __name__ == "__main__":
    sys.exit(main())
