"""PCM audio values, WAV files, and the WAV source and WAV-folder sink that stand in for a sound card."""

from __future__ import annotations

import io
import logging
import threading
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Union

import numpy as np

from .errors import AudioFormatError

_LOGGER = logging.getLogger(__name__)

PathLike = Union[str, Path]


@dataclass(frozen=True)
class Audio:
    """A block of little-endian signed PCM."""

    pcm: bytes
    rate: int
    """Samples per second per channel (Hz)."""
    width: int = 2
    """Bytes per sample (1, 2 or 4)."""
    channels: int = 1

    @property
    def frames(self) -> int:
        return len(self.pcm) // (self.width * self.channels)

    @property
    def seconds(self) -> float:
        return self.frames / self.rate if self.rate else 0.0

    @property
    def rms(self) -> float:
        """Root mean square of the samples on the int16 scale (0–32767); 0 for silence."""
        samples = self.to_mono16(self.rate).samples()
        return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if samples.size else 0.0

    def samples(self) -> np.ndarray:
        """Interleaved samples as int16 (width 2 only)."""
        if self.width != 2:
            raise AudioFormatError(f"samples(): expected width 2, got {self.width}")
        return np.frombuffer(self.pcm, dtype="<i2")

    def to_mono16(self, rate: int) -> "Audio":
        """The same sound as 16-bit mono at `rate` Hz (channels averaged, linear resampling)."""
        if self.width == 2 and self.channels == 1 and self.rate == rate:
            return self
        data = _as_float(self.pcm, self.width).reshape(-1, self.channels).mean(axis=1)
        if self.rate != rate and data.size:
            count = max(1, int(round(data.size * rate / self.rate)))
            positions = np.arange(count) * (self.rate / rate)
            data = np.interp(positions, np.arange(data.size), data)
        pcm = np.clip(np.round(data * 32767.0), -32768, 32767).astype("<i2").tobytes()
        return Audio(pcm, rate, 2, 1)

    def scaled(self, gain: float) -> "Audio":
        """Volume changed by `gain` (0.0–1.0 makes it quieter); 16-bit only."""
        samples = self.samples().astype(np.float64) * gain
        return Audio(np.clip(samples, -32768, 32767).astype("<i2").tobytes(), self.rate, 2, self.channels)

    def to_wav(self) -> bytes:
        buf = io.BytesIO()
        with wave.open(buf, "wb") as out:
            out.setnchannels(self.channels)
            out.setsampwidth(self.width)
            out.setframerate(self.rate)
            out.writeframes(self.pcm)
        return buf.getvalue()

    @staticmethod
    def from_wav(data: bytes, name: str = "<bytes>") -> "Audio":
        """Parse WAV bytes; AudioFormatError names the file when it is not PCM WAV."""
        try:
            with wave.open(io.BytesIO(data), "rb") as src:
                return Audio(src.readframes(src.getnframes()), src.getframerate(),
                             src.getsampwidth(), src.getnchannels())
        except (wave.Error, EOFError) as exc:
            raise AudioFormatError(f"{name}: not a PCM WAV file ({exc})") from exc

    @staticmethod
    def concat(parts: List["Audio"], rate: int) -> "Audio":
        """16-bit mono at `rate` made of all parts in order."""
        return Audio(b"".join(p.to_mono16(rate).pcm for p in parts), rate, 2, 1)


def _as_float(pcm: bytes, width: int) -> np.ndarray:
    if width == 1:
        return (np.frombuffer(pcm, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    if width == 2:
        return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0
    if width == 4:
        return np.frombuffer(pcm, dtype="<i4").astype(np.float64) / 2147483648.0
    raise AudioFormatError(f"unsupported sample width {width} bytes; expected 1, 2 or 4")


def read_wav(path: PathLike) -> Audio:
    """Read a WAV file; AudioFormatError with the path when it is missing or not PCM."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise AudioFormatError(f"{path}: {exc.strerror or exc}") from exc
    return Audio.from_wav(data, str(path))


def write_wav(path: PathLike, audio: Audio) -> None:
    Path(path).write_bytes(audio.to_wav())


class WavSource:
    """A WAV file as a microphone: yields 16-bit mono chunks at `rate`, as fast as they are read.

    Any rate and channel count is accepted and converted. Silence of `tail_seconds` is
    appended so that the recogniser's endpointing sees the end of the last utterance.
    """

    def __init__(self, path: PathLike, rate: int = 16000, chunk_seconds: float = 0.1,
                 tail_seconds: float = 1.0) -> None:
        self.path = Path(path)
        self.rate = rate
        self.width = 2
        self.channels = 1
        self.chunk_seconds = chunk_seconds
        audio = read_wav(self.path).to_mono16(rate)
        self._pcm = audio.pcm + bytes(int(tail_seconds * rate) * 2)

    @property
    def seconds(self) -> float:
        return len(self._pcm) / (2 * self.rate)

    def __iter__(self) -> Iterator[bytes]:
        step = max(2, int(self.chunk_seconds * self.rate) * 2)
        for start in range(0, len(self._pcm), step):
            yield self._pcm[start:start + step]

    def flush(self) -> None:
        """Nothing is buffered in a file source (a microphone drops what it heard meanwhile)."""

    def close(self) -> None:
        """Nothing to release."""


class WavFolderSink:
    """A loudspeaker that writes each played sound to `folder/0001.wav`, `0002.wav`, …"""

    def __init__(self, folder: PathLike) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._count = len(list(self.folder.glob("*.wav")))

    def play(self, audio: Audio) -> None:
        with self._lock:
            self._count += 1
            path = self.folder / f"{self._count:04d}.wav"
        write_wav(path, audio)
        _LOGGER.debug("wrote %s (%.2f s)", path, audio.seconds)

    def stop(self) -> None:
        """Writing a file cannot be cut short; nothing to do."""

    def files(self) -> List[Path]:
        return sorted(self.folder.glob("*.wav"))
