#!/usr/bin/env bash
# Finds PostgreSQL's server programs (initdb, pg_ctl, postgres), installing Debian's `postgresql` package with apt-get
# when there are none and this runs as root, and prints their folder as its last line. Idempotent: an installed
# PostgreSQL (any version Temporal's postgres12 plugin supports, 12 or newer) is used as it is.
set -euo pipefail

find_bin() {
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return 0
  fi
  # Debian and Ubuntu keep the server programs out of PATH, one folder per major version; the newest wins.
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [ -n "$dir" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ]; then
    echo "$dir"
    return 0
  fi
  return 1
}

if bin="$(find_bin)"; then
  echo "$bin"
  exit 0
fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-postgres: PostgreSQL 12 or newer is needed (initdb and pg_ctl); install it with your package manager," \
    "e.g. 'sudo apt-get install postgresql', then run this again" >&2
  exit 1
fi

echo "install-postgres: installing PostgreSQL from the distribution's packages (apt-get install postgresql)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends postgresql >&2
bin="$(find_bin)" || { echo "install-postgres: apt-get installed postgresql, but initdb was not found" >&2; exit 1; }
echo "$bin"
