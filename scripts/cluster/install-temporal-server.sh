#!/usr/bin/env bash
# Builds the Temporal server and temporal-sql-tool from the Temporal server's Go module at the given version (the
# local cluster passes the tag docker-compose.yml pins for its `temporal` service), into the git-ignored
# .tools/temporal-server. Idempotent: a build of that version is reused. Prints the bin folder as its last line.
#
# The Go module and build caches live inside .tools/temporal-server/go while it builds (removed after), so the first
# run pays for the downloads and the compile (several minutes on two cores) and later runs reuse the binaries;
# deleting .tools/temporal-server measures a cold build without touching the machine's own Go caches. Needs Go (the version the module's go.mod names, or a
# toolchain Go can fetch) and the Go module proxy.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
version="${1:?usage: install-temporal-server.sh <version, e.g. 1.30.1>}"
dest="$root/.tools/temporal-server"
bin="$dest/bin"

if [ -x "$bin/temporal-server" ] && [ -x "$bin/temporal-sql-tool" ] && [ "$(cat "$dest/version" 2>/dev/null)" = "$version" ]; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "install-temporal-server: Go is needed to build the Temporal server $version (https://go.dev/doc/install)" >&2
  exit 1
fi

echo "install-temporal-server: building Temporal server v$version and temporal-sql-tool into $bin (first time: several minutes)" >&2
mkdir -p "$bin"
rm -f "$dest/version"
export GOMODCACHE="$dest/go/mod" GOCACHE="$dest/go/build" GOFLAGS=-modcacherw CGO_ENABLED=0
started=$SECONDS
GOBIN="$dest/go/bin" go install -trimpath -ldflags "-s -w" \
  "go.temporal.io/server/cmd/server@v$version" "go.temporal.io/server/cmd/tools/sql@v$version" >&2
mv "$dest/go/bin/server" "$bin/temporal-server"
mv "$dest/go/bin/sql" "$bin/temporal-sql-tool"
# The schema files temporal-sql-tool applies ship in the same module.
rm -rf "$dest/schema"
cp -r "$GOMODCACHE/go.temporal.io/server@v$version/schema" "$dest/schema"
echo "$version" > "$dest/version"
# The binaries are the cache; the module and build caches (3 GB) are only needed to build again.
rm -rf "$dest/go"
echo "install-temporal-server: built in $((SECONDS - started)) s" >&2
echo "$bin"
