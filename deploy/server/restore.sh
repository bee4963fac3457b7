#!/usr/bin/env bash
# Restore the 越巢 community database from a backup made by backup.sh. Stop the server first
# (systemctl stop yuechao-community); start it again afterwards (migrations run on start).
#
#   deploy/server/restore.sh [--env-file /etc/yuechao/community.env] --yes BACKUP
#
# PostgreSQL (*.dump): pg_restore --clean into DATABASE_URL, in one transaction.
# SQLite (*.sqlite): the current file is kept as <db>.before-restore-<time>, then replaced.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=db-url.sh disable=SC1091 # checked on its own
. "$HERE/db-url.sh"

ENV_FILE="/etc/yuechao/community.env"
YES=0
BACKUP=""

while [ $# -gt 0 ]; do
    case "$1" in
        --env-file) ENV_FILE="${2:?--env-file needs a file}"; shift ;;
        --yes) YES=1 ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        -*) echo "restore.sh: unknown option $1" >&2; exit 2 ;;
        *) BACKUP="$1" ;;
    esac
    shift
done
[ -n "$BACKUP" ] || { echo "restore.sh: which backup file? (see --help)" >&2; exit 2; }
[ -f "$BACKUP" ] || { echo "restore.sh: no such file: $BACKUP" >&2; exit 1; }
URL="$(database_url "$ENV_FILE")"
if [ "$YES" -ne 1 ]; then
    echo "restore.sh: this replaces every row of the database with $BACKUP; add --yes to go on" >&2
    exit 1
fi

case "$URL" in
    postgres*)
        pg_restore --list "$BACKUP" > /dev/null
        pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error \
            --dbname="$(libpq_url "$URL")" "$BACKUP"
        ;;
    sqlite*)
        DB="$(sqlite_path "$URL")"
        check="$(sqlite3 "$BACKUP" 'PRAGMA integrity_check;')"
        [ "$check" = "ok" ] || { echo "restore.sh: $BACKUP failed integrity_check: $check" >&2; exit 1; }
        if [ -f "$DB" ]; then
            KEPT="$DB.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
            sqlite3 "$DB" ".backup '$KEPT'"
            echo "restore.sh: the previous database is kept as $KEPT" >&2
        fi
        mkdir -p "$(dirname "$DB")"
        sqlite3 "$DB" ".restore '$BACKUP'"
        ;;
    *)
        echo "restore.sh: unsupported DATABASE_URL (expected postgresql… or sqlite…)" >&2
        exit 2
        ;;
esac
echo "restored $BACKUP" >&2
