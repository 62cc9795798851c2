#!/usr/bin/env bash
# Installs Debian's chromium for the console's browser test (playwright-core drives it; no browser download).
# Idempotent: an installed chromium is reused. Prints the binary's path as its last line.
set -euo pipefail

bin="${GEMINIFLOW_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

if [ "$(id -u)" != "0" ]; then
  echo "install-chromium: $bin is missing; install Debian's chromium as root: apt-get install chromium" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: no apt-get here; install chromium with your system's package manager, or set GEMINIFLOW_CHROMIUM" >&2
  exit 1
fi

echo "install-chromium: installing Debian's chromium (first time: a minute or two)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
echo "$bin"
