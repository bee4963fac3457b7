"""Device self-check (`python -m assistant doctor`): a checklist a volunteer can act on."""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, TextIO, Tuple

from .clock import Clock, SystemClock
from .config import Settings

_LOGGER = logging.getLogger(__name__)

TOKEN_FILE_NAME = "device_token"
"""The pairing token in settings.data_dir, mode 0600; written by the sync client when paired."""
CHINESE_MODEL = "vosk-model-small-cn-0.22"
"""The Chinese model fetched by `python -m assistant models fetch`, unless the catalog names another."""
_MODEL_FILES = (
    ("am/final.mdl",), ("conf/model.conf", "conf/mfcc.conf"), ("graph/HCLr.fst", "graph/HCLG.fst"),
)
"""Files Vosk needs, each with its alternatives (small models ship HCLr/Gr, big ones HCLG)."""
_DISK_FAIL_BYTES = 100 * 1024 * 1024
_DISK_WARN_BYTES = 500 * 1024 * 1024
_TEMP_WARN_C = 70.0
_TEMP_FAIL_C = 80.0


class Status(str, Enum):
    """Outcome of one check; the value is the JSON string."""

    OK = "ok"
    WARN = "warn"
    """Works, but a volunteer should look at it."""
    FAIL = "fail"
    SKIP = "skip"
    """Could not be checked here (no such hardware, nothing configured); the detail says why."""


@dataclass(frozen=True)
class CheckResult:
    """One line of the checklist."""

    name: str
    """Check id: microphone, loudspeaker, model, voice, store, server, pairing, clock, disk, temperature,
    sync."""
    status: Status
    detail: str
    """What was found, Chinese / English."""
    fix: str = ""
    """What to do about it, Chinese / English; empty when OK."""
    critical: bool = False
    """A failure the senior would notice (cannot hear, cannot answer, loses data): exit code 1."""
    spoken: str = ""
    """Short Chinese phrase for the spoken summary, e.g. "没有找到麦克风"."""

    @property
    def title(self) -> str:
        zh, en = _TITLES[self.name]
        return f"{zh} {en}"

    def to_dict(self) -> Dict[str, Any]:
        return {"name": self.name, "status": self.status.value, "detail": self.detail, "fix": self.fix,
                "critical": self.critical, "spoken": self.spoken}


_TITLES: Dict[str, Tuple[str, str]] = {
    "microphone": ("麦克风", "microphone"),
    "loudspeaker": ("扬声器", "loudspeaker"),
    "model": ("语音识别模型", "speech model"),
    "voice": ("语音合成", "TTS voice"),
    "store": ("本地数据", "local store"),
    "server": ("社区服务器", "community server"),
    "pairing": ("设备配对", "pairing"),
    "clock": ("时钟", "clock"),
    "disk": ("存储空间", "disk space"),
    "temperature": ("CPU 温度", "CPU temperature"),
    "sync": ("同步", "sync"),
}


@dataclass(frozen=True)
class SoundDevice:
    """One PortAudio device as sounddevice lists it."""

    index: int
    name: str
    inputs: int
    """max_input_channels"""
    outputs: int
    """max_output_channels"""
    default_input: bool = False
    default_output: bool = False


@dataclass(frozen=True)
class Probes:
    """The edges the checks read; tests replace the sound devices, clock and thermal folder.

    list_devices: returns the sound devices, or raises RuntimeError saying why it cannot.
    """

    list_devices: Callable[[], Sequence[SoundDevice]] = field(default=lambda: _portaudio_devices())
    clock: Optional[Clock] = None
    """None → SystemClock per settings.clock_trust."""
    thermal_dir: Path = Path("/sys/class/thermal")
    espeak: str = "espeak-ng"
    timeout: float = 3.0
    """Seconds allowed for the server request."""
    input_wav: Optional[Path] = None
    """A WAV file standing in for the microphone, as `run --input-wav FILE` uses."""
    output_dir: Optional[Path] = None
    """A folder receiving answers as WAV files instead of the loudspeaker (`run --output-dir DIR`)."""


