"""Loudspeaker output through sounddevice, in short blocks so stop() takes effect at once."""

from __future__ import annotations

import logging
import threading
from typing import Any, Optional, Protocol

import numpy as np

from .errors import DeviceError
from .wav import Audio

_LOGGER = logging.getLogger(__name__)

_BLOCK_SECONDS = 0.05


class Player(Protocol):
    """Anything that can play Audio: the sound card or a WavFolderSink."""

    def play(self, audio: Audio) -> None:
        """Play and return when done or stopped."""

    def stop(self) -> None:
        """Cut the current sound short (thread-safe)."""


class SoundDevicePlayer:
    """Plays on an output device (None = default) at the device's own rate."""

    def __init__(self, device: Optional[str] = None) -> None:
        import sounddevice  # heavy optional library: imported by the class that wraps it

        from .capture import find_device

        self._sd: Any = sounddevice
        self._device = find_device(device, "output")
        try:
            info = sounddevice.query_devices(self._device, "output")
        except Exception as exc:  # sounddevice raises bare Exception/ValueError/PortAudioError
            raise DeviceError(f"no loudspeaker ({exc}); use --out FILE.wav or --output-dir DIR") from exc
        self.rate = int(info["default_samplerate"])
        self._stop = threading.Event()

    def play(self, audio: Audio) -> None:
        self._stop.clear()
        samples = np.frombuffer(audio.to_mono16(self.rate).pcm, dtype="<i2")
        block = int(self.rate * _BLOCK_SECONDS)
        try:
            with self._sd.RawOutputStream(samplerate=self.rate, channels=1, dtype="int16",
                                          device=self._device) as stream:
                for start in range(0, samples.size, block):
                    if self._stop.is_set():
                        break
                    stream.write(samples[start:start + block].tobytes())
        except self._sd.PortAudioError as exc:
            raise DeviceError(f"loudspeaker failed: {exc}") from exc

    def stop(self) -> None:
        self._stop.set()
