"""systemd readiness and watchdog (sd_notify) over $NOTIFY_SOCKET, without extra dependencies."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Callable, Dict, Mapping, Optional, Tuple

_LOGGER = logging.getLogger(__name__)


def notify(state: str, env: Optional[Mapping[str, str]] = None) -> bool:
    """Send one sd_notify datagram, e.g. "READY=1" or "WATCHDOG=1"; False when not under systemd.

    state: newline-separated KEY=VALUE assignments (see sd_notify(3)).
    env: environment to read NOTIFY_SOCKET from (os.environ when None).

    NOTIFY_SOCKET is a filesystem path, or an abstract socket name written with a leading "@"
    (systemd uses the abstract form for some services); the "@" becomes a NUL byte.
    """
    address = (os.environ if env is None else env).get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(state.encode("utf-8"))
    except OSError as exc:
        # Never let the service die because the notification could not be sent.
        _LOGGER.warning("sd_notify %r to %r failed: %s", state, address, exc)
        return False
    return True


def watchdog_seconds(env: Optional[Mapping[str, str]] = None, pid: Optional[int] = None) -> Optional[float]:
    """The watchdog interval systemd asks for (WatchdogSec=), in seconds; None when not enabled.

    env: environment (os.environ when None); pid: our process id (os.getpid() when None).
    WATCHDOG_PID, when set, must name this process (a child must not ping for its parent).
    """
    env = os.environ if env is None else env
    usec = env.get("WATCHDOG_USEC", "")
    owner = env.get("WATCHDOG_PID", "")
    if owner and owner != str(os.getpid() if pid is None else pid):
        return None
    try:
        value = int(usec)
    except ValueError:
        return None
    return value / 1_000_000 if value > 0 else None


class Watchdog:
    """Pings systemd only while every registered part of the device shows signs of life.

    A thread that pinged on its own would keep a hung speaker alive for ever. Instead each loop
    that matters calls beat(name) as it goes round — the capture loop for every audio chunk,
    the dialog thread each time its queue wait returns — and tick() sends WATCHDOG=1 only when
    every part has beaten within the last `stale_seconds`. If the dialog thread hangs, the pings
    stop and systemd restarts the service after WatchdogSec (Restart=always).

    parts: the names that must keep beating, e.g. ("capture", "dialog").
    env: environment (os.environ when None), read once here.
    monotonic: seconds that never jump (time.monotonic in production; tests pass their own).
    """

    def __init__(
        self,
        parts: Tuple[str, ...] = (),
        env: Optional[Mapping[str, str]] = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._env: Dict[str, str] = dict(os.environ if env is None else env)
        self._monotonic = monotonic
        self.interval = watchdog_seconds(self._env)
        """WatchdogSec in seconds, or None when systemd did not enable the watchdog."""
        self.stale_seconds = self.interval / 2 if self.interval else 30.0
        """A part that has not beaten for this long counts as hung."""
        now = monotonic()
        self._beats: Dict[str, float] = {name: now for name in parts}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    @property
    def enabled(self) -> bool:
        return bool(self._env.get("NOTIFY_SOCKET"))

    def ready(self, status: str = "") -> bool:
        """Tell systemd start-up is complete (Type=notify); call once the speaker can listen."""
        message = "READY=1" + (f"\nSTATUS={status}" if status else "")
        return notify(message, self._env)

    def status(self, text: str) -> bool:
        """Free-form status line shown by `systemctl status`, e.g. "listening"."""
        return notify(f"STATUS={text}", self._env)

    def stopping(self) -> bool:
        """Tell systemd we are shutting down on purpose."""
        return notify("STOPPING=1", self._env)

    def beat(self, part: str) -> None:
        """Record that `part` is alive now; cheap enough to call for every audio chunk."""
        with self._lock:
            self._beats[part] = self._monotonic()

    def stale_parts(self) -> Tuple[str, ...]:
        """Names of the parts that have not beaten within stale_seconds, sorted."""
        now = self._monotonic()
        with self._lock:
            return tuple(sorted(n for n, t in self._beats.items() if now - t > self.stale_seconds))

    def tick(self) -> bool:
        """Send WATCHDOG=1 if every part is alive; returns whether a ping was sent."""
        stale = self.stale_parts()
        if stale:
            _LOGGER.error("watchdog: no sign of life from %s; letting systemd restart us", ", ".join(stale))
            return False
        return notify("WATCHDOG=1", self._env)

    def start(self) -> None:
        """Run tick() in a daemon thread every interval/3 seconds (nothing when not enabled)."""
        if not self.interval or not self.enabled or self._thread is not None:
            return
        period = self.interval / 3
        self._thread = threading.Thread(target=self._run, args=(period,), name="watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self, period: float) -> None:
        while not self._stop.wait(period):
            self.tick()