def _portaudio_devices() -> List[SoundDevice]:
    try:
        import sounddevice
    except (ImportError, OSError) as exc:  # OSError: libportaudio2 missing
        raise RuntimeError(f"sounddevice/PortAudio unavailable: {exc}") from exc
    try:
        raw = sounddevice.query_devices()
        default_in, default_out = sounddevice.default.device
    except Exception as exc:  # PortAudioError and friends; the check reports it
        raise RuntimeError(f"PortAudio query failed: {exc}") from exc
    return [SoundDevice(index=int(d["index"]), name=str(d["name"]), inputs=int(d["max_input_channels"]),
                        outputs=int(d["max_output_channels"]), default_input=int(d["index"]) == default_in,
                        default_output=int(d["index"]) == default_out) for d in raw]


def _pick_device(
    devices: Sequence[SoundDevice], wanted: Optional[str], inputs: bool
) -> Optional[SoundDevice]:
    usable = [d for d in devices if (d.inputs if inputs else d.outputs) > 0]
    if wanted is None:
        default = [d for d in usable if (d.default_input if inputs else d.default_output)]
        return (default or usable or [None])[0]
    if wanted.strip().isdigit():
        return next((d for d in usable if d.index == int(wanted)), None)
    return next((d for d in usable if wanted.lower() in d.name.lower()), None)


def _check_wav_stand_in(probes: Probes, inputs: bool) -> Optional[CheckResult]:
    """The WAV source / WAV folder sink given on the command line, like `run`; None when none."""
    if inputs and probes.input_wav is not None:
        try:
            from audio.wav import read_wav

            audio = read_wav(probes.input_wav)
        except Exception as exc:  # AudioFormatError, or audio/ not importable
            return CheckResult("microphone", Status.FAIL, f"WAV 文件不能用 / WAV source unusable: {exc}",
                               "给出一个 PCM WAV 文件 / pass a PCM WAV file to --input-wav", critical=True,
                               spoken="录音文件不能用")
        return CheckResult("microphone", Status.OK, f"WAV 文件代替麦克风 / WAV source {probes.input_wav} "
                           f"({audio.seconds:.1f} s, {audio.rate} Hz)")
    if not inputs and probes.output_dir is not None:
        if _writable_dir(probes.output_dir):
            return CheckResult("loudspeaker", Status.OK,
                               f"WAV 文件夹代替扬声器 / WAV sink {probes.output_dir}")
        return CheckResult("loudspeaker", Status.FAIL, f"文件夹不可写 / not writable: {probes.output_dir}",
                           "换一个可写的 --output-dir / pass a writable --output-dir", critical=True,
                           spoken="回答文件夹不可写")
    return None


def check_sound(settings: Settings, probes: Probes, inputs: bool) -> CheckResult:
    """The microphone (inputs=True) or the loudspeaker is there and matches the configuration."""
    name = "microphone" if inputs else "loudspeaker"
    wanted = settings.audio.input_device if inputs else settings.audio.output_device
    key = "audio.input_device" if inputs else "audio.output_device"
    what_zh = "麦克风" if inputs else "扬声器"
    tool = "arecord -l" if inputs else "aplay -l"
    stand_in = _check_wav_stand_in(probes, inputs)
    if stand_in is not None:
        return stand_in
    try:
        devices = probes.list_devices()
    except RuntimeError as exc:
        return CheckResult(name, Status.FAIL, f"无法查询声音设备 / cannot list sound devices: {exc}",
                           "sudo apt-get install libportaudio2; pip install '.[audio]'", critical=True,
                           spoken=f"{what_zh}无法使用")
    device = _pick_device(devices, wanted, inputs)
    if device is not None:
        return CheckResult(name, Status.OK, f"{device.name} (#{device.index})")
    if wanted is None or not any((d.inputs if inputs else d.outputs) for d in devices):
        found = f"没有找到{what_zh} / no {'input' if inputs else 'output'} device"
        fix = (f"插上 USB {what_zh}（或 ReSpeaker 板）后重启；用 `{tool}` 确认系统能看到它 / "
               f"plug in a USB {name} (or the ReSpeaker HAT), reboot, check with `{tool}`")
        return CheckResult(name, Status.FAIL, found, fix, critical=True, spoken=f"没有找到{what_zh}")
    names = ", ".join(f"{d.name} (#{d.index})" for d in devices if (d.inputs if inputs else d.outputs))
    return CheckResult(name, Status.FAIL, f"配置的{what_zh} {wanted!r} 不存在 / configured {key} "
                       f"{wanted!r} not found; available: {names}",
                       f"在 config.toml 里把 {key} 改成上面列出的名字之一 / set {key} to one of the listed "
                       "names (`python -m assistant devices`)", critical=True, spoken=f"{what_zh}设置不对")


