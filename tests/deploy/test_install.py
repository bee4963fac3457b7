"""The Raspberry Pi installer: --dry-run prints the plan and changes nothing; a second run changes nothing.

Real: bash, install, chown, useradd --prefix, systemctl --root, sed, cmp. Faked at the edges, on PATH:
the Debian package manager (dpkg-query/apt-get) and the Python that would download from PyPI
(python3 -m venv makes a venv whose python only records pip/models calls).
"""

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALL = ROOT / "deploy" / "raspberry-pi" / "install.sh"
PACKAGES = "espeak-ng espeak-ng-data libportaudio2 python3-venv python3-pip alsa-utils ca-certificates"

_DPKG_QUERY = """#!/bin/sh
pkg=$(eval echo \\${$#})
grep -qx "$pkg" "$FAKE_STATE/dpkg" 2>/dev/null && echo "install ok installed" && exit 0
exit 1
"""
_APT_GET = """#!/bin/sh
echo "apt-get $*" >> "$FAKE_LOG"
if [ "$1" = install ]; then
    for arg in "$@"; do case "$arg" in install|-*) ;; *) echo "$arg" >> "$FAKE_STATE/dpkg" ;; esac; done
fi
"""
_VENV_PYTHON = """#!/bin/sh
echo "venv-python $*" >> "$FAKE_LOG"
model_dir=""; last=""; fetch=0
while [ $# -gt 0 ]; do
    case "$1" in --model-dir) model_dir="$2"; shift ;; fetch) fetch=1 ;; esac
    last="$1"; shift
done
if [ $fetch = 1 ]; then mkdir -p "$model_dir/$last/am" && echo model > "$model_dir/$last/am/final.mdl"; fi
"""
_PYTHON3 = """#!/bin/sh
echo "python3 $*" >> "$FAKE_LOG"
if [ "$1 $2" = "-m venv" ]; then
    mkdir -p "$3/bin" && cp "$FAKE_STATE/venv-python" "$3/bin/python" && chmod 755 "$3/bin/python"
fi
"""


@pytest.fixture()
def fakes(tmp_path: Path) -> Dict[str, str]:
    """PATH with the fake package manager and Python; returns the environment for install.sh."""
    bin_dir, state = tmp_path / "fakebin", tmp_path / "state"
    bin_dir.mkdir()
    state.mkdir()
    for name, text in (("dpkg-query", _DPKG_QUERY), ("apt-get", _APT_GET), ("python3", _PYTHON3)):
        (bin_dir / name).write_text(text, encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    (state / "venv-python").write_text(_VENV_PYTHON, encoding="utf-8")
    (tmp_path / "calls.log").write_text("", encoding="utf-8")
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_STATE": str(state),
            "FAKE_LOG": str(tmp_path / "calls.log"), "LC_ALL": "C.UTF-8"}


@pytest.fixture()
def target(tmp_path: Path) -> Path:
    """An empty system image: just the user database of a fresh Raspberry Pi OS (audio is gid 29)."""
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (root / "etc" / "group").write_text("root:x:0:\naudio:x:29:\n", encoding="utf-8")
    (root / "etc" / "shadow").write_text("root:*:19000:0:99999:7:::\n", encoding="utf-8")
    (root / "etc" / "gshadow").write_text("root:*::\naudio:*::\n", encoding="utf-8")
    for name in ("shadow", "gshadow"):
        (root / "etc" / name).chmod(0o640)
    return root


@pytest.fixture()
def source(tmp_path: Path) -> Path:
    """A small stand-in for the source tree (the installer only hashes it and hands it to pip)."""
    src = tmp_path / "src"
    (src / "assistant").mkdir(parents=True)
    (src / "setup.py").write_text("from setuptools import setup\nsetup(name='yuechao')\n", encoding="utf-8")
    (src / "assistant" / "__init__.py").write_text('"""Device runtime."""\n', encoding="utf-8")
    return src


def _install(env: Dict[str, str], *args: str) -> Tuple[int, List[str]]:
    result = subprocess.run(["bash", str(INSTALL), *args], capture_output=True, text=True, timeout=120,
                            env=env)
    assert "Traceback" not in result.stderr
    lines = [re.sub(r"\(source [0-9a-f]{12}\)", "(source SUM)", line) for line in result.stdout.splitlines()]
    return result.returncode, lines


def _snapshot(root: Path) -> Dict[str, tuple]:
    state = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        if path.is_symlink():
            content = "-> " + os.readlink(path)
        elif path.is_file():
            content = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            content = "dir"
        key = str(path.relative_to(root))
        state[key] = (content, info.st_mode, info.st_uid, info.st_gid, info.st_mtime_ns)
    return state


def _plan(root: Path, src: Path) -> List[str]:
    return [
        f"越巢 speaker install: root {root}, source {src}, dry run",
        f"plan  install Debian packages: {PACKAGES}",
        "plan  create system user yuechao (groups: audio)",
        "plan  create /opt/yuechao",
        "plan  create /etc/yuechao",
        "plan  create /var/lib/yuechao (owner yuechao, mode 0750)",
        "plan  create /var/lib/yuechao/models (owner yuechao, mode 0750)",
        "plan  create the Python venv /opt/yuechao/venv",
        f"plan  install 越巢 from {src} into /opt/yuechao/venv (source SUM)",
        "plan  write /etc/yuechao/config.toml",
        "plan  fetch the speech model vosk-model-small-cn-0.22 into /var/lib/yuechao/models",
        "plan  install /etc/systemd/system/yuechao-assistant.service",
        "plan  install /etc/systemd/journald.conf.d/yuechao.conf",
        "plan  enable yuechao-assistant.service (starts at boot)",
        "ok    yuechao-assistant.service not started (--no-start or --root)",
        "dry run: 13 change(s) planned, nothing changed",
    ]


