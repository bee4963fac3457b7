#!/usr/bin/env bash
# 越巢 speaker installer for Raspberry Pi OS (Debian bookworm, Lite or desktop).
#
#   sudo deploy/raspberry-pi/install.sh [--server-url URL] [--dry-run]
#
# Installs the Debian packages, a service user `yuechao` (audio group), a venv in /opt/yuechao,
# the Chinese speech model, /etc/yuechao/config.toml (only if absent) and the systemd unit
# yuechao-assistant.service, then enables and starts it. Every step first checks whether it is
# already done, so a second run changes nothing ("ok" lines only). --dry-run prints the plan
# ("plan" lines) and changes nothing. --root DIR installs into DIR instead of / (image building
# and tests): paths, the user database (useradd --prefix) and the unit links (systemctl --root)
# all go there, and nothing is started.
set -euo pipefail

usage() {
    cat <<'USAGE'
Usage: install.sh [options]
  --dry-run            print what would be done, change nothing
  --root DIR           install into DIR instead of / (nothing is started)
  --source DIR         the 越巢 source tree to install (default: this script's checkout)
  --server-url URL     community server written into a new config.toml
  --model NAME         speech model to fetch (default: vosk-model-small-cn-0.22)
  --no-model           do not fetch a speech model
  --skip-packages      do not check or install Debian packages
  --no-start           enable the service but do not (re)start it
  -h, --help           this text
USAGE
}

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SOURCE="$(cd "$HERE/../.." && pwd)"
ROOT=""
DRY_RUN=0
SERVER_URL=""
MODEL="vosk-model-small-cn-0.22"
SKIP_PACKAGES=0
START=1

while [ $# -gt 0 ]; do
    case "$1" in
        --dry-run) DRY_RUN=1 ;;
        --root) ROOT="${2:?--root needs a directory}"; shift ;;
        --source) SOURCE="${2:?--source needs a directory}"; shift ;;
        --server-url) SERVER_URL="${2:?--server-url needs a URL}"; shift ;;
        --model) MODEL="${2:?--model needs a name}"; shift ;;
        --no-model) MODEL="" ;;
        --skip-packages) SKIP_PACKAGES=1 ;;
        --no-start) START=0 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
SOURCE="$(cd "$SOURCE" && pwd)"
if [ -n "$ROOT" ]; then
    ROOT="$(cd "$ROOT" && pwd)"
    [ "$ROOT" = "/" ] && ROOT=""
    START=0
fi

SERVICE_USER="yuechao"
UNIT_NAME="yuechao-assistant.service"
APP_DIR="/opt/yuechao"
VENV="$APP_DIR/venv"
STAMP="$APP_DIR/installed-source.sha256"
ETC_DIR="/etc/yuechao"
CONFIG="$ETC_DIR/config.toml"
DATA_DIR="/var/lib/yuechao"
MODEL_DIR="$DATA_DIR/models"
UNIT="/etc/systemd/system/$UNIT_NAME"
JOURNALD_DROPIN="/etc/systemd/journald.conf.d/yuechao.conf"
PACKAGES=(espeak-ng espeak-ng-data libportaudio2 python3-venv python3-pip alsa-utils ca-certificates)

CHANGES=0
APP_CHANGED=0
UNIT_CHANGED=0
CONFIG_WRITTEN=0

# ok/step print one line per step: "ok" already done, "plan" (dry run) or "do" (doing it now).
ok() { echo "ok    $1"; }
step() {
    local what="$1"
    shift
    CHANGES=$((CHANGES + 1))
    if [ "$DRY_RUN" -eq 1 ]; then
        echo "plan  $what"
        return 0
    fi
    echo "do    $what"
    "$@"
}

# r PATH: where a target path lives under --root.
r() { echo "$ROOT$1"; }

user_exists() { [ -f "$(r /etc/passwd)" ] && grep -q "^$SERVICE_USER:" "$(r /etc/passwd)"; }
user_ids() { awk -F: -v u="$SERVICE_USER" '$1 == u { print $3 ":" $4 }' "$(r /etc/passwd)"; }
in_audio_group() { grep -Eq "^audio:[^:]*:[^:]*:(.*,)?$SERVICE_USER(,|$)" "$(r /etc/group)"; }
prefix_args() { if [ -n "$ROOT" ]; then echo "--prefix $ROOT"; fi; }

