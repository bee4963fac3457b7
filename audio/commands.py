"""Audio subcommands of `python -m assistant`: devices, transcribe, say, listen, models, run."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any, List, Optional, Sequence

from assistant.config import Settings

from .errors import AudioError
from .wiring import loudspeaker, model_path, open_source

_LOGGER = logging.getLogger(__name__)

_INSTALL_HINT = "pip install .[audio]"


def register(subparsers: Any) -> None:
    """Add devices, transcribe, say, listen, models and run."""
    devices = subparsers.add_parser("devices", help="List sound devices (one JSON object per line)")
    devices.set_defaults(func=_guard(_cmd_devices))

    transcribe = subparsers.add_parser("transcribe", help="Recognise the speech in a WAV file")
    transcribe.add_argument("wav", type=Path, metavar="FILE.wav")
    transcribe.add_argument("--grammar", action="store_true",
                            help="Also decode with the command grammar and pick the better result")
    transcribe.add_argument("--phrases", type=Path, help="Grammar phrases, one per line (default: the NLU's)")
    _model_option(transcribe)
    transcribe.set_defaults(func=_guard(_cmd_transcribe))

    say = subparsers.add_parser("say", help="Speak TEXT in Mandarin (--dry-run: what the engine is given)")
    say.add_argument("text", metavar="TEXT", nargs="+", help="One or more texts, said in turn")
    say.add_argument("--out", type=Path, metavar="FILE.wav", help="Write a WAV file instead of playing")
    say.add_argument("--dry-run", action="store_true",
                     help="Play and write nothing; print one JSON line per TEXT: text, voice, input (what "
                          "the engine is given), phonemes (espeak-ng -q -x), fallbacks (words read with "
                          "another language's rules), seconds (estimated at the configured rate)")
    say.set_defaults(func=_guard(_cmd_say))

    listen = subparsers.add_parser("listen", help="Print live transcripts from the microphone")
    listen.add_argument("--input-wav", type=Path, metavar="FILE", help="Read this WAV instead of the mic")
    _model_option(listen)
    listen.set_defaults(func=_guard(_cmd_listen))

    models = subparsers.add_parser("models", help="List or download speech models")
    models_sub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    models_sub.add_parser("list", help="Known models and whether they are installed").set_defaults(
        func=_guard(_cmd_models_list))
    fetch = models_sub.add_parser("fetch", help="Download, verify and unpack a model")
    fetch.add_argument("name", metavar="NAME")
    fetch.add_argument("--force", action="store_true", help="Download again even if installed")
    fetch.set_defaults(func=_guard(_cmd_models_fetch))

    run = subparsers.add_parser("run", help="The speaker: wake phrase → listen → answer (falls back to chat)")
    run.add_argument("--input-wav", type=Path, metavar="FILE", help="Read this WAV instead of the microphone")
    run.add_argument("--output-dir", type=Path, metavar="DIR", help="Write answers as WAV files to DIR")
    run.add_argument("--db", type=Path, help="Store file (default: DATA_DIR/assistant.db)")
    run.add_argument("--gpio", type=int, metavar="PIN", help="Push-to-talk button on this GPIO pin (Pi)")
    _model_option(run)
    run.set_defaults(func=_guard(_cmd_run))


def _model_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, metavar="DIR",
                        help="Unpacked Vosk model (default: MODEL_DIR/vosk-model-small-cn-0.22)")


def _guard(fn: Any) -> Any:
    """Turn the package errors (missing model, device, engine) into a message and exit code 1."""

    def run(args: argparse.Namespace, settings: Settings) -> int:
        from models import ModelsError

        try:
            return int(fn(args, settings))
        except (AudioError, ModelsError) as exc:
            print(f"错误 / error: {exc}", file=sys.stderr)
            return 1
        except ImportError as exc:
            print(f"错误 / error: {exc.name or exc} is not installed; {_INSTALL_HINT}", file=sys.stderr)
            return 1

    run.__name__ = fn.__name__
    return run


def _print(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def _cmd_devices(args: argparse.Namespace, settings: Settings) -> int:
    from .capture import list_devices

    try:
        devices = list_devices()
    except OSError as exc:  # PortAudio library missing
        print(f"no sound system: {exc}; sudo apt install libportaudio2", file=sys.stderr)
        return 1
    for device in devices:
        _print(device.to_dict())
    if not devices:
        print("no sound devices found (PortAudio sees no sound card); use --input-wav / --output-dir",
              file=sys.stderr)
    return 0


def _grammar_phrases(path: Optional[Path]) -> List[str]:
    if path is not None:
        with open(path, encoding="utf-8") as handle:
            return [line.strip() for line in handle if line.strip() and not line.startswith("#")]
    from intents import grammar_phrases

    return list(grammar_phrases())


def _cmd_transcribe(args: argparse.Namespace, settings: Settings) -> int:
    from .recognizer import CommandRecognizer, SpeechModel
    from .wav import WavSource

    source = WavSource(args.wav, rate=settings.audio.rate)
    model = SpeechModel.load(model_path(args, settings))
    grammar = None
    if args.grammar:
        grammar = model.grammar(_grammar_phrases(args.phrases))
        print(f"grammar: {len(grammar.phrases)} phrases; not in the model's vocabulary: "
              f"{' '.join(grammar.dropped[:30]) or 'nothing'}", file=sys.stderr)
        if not grammar.phrases:
            print("grammar: no phrase survives; decoding open only", file=sys.stderr)
    # With the user's own phrases the NLU cannot judge them: confidence alone decides.
    intent_of = None if args.phrases else _intent_of(settings)
    recognizer = CommandRecognizer(model, source.rate, grammar, intent_of)
    for chunk in source:
        heard = recognizer.accept(chunk)
        if heard is not None:
            _print_heard(heard)
    last = recognizer.finish()
    if last is not None:
        _print_heard(last)
    return 0


def _print_heard(heard: Any) -> None:
    _print({"text": heard.text, "alternatives": list(heard.alternatives),
            "confidence": round(heard.confidence, 3), "mode": heard.mode.value})


def _intent_of(settings: Settings, catalog: Any = None) -> Any:
    try:
        from intents import parse
    except ImportError:
        return None
    from assistant.clock import SystemClock

    clock = SystemClock(always_trusted=True)

    def intent_of(text: str) -> Optional[str]:
        return str(parse(text, clock.now(), catalog() if callable(catalog) else catalog).intent.value)

    return intent_of


def _cmd_say(args: argparse.Namespace, settings: Settings) -> int:
    if args.dry_run:
        return _say_dry_run(args.text, settings)
    from .tts import OUTPUT_RATE, Speaker
    from .wav import Audio

    speaker = Speaker(settings.voice, sink=_file_sink(args.out) if args.out else loudspeaker(settings))
    if args.out:
        audio = Audio.concat([speaker.synthesize_audio(text) for text in args.text], OUTPUT_RATE)
        args.out.write_bytes(audio.to_wav())
        return 0
    for text in args.text:
        speaker.speak(text)
    return 0


def _say_dry_run(texts: Sequence[str], settings: Settings) -> int:
    """One JSON line per text: what the engine would be given and what espeak-ng makes of it."""
    from .phonemes import fallbacks, phonemize
    from .pronounce import FrontEnd, seconds

    front = FrontEnd.for_voice(settings.voice.voice)
    spoken = [front.prepare(text) for text in texts]
    phonemes = phonemize([s.input for s in spoken], front.engine_voice, front.spec.reads)
    for said, phones in zip(spoken, phonemes, strict=True):
        _print({"text": said.text, "voice": front.engine_voice, "input": said.input, "phonemes": phones,
                "fallbacks": fallbacks(phones, front.spec.lang),
                "seconds": seconds(said, settings.voice.rate)})
    return 0


class _FileSink:
    def __init__(self, path: Path) -> None:
        self.path = path

    def play(self, audio: Any) -> None:
        self.path.write_bytes(audio.to_wav())

    def stop(self) -> None:
        """Nothing to cut short."""


def _file_sink(path: Path) -> _FileSink:
    return _FileSink(path)


def _cmd_listen(args: argparse.Namespace, settings: Settings) -> int:
    from .recognizer import CommandRecognizer, SpeechModel

    model = SpeechModel.load(model_path(args, settings))
    source = open_source(args, settings)
    recognizer = CommandRecognizer(model, source.rate, None)
    print("listening… (Ctrl+C to stop)", file=sys.stderr)
    try:
        for chunk in source:
            heard = recognizer.accept(chunk)
            if heard is not None:
                _print_heard(heard)
        last = recognizer.finish()
        if last is not None:
            _print_heard(last)
    finally:
        source.close()
    return 0


def _cmd_models_list(args: argparse.Namespace, settings: Settings) -> int:
    from models import Catalog, is_model_dir

    for info in Catalog.load().models:
        row = info.to_dict()
        row["installed"] = is_model_dir(settings.model_dir / info.name)
        row["path"] = str(settings.model_dir / info.name)
        _print(row)
    return 0


def _cmd_models_fetch(args: argparse.Namespace, settings: Settings) -> int:
    from models import Catalog, fetch, text_progress

    info = Catalog.load().get(args.name)
    size = f"~{info.approx_mb} MB" if info.approx_mb else "unknown size"
    print(f"fetching {info.name} ({size}) from {info.url} into {settings.model_dir}", file=sys.stderr)
    result = fetch(info, settings.model_dir, progress=text_progress(), force=args.force)
    _print({"name": info.name, "path": str(result.path), "downloaded_bytes": result.downloaded_bytes,
            "resumed_from": result.resumed_from, "size_bytes": result.size_bytes, "sha256": result.sha256})
    return 0


def _cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from .runner import run_speaker

    return run_speaker(args, settings)


__all__: Sequence[str] = ["register", "model_path"]
