# shellcheck shell=bash
# Shared by backup.sh and restore.sh (sourced): find DATABASE_URL and turn it into what the
# command-line tools take. Not executable on its own.

# database_url ENV_FILE: $DATABASE_URL if set, else the last DATABASE_URL= line of ENV_FILE.
# The env file is read, never sourced: it is data, not a script.
database_url() {
    if [ -n "${DATABASE_URL:-}" ]; then
        echo "$DATABASE_URL"
        return
    fi
    if [ -r "$1" ]; then
        local line
        line="$(grep -E '^[[:space:]]*DATABASE_URL=' "$1" | tail -n 1 | cut -d= -f2-)"
        line="${line%\"}"; line="${line#\"}"; line="${line%\'}"; line="${line#\'}"
        if [ -n "$line" ]; then echo "$line"; return; fi
    fi
    echo "no DATABASE_URL: set it or put it in $1" >&2
    return 1
}

# libpq_url URL: postgresql+psycopg://u:p@h:5432/db → postgresql://u:p@h:5432/db (SQLAlchemy's
# driver suffix means nothing to pg_dump).
libpq_url() {
    echo "$1" | sed -E 's#^postgres(ql)?(\+[a-z0-9_]+)?://#postgresql://#'
}

# sqlite_path URL: sqlite:////var/lib/x.db → /var/lib/x.db; sqlite:///x.db → x.db (relative).
sqlite_path() {
    local path="${1#sqlite:///}"
    echo "${path%%\?*}"
}
