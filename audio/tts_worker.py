"""Child process that drives pyttsx3 from its main thread: `python -m audio.tts_worker VOICE RATE`.

Protocol: one JSON request per stdin line, {"text", "path"}; one JSON reply per
line on the original stdout, {"ok": true} or {"ok": false, "error": "…"}. pyttsx3's own
prints ("Audio saved to …") go to stderr, so they cannot corrupt the protocol. Keeping
pyttsx3 in a child means a hang or crash in its espeak driver costs a restart, not the speaker.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import threading
import time
from typing import Any, Dict, TextIO

_LOGGER = logging.getLogger(__name__)

_FILE_WAIT_S = 2.0
"""How long to wait for a late file write before calling the utterance failed."""


def _handle(engine: Any, finished: threading.Event, request: Dict[str, Any]) -> Dict[str, Any]:
    path = str(request["path"])
    finished.clear()
    engine.save_to_file(str(request["text"]), path)
    engine.runAndWait()
    # runAndWait() sometimes returns before espeak's callback thread wrote the file; the
    # driver announces "finished-utterance" right after writing it.
    deadline = time.monotonic() + _FILE_WAIT_S
    while not _written(path) and time.monotonic() < deadline:
        finished.wait(0.05)
    if not _written(path):
        return {"ok": False, "error": "pyttsx3 returned without writing audio"}
    return {"ok": True}


def _written(path: str) -> bool:
    return os.path.exists(path) and os.path.getsize(path) > 44


def main(voice: str, rate: int, stdin: TextIO, reply: TextIO) -> int:
    import pyttsx3

    # The rate is fixed for the life of the worker: pyttsx3 2.99 applied a rate changed
    # between utterances only some of the time, so a new rate means a new worker.
    engine = pyttsx3.init("espeak")
    engine.setProperty("voice", voice)
    engine.setProperty("rate", rate)
    finished = threading.Event()
    engine.connect("finished-utterance", lambda name=None, completed=True: finished.set())
    # A throwaway utterance makes the driver apply voice and rate before the first real one
    # (without it the first utterance was sometimes spoken at the default rate).
    with tempfile.TemporaryDirectory(prefix="yuechao-tts-warm-") as tmp:
        _handle(engine, finished, {"text": "。", "path": os.path.join(tmp, "warm.wav")})
    reply.write(json.dumps({"ok": True, "ready": True}) + "\n")
    reply.flush()
    for line in stdin:
        try:
            answer = _handle(engine, finished, json.loads(line))
        except Exception as exc:  # report every failure to the parent, keep serving
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        reply.write(json.dumps(answer, ensure_ascii=False) + "\n")
        reply.flush()
    return 0


if __name__ == "__main__":
    _protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout = sys.stderr  # pyttsx3 prints to stdout; keep those lines off the protocol channel
    os.dup2(sys.stderr.fileno(), 1)
    sys.exit(main(sys.argv[1], int(sys.argv[2]), sys.stdin, _protocol))