check_system() {
    if [ -z "$ROOT" ] && [ "$DRY_RUN" -eq 0 ] && [ "$(id -u)" -ne 0 ]; then
        echo "install.sh: run as root: sudo $0 $*" >&2
        exit 1
    fi
    if [ -z "$ROOT" ] && [ -r /etc/os-release ] && ! grep -Eq '^(ID|ID_LIKE)=.*debian' /etc/os-release; then
        echo "install.sh: warning: not a Debian system; package names may differ" >&2
    fi
    [ -f "$SOURCE/setup.py" ] || { echo "install.sh: no setup.py in $SOURCE (use --source)" >&2; exit 1; }
}

install_packages() {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "$@"
}

ensure_packages() {
    if [ "$SKIP_PACKAGES" -eq 1 ]; then
        ok "Debian packages (skipped: --skip-packages)"
        return
    fi
    local missing=() pkg
    for pkg in "${PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$pkg")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        ok "Debian packages: ${PACKAGES[*]}"
    else
        step "install Debian packages: ${missing[*]}" install_packages "${missing[@]}"
    fi
}

ensure_user() {
    # shellcheck disable=SC2046 # prefix_args is empty or two words on purpose
    if ! user_exists; then
        step "create system user $SERVICE_USER (groups: audio)" \
            useradd $(prefix_args) --system --user-group --home-dir "$DATA_DIR" --no-create-home \
            --shell /usr/sbin/nologin --groups audio "$SERVICE_USER"
    elif ! in_audio_group; then
        step "add $SERVICE_USER to the audio group" usermod $(prefix_args) -a -G audio "$SERVICE_USER"
    else
        ok "system user $SERVICE_USER (groups: audio)"
    fi
}

make_owned_dir() {
    install -d -m 0750 "$(r "$1")"
    if user_exists; then chown "$(user_ids)" "$(r "$1")"; fi
}

ensure_dirs() {
    local dir
    for dir in "$APP_DIR" "$ETC_DIR"; do
        if [ -d "$(r "$dir")" ]; then ok "$dir"; else step "create $dir" install -d -m 0755 "$(r "$dir")"; fi
    done
    for dir in "$DATA_DIR" "$MODEL_DIR"; do
        if [ -d "$(r "$dir")" ] && { ! user_exists || [ "$(stat -c %u:%g "$(r "$dir")")" = "$(user_ids)" ]; }; then
            ok "$dir (owner $SERVICE_USER, mode 0750)"
        else
            step "create $dir (owner $SERVICE_USER, mode 0750)" make_owned_dir "$dir"
        fi
    done
}

