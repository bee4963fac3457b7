"""Microphone input through sounddevice (16 kHz mono int16) and device listing/selection."""

from __future__ import annotations

import logging
import queue
from dataclasses import dataclass
from typing import Any, Iterator, List, Optional

from .errors import DeviceError

_LOGGER = logging.getLogger(__name__)

_READ_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Device:
    """One sound device as PortAudio reports it."""

    index: int
    name: str
    inputs: int
    """Input channels (0 = not a microphone)."""
    outputs: int
    default_rate: int
    """Hz."""

    def to_dict(self) -> dict:
        return {"index": self.index, "name": self.name, "inputs": self.inputs,
                "outputs": self.outputs, "default_rate": self.default_rate}


def list_devices() -> List[Device]:
    """All devices; empty when PortAudio finds no sound card."""
    import sounddevice

    return [
        Device(i, str(d["name"]), int(d["max_input_channels"]), int(d["max_output_channels"]),
               int(d["default_samplerate"]))
        for i, d in enumerate(sounddevice.query_devices())
    ]


def find_device(spec: Optional[str], kind: str) -> Optional[int]:
    """Device index for a name substring or index; None = the system default.

    spec: "2", "USB", or None.
    kind: "input" or "output".
    """
    if spec is None or str(spec).strip() == "":
        return None
    devices = [d for d in list_devices() if (d.inputs if kind == "input" else d.outputs) > 0]
    text = str(spec).strip()
    if text.isdigit():
        for device in devices:
            if device.index == int(text):
                return device.index
    for device in devices:
        if text.lower() in device.name.lower():
            return device.index
    names = ", ".join(f"{d.index}: {d.name}" for d in devices) or "none"
    raise DeviceError(f"no {kind} device matches {spec!r}; {kind} devices: {names}")


def has_microphone(spec: Optional[str] = None) -> bool:
    """True when an input device exists (and matches spec, if given)."""
    try:
        import sounddevice

        if spec is not None:
            find_device(spec, "input")
            return True
        sounddevice.query_devices(kind="input")
        return any(d.inputs > 0 for d in list_devices())
    except Exception as exc:  # no PortAudio, no device: both mean "no microphone"
        _LOGGER.debug("no microphone: %s", exc)
        return False


class MicSource:
    """The microphone as an iterator of 16-bit mono chunks of `chunk_seconds` at `rate` Hz."""

    def __init__(self, device: Optional[str] = None, rate: int = 16000, chunk_seconds: float = 0.1) -> None:
        import sounddevice

        self.rate = rate
        self.width = 2
        self.channels = 1
        self._queue: "queue.Queue[bytes]" = queue.Queue(maxsize=200)
        index = find_device(device, "input")
        try:
            self._stream: Any = sounddevice.RawInputStream(
                samplerate=rate, channels=1, dtype="int16", device=index,
                blocksize=int(rate * chunk_seconds), callback=self._callback)
            self._stream.start()
        except Exception as exc:  # PortAudioError and friends
            raise DeviceError(f"cannot open microphone {device or '(default)'}: {exc}") from exc

    def _callback(self, data: Any, frames: int, time: Any, status: Any) -> None:
        if status:
            _LOGGER.debug("capture status: %s", status)
        try:
            self._queue.put_nowait(bytes(data))
        except queue.Full:  # the consumer is busy (e.g. decoding); drop the oldest audio
            _LOGGER.debug("capture queue full; dropping a chunk")

    def __iter__(self) -> Iterator[bytes]:
        while self._stream.active:
            try:
                yield self._queue.get(timeout=_READ_TIMEOUT_S)
            except queue.Empty:
                _LOGGER.warning("microphone delivered nothing for %.0f s", _READ_TIMEOUT_S)

    def flush(self) -> None:
        """Drop what was heard meanwhile (e.g. while the speaker talked)."""
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def close(self) -> None:
        self._stream.stop()
        self._stream.close()
