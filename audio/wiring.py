"""Where the speaker's parts come from: the speech model's folder, the sound source, the sink.

Shared by the subcommands (audio.commands) and the speaker (audio.runner), so neither imports
the other's internals: commands → runner → wiring, never back.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from assistant.config import Settings

_LOGGER = logging.getLogger(__name__)


def model_path(args: argparse.Namespace, settings: Settings) -> Path:
    """--model DIR, else MODEL_DIR/vosk-model-small-cn-0.22."""
    from models import DEFAULT_MODEL

    return Path(args.model) if getattr(args, "model", None) else settings.model_dir / DEFAULT_MODEL


def open_source(args: argparse.Namespace, settings: Settings) -> Any:
    """The WAV file of --input-wav, else the configured microphone."""
    if getattr(args, "input_wav", None):
        from .wav import WavSource

        return WavSource(args.input_wav, rate=settings.audio.rate)
    from .capture import MicSource

    return MicSource(settings.audio.input_device, rate=settings.audio.rate)


def open_sink(args: argparse.Namespace, settings: Settings) -> Any:
    """A WAV folder for --output-dir, else the configured loudspeaker (DeviceError if none)."""
    if getattr(args, "output_dir", None):
        from .wav import WavFolderSink

        return WavFolderSink(args.output_dir)
    return loudspeaker(settings)


def loudspeaker(settings: Settings) -> Any:
    """The configured loudspeaker (DeviceError if there is none)."""
    from .playback import SoundDevicePlayer

    return SoundDevicePlayer(settings.audio.output_device)
