"""Injected time: the only place the device reads the wall clock."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Callable, List, Protocol

_LOGGER = logging.getLogger(__name__)


class Clock(Protocol):
    """What every time-dependent part of the device takes instead of datetime.now()."""

    def now(self) -> datetime:
        """Local wall-clock time, naive (the community's zone)."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin that never jumps; for timeouts and durations."""
        ...

    def is_trusted(self) -> bool:
        """True once the wall clock is known to be right (NTP synchronised or a server time seen)."""
        ...


class SystemClock:
    """The real clock. Trust comes from the kernel's NTP state or from a server time seen by sync.

    always_trusted: skip the check (settings clock.trust = "always", for machines whose clock is
    kept right by other means, e.g. a laptop or a container without adjtimex rights).
    """

    def __init__(self, always_trusted: bool = False) -> None:
        self._server_offset_seen = always_trusted

    def now(self) -> datetime:
        return datetime.now()

    def monotonic(self) -> float:
        return time.monotonic()

    def mark_trusted(self) -> None:
        """Called when a server time has been seen and agrees with ours (see assistant.sync)."""
        self._server_offset_seen = True

    def is_trusted(self) -> bool:
        return self._server_offset_seen or _kernel_clock_synchronised()


def _kernel_clock_synchronised() -> bool:
    """Whether the kernel says the clock is NTP-synchronised (adjtimex STA_UNSYNC clear).

    A Raspberry Pi has no battery clock: after an offline boot it starts at the last saved time,
    and adjtimex reports it unsynchronised until timesyncd/chrony has set it.
    """
    try:
        import ctypes
        import ctypes.util

        class _Timex(ctypes.Structure):
            _fields_ = [("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
                        ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long),
                        ("status", ctypes.c_int), ("_rest", ctypes.c_byte * 200)]

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        timex = _Timex()
        state = libc.adjtimex(ctypes.byref(timex))
        sta_unsync = 0x0040
        # TIME_ERROR (5) is what an unsynchronised clock reports.
        return state != 5 and not (timex.status & sta_unsync)
    except (OSError, AttributeError) as exc:
        _LOGGER.debug("adjtimex unavailable: %s", exc)
        return False


class FakeClock:
    """A clock that only moves when told to; used by tests, `chat --now` and benchmarks.

    Listeners registered with on_advance() are called after each move with (old, new), so the
    scheduler can fire whatever fell due in between.
    """

    def __init__(self, start: datetime, trusted: bool = True) -> None:
        self._now = start
        self._mono = 0.0
        self._trusted = trusted
        self._lock = threading.Lock()
        self._listeners: List[Callable[[datetime, datetime], None]] = []

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def is_trusted(self) -> bool:
        return self._trusted

    def mark_trusted(self) -> None:
        self._trusted = True

    def set_trusted(self, trusted: bool) -> None:
        self._trusted = trusted

    def on_advance(self, listener: Callable[[datetime, datetime], None]) -> None:
        self._listeners.append(listener)

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by delta (monotonic time too) and notify listeners; returns the new time."""
        if delta < timedelta(0):
            raise ValueError(f"advance: expected a non-negative span, got {delta}")
        with self._lock:
            old = self._now
            self._now = old + delta
            self._mono += delta.total_seconds()
            new = self._now
        for listener in list(self._listeners):
            listener(old, new)
        return new

    def set(self, when: datetime) -> None:
        """Jump the wall clock (either way) without moving monotonic time, as an NTP step does."""
        with self._lock:
            old = self._now
            self._now = when
        for listener in list(self._listeners):
            listener(old, when)


def parse_span(text: str) -> timedelta:
    """Parse a span like '30m', '2h', '1d', '45s' or '1h30m'; raises ValueError saying what is allowed."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    total = 0
    number = ""
    for char in text.strip().lower():
        if char.isdigit():
            number += char
        elif char in units and number:
            total += int(number) * units[char]
            number = ""
        else:
            raise ValueError(f"unknown span {text!r}; expected e.g. 30m, 2h, 1d, 1h30m")
    if number or total == 0:
        raise ValueError(f"unknown span {text!r}; expected e.g. 30m, 2h, 1d, 1h30m")
    return timedelta(seconds=total)