def test_dry_run_prints_the_plan_and_changes_nothing(
    fakes: Dict[str, str], target: Path, source: Path
) -> None:
    before = _snapshot(target)
    code, lines = _install(fakes, "--dry-run", "--root", str(target), "--source", str(source))
    assert code == 0
    assert lines == _plan(target, source)
    assert _snapshot(target) == before
    assert Path(fakes["FAKE_LOG"]).read_text(encoding="utf-8") == ""  # no apt-get, no venv, no pip


def test_dry_run_against_this_machine_changes_nothing(fakes: Dict[str, str]) -> None:
    """What CI runs: the real checkout, the real /, no root needed."""
    code, lines = _install(fakes, "--dry-run")
    assert code == 0
    assert lines[0] == f"越巢 speaker install: root /, source {ROOT}, dry run"
    assert lines[-1].startswith("dry run: ") and lines[-1].endswith(" change(s) planned, nothing changed")
    assert all(line.startswith(("plan  ", "ok    ")) for line in lines[1:-1]), lines
    assert Path(fakes["FAKE_LOG"]).read_text(encoding="utf-8") == ""


def test_unknown_option_is_a_usage_error(fakes: Dict[str, str]) -> None:
    result = subprocess.run(["bash", str(INSTALL), "--frobnicate"], capture_output=True, text=True,
                            timeout=30, env=fakes)
    assert result.returncode == 2
    assert "install.sh: unknown option --frobnicate" in result.stderr


_NEEDS_ROOT = pytest.mark.skipif(os.geteuid() != 0, reason="useradd --prefix and chown need root")
_NEEDS_SYSTEMCTL = pytest.mark.skipif(shutil.which("systemctl") is None or shutil.which("useradd") is None,
                                      reason="systemctl/useradd not installed")


@_NEEDS_ROOT
@_NEEDS_SYSTEMCTL
def test_install_then_second_run_changes_nothing(fakes: Dict[str, str], target: Path, source: Path) -> None:
    args = ("--root", str(target), "--source", str(source), "--server-url", "http://10.0.0.2:8000")
    code, lines = _install(fakes, *args)
    assert code == 0, lines
    assert [line for line in lines if line.startswith("do ")] == [
        line.replace("plan  ", "do    ") for line in _plan(target, source) if line.startswith("plan")]
    # The system it built.
    assert "yuechao:x:999:999::/var/lib/yuechao:/usr/sbin/nologin" in (target / "etc/passwd").read_text()
    assert "audio:x:29:yuechao" in (target / "etc/group").read_text().splitlines()
    data = target / "var/lib/yuechao"
    assert (data.stat().st_uid, data.stat().st_gid, data.stat().st_mode & 0o777) == (999, 999, 0o750)
    assert (data / "models/vosk-model-small-cn-0.22/am/final.mdl").stat().st_uid == 999
    config = (target / "etc/yuechao/config.toml").read_text(encoding="utf-8")
    assert 'server_url = "http://10.0.0.2:8000"' in config.splitlines()
    assert 'model_dir = "/var/lib/yuechao/models"' in config.splitlines()
    wants = target / "etc/systemd/system/multi-user.target.wants/yuechao-assistant.service"
    assert os.readlink(wants) == "/etc/systemd/system/yuechao-assistant.service"
    calls = Path(fakes["FAKE_LOG"]).read_text(encoding="utf-8").splitlines()
    assert f"apt-get install -y -qq --no-install-recommends {PACKAGES}" in calls
    assert f"venv-python -m pip install --quiet {source}" in calls

    # Second run: every step already done, not one file touched, no package manager or pip call.
    (target / "etc/yuechao/config.toml").write_text(config + "# edited by a volunteer\n", encoding="utf-8")
    before = _snapshot(target)
    log_size = len(calls)
    code, lines = _install(fakes, *args)
    assert code == 0
    assert lines[-1] == "nothing to do: already installed"
    assert all(line.startswith("ok    ") for line in lines[1:-1]), lines
    assert "ok    /etc/yuechao/config.toml (kept as it is)" in lines
    assert _snapshot(target) == before
    assert len(Path(fakes["FAKE_LOG"]).read_text(encoding="utf-8").splitlines()) == log_size

    # A new checkout is installed again, and only that.
    (source / "assistant" / "__init__.py").write_text('"""Device runtime, v2."""\n', encoding="utf-8")
    code, lines = _install(fakes, *args)
    assert [line for line in lines if not line.startswith("ok")][1:] == [
        f"do    install 越巢 from {source} into /opt/yuechao/venv (source SUM)",
        "done: 1 change(s); check with: sudo -u yuechao /opt/yuechao/venv/bin/python -m assistant "
        "--config /etc/yuechao/config.toml doctor"]
