"""Shared fakes for the whole test suite: only true edges (wall clock, speaker) are faked."""

from __future__ import annotations

from typing import Any, List

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


def bench_module(name: str) -> Any:
    """A script of bench/ (nlu, conversations) as a module, so tests score the blind sets exactly
    as the bench reports them."""
    import importlib.util
    import sys
    from pathlib import Path

    key = f"bench_{name}"
    if key not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "bench" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(key, path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[key] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return sys.modules[key]
