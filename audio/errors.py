"""Errors of the audio package; each message says what to do about it."""

from __future__ import annotations

import logging

_LOGGER = logging.getLogger(__name__)


class AudioError(Exception):
    """Base class for audio errors."""


class ModelMissingError(AudioError):
    """No usable speech model; the message names the fetch command."""


class DeviceError(AudioError):
    """A sound device is missing or cannot be opened; the message lists what exists."""


class SpeechError(AudioError):
    """No text-to-speech engine produced audio."""


class AudioFormatError(AudioError):
    """A WAV file cannot be read or has an unsupported sample format."""
