"""PCM values, WAV files, the WAV source and the WAV-folder sink."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from audio.errors import AudioFormatError
from audio.wav import Audio, WavFolderSink, WavSource, read_wav, write_wav


def _tone(rate: int, seconds: float, channels: int = 1, amplitude: int = 10000) -> Audio:
    t = np.arange(int(rate * seconds)) / rate
    mono = (amplitude * np.sin(2 * np.pi * 440 * t)).astype("<i2")
    data = np.repeat(mono, channels) if channels > 1 else mono
    return Audio(data.tobytes(), rate, 2, channels)


def test_one_second_of_silence_has_the_expected_shape() -> None:
    audio = Audio(bytes(16000 * 2), 16000)
    assert (audio.frames, audio.seconds, audio.rms) == (16000, 1.0, 0.0)


def test_stereo_44k_is_converted_to_16k_mono(tmp_path: Path) -> None:
    write_wav(tmp_path / "t.wav", _tone(44100, 0.5, channels=2))
    audio = read_wav(tmp_path / "t.wav").to_mono16(16000)
    assert (audio.rate, audio.channels, audio.width, audio.frames) == (16000, 1, 2, 8000)
    assert audio.rms == pytest.approx(10000 / np.sqrt(2), rel=0.02)


def test_wav_source_chunks_and_appends_the_tail(tmp_path: Path) -> None:
    write_wav(tmp_path / "t.wav", _tone(8000, 1.0))
    source = WavSource(tmp_path / "t.wav", rate=16000, chunk_seconds=0.25, tail_seconds=0.5)
    chunks = list(source)
    assert [len(c) for c in chunks] == [8000] * 6
    assert chunks[-1] == bytes(8000)  # the appended silence


def test_folder_sink_numbers_its_files(tmp_path: Path) -> None:
    sink = WavFolderSink(tmp_path / "out")
    sink.play(_tone(22050, 0.2))
    sink.play(Audio(bytes(100), 16000))
    assert [p.name for p in sink.files()] == ["0001.wav", "0002.wav"]
    assert read_wav(sink.files()[0]).frames == 4410


def test_scaled_halves_the_loudness() -> None:
    audio = _tone(16000, 0.5)
    assert audio.scaled(0.5).rms == pytest.approx(audio.rms / 2, rel=0.01)


def test_not_a_wav_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "x.wav").write_bytes(b"RIFF" + struct.pack("<I", 4) + b"junk")
    with pytest.raises(AudioFormatError, match="x.wav"):
        read_wav(tmp_path / "x.wav")
