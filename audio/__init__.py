"""Hearing and speaking: capture, WAV sources/sinks, Vosk recognition, wake word, TTS, playback.

Heavy libraries (vosk, sounddevice, pyttsx3) are imported only by the classes that wrap them,
so importing this package is cheap and works without them.
"""

from __future__ import annotations

import logging

from .errors import AudioError, AudioFormatError, DeviceError, ModelMissingError, SpeechError
from .tts import Speaker, split_sentences
from .wav import Audio, WavFolderSink, WavSource, read_wav, write_wav

_LOGGER = logging.getLogger(__name__)

__all__ = [
    "Audio", "AudioError", "AudioFormatError", "DeviceError", "ModelMissingError", "SpeechError",
    "Speaker", "WavFolderSink", "WavSource", "read_wav", "split_sentences", "write_wav",
]
