"""Hearing and speaking: capture, WAV sources/sinks, Vosk recognition, wake word, TTS, playback.

Heavy libraries (vosk, sounddevice, pyttsx3) are imported only by the classes that wrap them,
so importing this package is cheap and works without them.
"""

from __future__ import annotations

import logging

from .errors import AudioError, AudioFormatError, DeviceError, ModelMissingError, SpeechError
from .recognizer import CommandRecognizer, DecodeMode, Decoder, Heard, SpeechModel, Transcript, choose
from .speaker import LoopTiming, SpeakerLoop, State, answer_phrases, earcon
from .tts import Speaker, split_sentences
from .vocabulary import Grammar, read_vocabulary, split_words
from .wakeword import WakeHit, WakeWordDetector
from .wav import Audio, WavFolderSink, WavSource, read_wav, write_wav

_LOGGER = logging.getLogger(__name__)

__all__ = [
    "Audio", "AudioError", "AudioFormatError", "CommandRecognizer", "DecodeMode", "Decoder", "DeviceError",
    "Grammar", "Heard", "LoopTiming", "ModelMissingError", "Speaker", "SpeakerLoop", "SpeechError",
    "SpeechModel", "State", "Transcript", "WakeHit", "WakeWordDetector", "WavFolderSink", "WavSource",
    "answer_phrases", "choose", "earcon", "read_vocabulary", "read_wav", "split_sentences", "split_words",
    "write_wav",
]
