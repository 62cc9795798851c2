#!/usr/bin/env bash
# Installs the project's Node.js LTS and a pinned npm into the git-ignored .tools/node, from the npm registry (the
# `node` package carries the official binary for this platform), and prints the folder to put first on PATH.
# Idempotent. Why pin npm too: npm 10 and npm 11 write package-lock.json differently (npm 10 drops the `libc` field of
# platform packages), so one npm for every install keeps the lockfile byte-stable and `npm ci` reproducible.
set -euo pipefail

node_version="24.21.0"
npm_version="11.21.2"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.tools/node"
bin="$dest/node_modules/.bin"

if [ -x "$bin/node" ] && [ "$("$bin/node" --version)" = "v$node_version" ] &&
  [ "$(PATH="$bin:$PATH" "$bin/npm" --version 2>/dev/null)" = "$npm_version" ]; then
  echo "$bin"
  exit 0
fi

echo "install-node: Node.js $node_version and npm $npm_version into $dest" >&2
rm -rf "$dest"
mkdir -p "$dest"
echo '{"private": true}' > "$dest/package.json"
npm install --prefix "$dest" --no-audit --no-fund --no-package-lock --loglevel=error \
  "node@$node_version" "npm@$npm_version" >&2
"$bin/node" --version >&2
echo "$bin"