# The checksum of every file pip would install; a new checkout means a new install.
source_sum() {
    local parts=() part
    for part in setup.py assistant intents audio models community; do
        if [ -e "$SOURCE/$part" ]; then parts+=("$part"); fi
    done
    (cd "$SOURCE" && find "${parts[@]}" -type f \
        \( -name '*.py' -o -name '*.yaml' -o -name '*.json' -o -name '*.html' -o -name '*.ini' \
        -o -name '*.mako' -o -name '*.css' -o -name '*.js' \) -not -path '*/__pycache__/*' \
        | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
}

install_app() {
    "$(r "$VENV")/bin/python" -m pip install --quiet --upgrade pip
    "$(r "$VENV")/bin/python" -m pip install --quiet "$SOURCE"
    echo "$1" > "$(r "$STAMP")"
    APP_CHANGED=1
}

ensure_venv() {
    if [ -x "$(r "$VENV")/bin/python" ]; then
        ok "Python venv $VENV"
    else
        step "create the Python venv $VENV" python3 -m venv "$(r "$VENV")"
    fi
    local sum
    sum="$(source_sum)"
    if [ -f "$(r "$STAMP")" ] && [ "$(cat "$(r "$STAMP")")" = "$sum" ]; then
        ok "越巢 installed in $VENV (source ${sum:0:12})"
    else
        step "install 越巢 from $SOURCE into $VENV (source ${sum:0:12})" install_app "$sum"
    fi
}

write_config() {
    local line="# server_url = \"https://community.example.cn\"   # set to sync with the community"
    if [ -n "$SERVER_URL" ]; then line="server_url = \"$SERVER_URL\""; fi
    sed "s|@SERVER_LINE@|$line|" "$HERE/config.toml" > "$(r "$CONFIG")"
    chmod 0644 "$(r "$CONFIG")"
    CONFIG_WRITTEN=1
}

ensure_config() {
    if [ -f "$(r "$CONFIG")" ]; then
        ok "$CONFIG (kept as it is)"
    else
        step "write $CONFIG" write_config
    fi
}

fetch_model() {
    "$(r "$VENV")/bin/python" -m assistant --config "$(r "$CONFIG")" --data-dir "$(r "$DATA_DIR")" \
        --model-dir "$(r "$MODEL_DIR")" models fetch "$MODEL"
    if user_exists; then chown -R "$(user_ids)" "$(r "$MODEL_DIR")"; fi
}

ensure_model() {
    if [ -z "$MODEL" ]; then
        ok "speech model (skipped: --no-model)"
    elif [ -f "$(r "$MODEL_DIR/$MODEL/am/final.mdl")" ]; then
        ok "speech model $MODEL_DIR/$MODEL"
    else
        step "fetch the speech model $MODEL into $MODEL_DIR" fetch_model
    fi
}

copy_file() {
    install -D -m 0644 "$1" "$(r "$2")"
}

ensure_file() {  # ensure_file SOURCE TARGET: install when missing or different
    if [ -f "$(r "$2")" ] && cmp -s "$1" "$(r "$2")"; then
        ok "$2"
        return 1
    fi
    step "install $2" copy_file "$1" "$2"
}

systemd_running() { [ -z "$ROOT" ] && [ -d /run/systemd/system ]; }

systemctl_root() {
    if [ -n "$ROOT" ]; then systemctl --root="$ROOT" "$@"; else systemctl "$@"; fi
}

ensure_units() {
    if ensure_file "$HERE/yuechao-assistant.service" "$UNIT"; then UNIT_CHANGED=1; fi
    if ensure_file "$HERE/journald-yuechao.conf" "$JOURNALD_DROPIN" && systemd_running; then
        step "restart systemd-journald (log limits)" systemctl restart systemd-journald
    fi
    if [ "$UNIT_CHANGED" -eq 1 ] && systemd_running; then
        step "reload systemd" systemctl daemon-reload
    fi
    if [ "$DRY_RUN" -eq 0 ] || [ -f "$(r "$UNIT")" ]; then
        if systemctl_root is-enabled --quiet "$UNIT_NAME" 2>/dev/null; then
            ok "$UNIT_NAME enabled"
            return
        fi
    fi
    step "enable $UNIT_NAME (starts at boot)" systemctl_root enable --quiet "$UNIT_NAME"
}

ensure_running() {
    if [ "$START" -eq 0 ]; then
        ok "$UNIT_NAME not started (--no-start or --root)"
    elif ! systemd_running; then
        ok "$UNIT_NAME not started (systemd is not running here)"
    elif [ $((APP_CHANGED + UNIT_CHANGED + CONFIG_WRITTEN)) -gt 0 ] && systemctl is-active --quiet "$UNIT_NAME"; then
        step "restart $UNIT_NAME (new version or settings)" systemctl restart "$UNIT_NAME"
    elif systemctl is-active --quiet "$UNIT_NAME"; then
        ok "$UNIT_NAME running"
    else
        step "start $UNIT_NAME" systemctl start "$UNIT_NAME"
    fi
}

main() {
    check_system "$@"
    echo "越巢 speaker install: root ${ROOT:-/}, source $SOURCE$([ "$DRY_RUN" -eq 1 ] && echo ', dry run')"
    ensure_packages
    ensure_user
    ensure_dirs
    ensure_venv
    ensure_config
    ensure_model
    ensure_units
    ensure_running
    if [ "$DRY_RUN" -eq 1 ]; then
        echo "dry run: $CHANGES change(s) planned, nothing changed"
    elif [ "$CHANGES" -eq 0 ]; then
        echo "nothing to do: already installed"
    else
        echo "done: $CHANGES change(s); check with: sudo -u $SERVICE_USER $VENV/bin/python -m assistant --config $CONFIG doctor"
    fi
}

main "$@"