def _catalog_chinese_models() -> List[str]:
    """Chinese models of models/catalog.json, the catalog's default first; [] when it cannot be read."""
    try:
        from models import Catalog

        catalog = Catalog.load()
    except Exception as exc:  # any catalog trouble only means: fall back to CHINESE_MODEL
        _LOGGER.debug("model catalog unavailable: %s", exc)
        return []
    names = [m.name for m in catalog.models if m.lang == "zh"]
    return sorted(names, key=lambda n: n != catalog.default)


def check_model(settings: Settings, probes: Probes) -> CheckResult:
    """The Chinese Vosk model is unpacked in model_dir with the files Vosk loads, and vosk imports."""
    candidates = list(dict.fromkeys([CHINESE_MODEL, *_catalog_chinese_models()]))
    fetch = f"python -m assistant models fetch {CHINESE_MODEL}"
    present = [settings.model_dir / n for n in candidates if (settings.model_dir / n).is_dir()]
    if not present:
        return CheckResult("model", Status.FAIL, f"{settings.model_dir} 里没有中文模型 / no Chinese model in "
                           f"{settings.model_dir}", f"联网后运行 / when online run: {fetch}", critical=True,
                           spoken="缺少中文语音模型")
    folder = present[0]
    missing = [alts[0] for alts in _MODEL_FILES if not any((folder / a).is_file() for a in alts)]
    if missing:
        return CheckResult("model", Status.FAIL, f"{folder.name} 不完整 / incomplete, missing: "
                           f"{', '.join(missing)}", f"删除 {folder} 后重新下载 / delete it and run: {fetch}",
                           critical=True, spoken="中文语音模型不完整")
    if importlib.util.find_spec("vosk") is None:
        return CheckResult("model", Status.FAIL, "没有安装 vosk / the vosk package is not installed",
                           "pip install vosk", critical=True, spoken="语音识别程序没有安装")
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return CheckResult("model", Status.OK, f"{folder.name} ({size / 1e6:.0f} MB)")


