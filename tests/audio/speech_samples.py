"""espeak-ng speech and silence for the audio tests (a uniquely named module, not conftest,
so that `from speech_samples import …` never picks up another folder's conftest)."""

from __future__ import annotations

import subprocess

from audio.wav import Audio

RATE = 16000


def espeak(text: str, voice: str = "ko", wpm: int = 140) -> Audio:
    """Speech for text from the espeak-ng program, as 16 kHz mono."""
    done = subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "--stdout", text],
                          capture_output=True, check=True, timeout=30)
    return Audio.from_wav(done.stdout).to_mono16(RATE)


def silence(seconds: float) -> Audio:
    return Audio(bytes(int(seconds * RATE) * 2), RATE)
