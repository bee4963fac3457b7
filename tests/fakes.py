"""Shared fakes for the whole test suite: only true edges (wall clock, speaker) are faked."""

from __future__ import annotations

from typing import List

from assistant.clock import FakeClock, parse_span
from assistant.dialog import Reply

__all__ = ["FakeClock", "parse_span", "ReplySink"]


class ReplySink:
    """An on_reply callback that keeps what the speaker would have said."""

    def __init__(self) -> None:
        self.replies: List[Reply] = []

    def __call__(self, reply: Reply) -> None:
        self.replies.append(reply)

    def texts(self) -> List[str]:
        return [r.text for r in self.replies]

    def take(self) -> List[str]:
        """The texts said so far, then forget them."""
        texts = self.texts()
        self.replies.clear()
        return texts