def check_voice(settings: Settings, probes: Probes) -> CheckResult:
    """espeak-ng can synthesise the voice the engines get for the configured one (cmn → the
    cmn-latn-pinyin voice, given the pronunciation front end's pinyin); pyttsx3 imports."""
    voice, said = settings.voice.voice, "你好"
    exe = shutil.which(probes.espeak)
    if exe is None:
        return CheckResult("voice", Status.FAIL, "没有安装 espeak-ng / espeak-ng not installed",
                           "sudo apt-get install espeak-ng", critical=True, spoken="不能说话，缺少语音合成")
    try:
        from audio.pronounce import FrontEnd

        front = FrontEnd.for_voice(voice)
        voice, said = front.engine_voice, front.input_for(said)
    except ImportError:  # no audio package: check the configured voice as it is
        pass
    except Exception as exc:  # the voice's input is not declared (audio/data/voices.yaml)
        return CheckResult("voice", Status.FAIL, f"语音 {voice} 未登记 / {exc}",
                           "把 voice.voice 设为 cmn / set voice.voice = cmn", critical=True,
                           spoken="语音设置有误")
    try:
        done = subprocess.run([exe, "-v", voice, "--stdout", said], capture_output=True, timeout=20,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return CheckResult("voice", Status.FAIL, f"espeak-ng 运行失败 / failed: {exc}",
                           "sudo apt-get install --reinstall espeak-ng", critical=True, spoken="语音合成出错")
    if done.returncode != 0 or len(done.stdout) <= 44:  # 44 = an empty WAV header
        error = done.stderr.decode("utf-8", "replace").strip()
        return CheckResult("voice", Status.FAIL, f"espeak-ng 没有 {voice} 语音 / no voice {voice!r}: {error}",
                           "sudo apt-get install espeak-ng-data; 或把 voice.voice 设为 cmn / or set "
                           "voice.voice = cmn", critical=True, spoken="缺少普通话语音")
    if importlib.util.find_spec("pyttsx3") is None:
        return CheckResult("voice", Status.WARN, f"espeak-ng {voice} 可用，但没有 pyttsx3 / works, pyttsx3 "
                           "missing", "pip install pyttsx3", spoken="语音合成组件不全")
    return CheckResult("voice", Status.OK, f"espeak-ng -v {voice} + pyttsx3")


def check_store(settings: Settings, probes: Probes) -> CheckResult:
    """The SQLite store opens read-only and passes PRAGMA integrity_check."""
    path = settings.db_path
    if not path.exists():
        if _writable_dir(settings.data_dir):
            return CheckResult("store", Status.OK, f"尚未创建，首次启动时创建 / not created yet: {path}")
        return CheckResult("store", Status.FAIL,
                           f"数据目录不可写 / data dir not writable: {settings.data_dir}",
                           f"sudo chown -R yuechao: {settings.data_dir}", critical=True,
                           spoken="数据无法保存")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            rows = connection.execute("PRAGMA integrity_check").fetchall()
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        rows = [(f"{exc}",)]
    verdict = "; ".join(str(r[0]) for r in rows[:3])
    if verdict != "ok":
        return CheckResult("store", Status.FAIL, f"数据库损坏 / store damaged: {verdict}",
                           "停止服务，把该文件改名保存后重启（会从服务器重新同步）/ stop the service, move "
                           f"{path} aside, start again (sync refills it)", critical=True,
                           spoken="本地数据损坏")
    if not os.access(path, os.W_OK):
        return CheckResult("store", Status.FAIL, f"数据库只读 / store is read-only: {path}",
                           f"sudo chown yuechao: {path}", critical=True, spoken="数据无法保存")
    return CheckResult("store", Status.OK, f"{path} ({path.stat().st_size // 1024} KB, integrity ok)")


def _writable_dir(folder: Path) -> bool:
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return os.access(probe, os.W_OK | os.X_OK)


def check_server(settings: Settings, probes: Probes) -> CheckResult:
    """The community server answers HTTP at server_url (any status code counts as reachable)."""
    url = settings.server_url
    if not url:
        return CheckResult("server", Status.SKIP, "未设置服务器，只在本机使用 / no server_url: offline only",
                           "需要同步时在 config.toml 设置 server_url / set server_url to sync")
    try:
        with urllib.request.urlopen(url + "/", timeout=probes.timeout) as response:  # noqa: S310
            code = response.status
    except urllib.error.HTTPError as exc:
        code = exc.code
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return CheckResult("server", Status.FAIL, f"连不上 {url} / unreachable: {reason}",
                           "检查网络和路由器；请社区确认服务器在运行 / check the network; ask the community "
                           "whether the server is up (`systemctl status yuechao-community`)",
                           spoken="连不上社区服务器")
    return CheckResult("server", Status.OK, f"{url} (HTTP {code})")


def check_pairing(settings: Settings, probes: Probes) -> CheckResult:
    """The device token from pairing is in data_dir/device_token, private (mode 0600) and non-empty."""
    token = settings.data_dir / TOKEN_FILE_NAME
    if not token.exists():
        if not settings.server_url:
            return CheckResult("pairing", Status.SKIP, "未设置服务器，不需要配对 / no server, no pairing")
        return CheckResult("pairing", Status.FAIL, f"还没有配对 / not paired: no {token}",
                           "在社区后台“设备”页面生成配对码，再在设备上配对 / make a pairing code on the "
                           "server's Devices page and pair this speaker", spoken="还没有和社区配对")
    mode = stat.S_IMODE(token.stat().st_mode)
    if token.stat().st_size == 0:
        return CheckResult("pairing", Status.FAIL, f"配对文件是空的 / empty token file {token}",
                           "删除后重新配对 / delete it and pair again", spoken="配对信息丢失")
    if mode & 0o077:
        return CheckResult("pairing", Status.WARN, f"配对文件权限过宽 / token readable by others "
                           f"(mode {mode:04o})", f"chmod 600 {token}", spoken="配对文件权限不对")
    return CheckResult("pairing", Status.OK, f"{token} (0600)")


def check_clock(settings: Settings, probes: Probes) -> CheckResult:
    """The wall clock is trusted (NTP synchronised, a server time seen, or clock_trust=always)."""
    clock = probes.clock or SystemClock(always_trusted=settings.clock_trust == "always")
    now = clock.now().strftime("%Y-%m-%d %H:%M")
    if clock.is_trusted():
        return CheckResult("clock", Status.OK, f"{now}, 已校准 / synchronised")
    return CheckResult("clock", Status.WARN, f"{now}, 未校准，提醒可能不准 / not synchronised: reminders "
                       "may be off", "连上网络让时间自动校准（timedatectl set-ntp true）/ connect to the "
                       "network so NTP can set the time", spoken="时间还没有校准")


def check_disk(settings: Settings, probes: Probes) -> CheckResult:
    """Free space where the store and logs live."""
    folder = settings.data_dir
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    detail = f"{folder}: {free / 1024 ** 3:.1f} GB 可用 / free"
    fix = "删除不用的文件或换更大的存储卡 / free some space or use a larger SD card"
    if free < _DISK_FAIL_BYTES:
        return CheckResult("disk", Status.FAIL, detail, fix, critical=True, spoken="存储空间快满了")
    if free < _DISK_WARN_BYTES:
        return CheckResult("disk", Status.WARN, detail, fix, spoken="存储空间不多了")
    return CheckResult("disk", Status.OK, detail)


def check_temperature(settings: Settings, probes: Probes) -> CheckResult:
    """Hottest thermal zone (Raspberry Pi: cpu-thermal); skipped where the kernel exposes none."""
    readings = []
    for zone in sorted(probes.thermal_dir.glob("thermal_zone*/temp")):
        try:
            readings.append(int(zone.read_text(encoding="utf-8").strip()) / 1000)
        except (OSError, ValueError):
            continue
    if not readings:
        return CheckResult("temperature", Status.SKIP, "本机没有温度传感器 / no thermal zone here")
    hottest = max(readings)
    detail = f"{hottest:.0f} °C"
    fix = "把音箱放在通风处，树莓派加散热片或风扇 / give it air; add a heatsink or fan"
    if hottest >= _TEMP_FAIL_C:
        return CheckResult("temperature", Status.FAIL, detail, fix, spoken="机器太热了")
    if hottest >= _TEMP_WARN_C:
        return CheckResult("temperature", Status.WARN, detail, fix, spoken="机器有点热")
    return CheckResult("temperature", Status.OK, detail)


def check_sync(settings: Settings, probes: Probes) -> CheckResult:
    """Ops the server rejected for good in the last 7 days (dropped, never resent) or cannot apply yet."""
    from .outbox import problems

    now = (probes.clock or SystemClock(always_trusted=True)).now()
    found = problems(settings.db_path, now)
    if not found:
        return CheckResult("sync", Status.OK, "服务器接受了所有操作 / the server took every op")
    dropped = [p for p in found if not p.retrying]
    waiting = [p for p in found if p.retrying]
    parts = [f"{len(dropped)} 个被服务器拒绝，已放弃 / rejected for good, dropped"] if dropped else []
    parts += [f"{len(waiting)} 个等待重试 / awaiting a retry"] if waiting else []
    shown = "; ".join(p.describe() for p in (dropped + waiting)[:3])
    return CheckResult("sync", Status.WARN, f"{', '.join(parts)}: {shown}",
                       "把这一行告诉社区工作人员；日志里有每个操作的详情 / tell the community staff; the log "
                       "(journalctl -u yuechao-assistant) has each op", spoken="有操作没有同步成功")


_CHECKS: Tuple[Callable[[Settings, Probes], CheckResult], ...] = (
    lambda s, p: check_sound(s, p, inputs=True),
    lambda s, p: check_sound(s, p, inputs=False),
    check_model, check_voice, check_store, check_server, check_pairing, check_clock, check_disk,
    check_temperature, check_sync,
)
_CHECK_NAMES = tuple(_TITLES)


def run_checks(settings: Settings, probes: Optional[Probes] = None) -> List[CheckResult]:
    """Run every check in checklist order; a check that crashes is reported, never raised."""
    probes = probes or Probes()
    results = []
    for name, check in zip(_CHECK_NAMES, _CHECKS, strict=True):
        try:
            results.append(check(settings, probes))
        except Exception as exc:  # a doctor must finish its list whatever one check does
            _LOGGER.exception("check %s crashed", name)
            results.append(CheckResult(name, Status.SKIP, f"无法检查 / could not check: {exc!r}"))
    return results


def exit_code(results: Sequence[CheckResult]) -> int:
    """1 when a critical check failed (the senior would notice), else 0."""
    return 1 if any(r.critical and r.status is Status.FAIL for r in results) else 0


_MARKS = {Status.OK: "[ OK ]", Status.WARN: "[WARN]", Status.FAIL: "[FAIL]", Status.SKIP: "[SKIP]"}
_ZH_NUMBERS = "零一二三四五六七八九十"


def format_checklist(results: Sequence[CheckResult]) -> str:
    """The plain-text checklist printed by `doctor`, with the fix under each problem."""
    lines = ["越巢设备自检 / Yuechao device self-check", ""]
    for result in results:
        lines.append(f"{_MARKS[result.status]} {result.title}: {result.detail}")
        if result.fix and result.status in (Status.FAIL, Status.WARN):
            lines.append(f"       修复 fix: {result.fix}")
    problems = [r for r in results if r.status is Status.FAIL]
    lines.append("")
    lines.append("全部正常 / all good" if not problems else
                 f"{len(problems)} 项需要处理 / {len(problems)} problem(s) to fix")
    return "\n".join(lines)


def _count_zh(count: int) -> str:
    if count == 2:
        return "两"
    return _ZH_NUMBERS[count] if count <= 10 else str(count)


def summary_text(results: Sequence[CheckResult]) -> str:
    """Short spoken Chinese summary for "设备自检", e.g. "设备自检完成：麦克风、扬声器正常。……"."""
    fine = [_TITLES[r.name][0] for r in results if r.status is Status.OK and r.name in _SPOKEN_OK]
    problems = [r.spoken or f"{_TITLES[r.name][0]}有问题" for r in results if r.status is Status.FAIL]
    notes = [r.spoken or f"{_TITLES[r.name][0]}需要留意" for r in results if r.status is Status.WARN]
    text = "设备自检完成："
    text += ("、".join(fine) + "正常。") if fine else ""
    if problems:
        text += f"有{_count_zh(len(problems))}项需要处理：" + "；".join(problems) + "。"
    if notes:
        text += f"有{_count_zh(len(notes))}项需要留意：" + "；".join(notes) + "。"
    if problems or notes:
        text += "请告诉社区志愿者。"
    else:
        text += "一切正常。"
    return text


# Only the parts a senior knows by name are read out when fine; the rest stays in the checklist.
_SPOKEN_OK = ("microphone", "loudspeaker", "model", "voice", "store", "server")


def register(subparsers: Any) -> None:
    """Add the `doctor` subcommand."""
    parser = subparsers.add_parser("doctor", help="Self-check: microphone, speaker, model, voice, store, "
                                   "server, pairing, clock, disk, temperature, sync (exit 1 if broken)")
    parser.add_argument("--json", action="store_true", help="Print one JSON object instead of the checklist")
    parser.add_argument("--input-wav", type=Path, metavar="FILE",
                        help="Check this WAV as the microphone, as `run --input-wav` would use it")
    parser.add_argument("--output-dir", type=Path, metavar="DIR",
                        help="Check this folder as the loudspeaker, as `run --output-dir` would use it")
    parser.set_defaults(func=run_doctor)


def run_doctor(args: argparse.Namespace, settings: Settings, probes: Optional[Probes] = None,
               stdout: Optional[TextIO] = None) -> int:
    """`python -m assistant doctor [--json]`: print the checklist (or JSON).

    Returns 1 when something critical fails (see exit_code), else 0.
    """
    out = stdout or sys.stdout
    if probes is None:
        probes = Probes(input_wav=getattr(args, "input_wav", None),
                        output_dir=getattr(args, "output_dir", None))
    results = run_checks(settings, probes)
    code = exit_code(results)
    if getattr(args, "json", False):
        out.write(json.dumps({"ok": code == 0, "checks": [r.to_dict() for r in results],
                              "summary": summary_text(results)}, ensure_ascii=False) + "\n")
    else:
        out.write(format_checklist(results) + "\n")
    return code
