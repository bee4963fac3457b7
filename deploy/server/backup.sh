#!/usr/bin/env bash
# Back up the 越巢 community database: PostgreSQL with pg_dump -Fc, SQLite with `.backup`
# (a consistent copy while the server runs). Prints the backup file's path on stdout.
#
#   deploy/server/backup.sh [--env-file /etc/yuechao/community.env] [--dir DIR] [--keep N]
#
# Daily from cron or a systemd timer; copy DIR off the machine too. Restore with restore.sh.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=db-url.sh disable=SC1091 # checked on its own
. "$HERE/db-url.sh"

ENV_FILE="/etc/yuechao/community.env"
DIR="/var/backups/yuechao"
KEEP=14

while [ $# -gt 0 ]; do
    case "$1" in
        --env-file) ENV_FILE="${2:?--env-file needs a file}"; shift ;;
        --dir) DIR="${2:?--dir needs a directory}"; shift ;;
        --keep) KEEP="${2:?--keep needs a number}"; shift ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) echo "backup.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
case "$KEEP" in ''|*[!0-9]*) echo "backup.sh: --keep expects a number, got $KEEP" >&2; exit 2 ;; esac

URL="$(database_url "$ENV_FILE")"
STAMP="$(date -u +%Y%m%dT%H%M%S.%3NZ)"  # ms: two backups in one second differ
umask 077
mkdir -p "$DIR"

case "$URL" in
    postgres*)
        OUT="$DIR/yuechao-$STAMP.dump"
        pg_dump --format=custom --no-owner --file="$OUT.part" "$(libpq_url "$URL")"
        pg_restore --list "$OUT.part" > /dev/null  # a readable archive, or fail now
        ;;
    sqlite*)
        DB="$(sqlite_path "$URL")"
        [ -f "$DB" ] || { echo "backup.sh: no SQLite database at $DB" >&2; exit 1; }
        OUT="$DIR/yuechao-$STAMP.sqlite"
        sqlite3 "$DB" ".backup '$OUT.part'"
        check="$(sqlite3 "$OUT.part" 'PRAGMA integrity_check;')"
        [ "$check" = "ok" ] || { echo "backup.sh: backup failed integrity_check: $check" >&2; exit 1; }
        ;;
    *)
        echo "backup.sh: unsupported DATABASE_URL (expected postgresql… or sqlite…)" >&2
        exit 2
        ;;
esac
mv "$OUT.part" "$OUT"
echo "$OUT"

# Keep the newest KEEP backups of this kind (names sort by time).
if [ "$KEEP" -gt 0 ]; then
    find "$DIR" -maxdepth 1 -name "yuechao-*.${OUT##*.}" -type f | LC_ALL=C sort -r \
        | tail -n +"$((KEEP + 1))" | while IFS= read -r old; do rm -f -- "$old"; done
fi
