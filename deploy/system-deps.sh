#!/usr/bin/env bash
# Installs the Debian packages 越巢 needs to run and to be tested, when missing. As root it runs apt-get itself;
# otherwise it prints the one command to run and carries on (tests that need a missing
# package skip with a reason).
set -euo pipefail

# Run time: speech, sound, audio tools. Tests: the browser the web tests drive, and the tools
# the deployment tests check their scripts and units with (shellcheck, systemd-analyze, nginx -t,
# pg_dump/pg_restore, sqlite3, openssl for a throw-away TLS certificate), and a Chinese font for the
# browser (without one, pages render as empty boxes in the screenshots and layout tests).
want=(espeak-ng libportaudio2 sox chromium shellcheck systemd sqlite3 openssl postgresql-client nginx-light
      fonts-wqy-microhei)
missing=()
for pkg in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
    echo "missing Debian packages: ${missing[*]}" >&2
    echo "run:  sudo apt-get install ${missing[*]}" >&2
fi
