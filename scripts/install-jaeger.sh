#!/usr/bin/env bash
# Builds Jaeger's all-in-one binary (`cmd/jaeger`: Jaeger v2, an OpenTelemetry Collector with Jaeger's storage and
# query service, taking OTLP over gRPC and HTTP) from Jaeger's Go module at the given module version, into the
# git-ignored .tools/jaeger, for the OTLP trace test. Idempotent: a build of that version is reused. Prints the
# binary's path as its last line.
#
# The module is built in its own folder, with its own go.mod and go.sum (its `replace` directives included, which
# `go install pkg@version` refuses), with CGO off. The Go module and build caches live inside .tools/jaeger/go while it
# builds (removed after), so the first run pays for the downloads and the compile (several minutes on two cores) and
# later runs reuse the binary. Needs Go (the version the module's go.mod names, or a toolchain Go can fetch) and the Go
# module proxy. Its UI is a placeholder page (Jaeger's real UI is built from a separate JavaScript repository); the
# test reads traces through its query API.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
version="${1:-1.75.0}"
dest="$root/.tools/jaeger"
bin="$dest/bin/jaeger"

if [ -x "$bin" ] && [ "$(cat "$dest/version" 2>/dev/null)" = "$version" ]; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "install-jaeger: Go is needed to build Jaeger $version (https://go.dev/doc/install)" >&2
  exit 1
fi

echo "install-jaeger: building Jaeger (module v$version, cmd/jaeger) into $bin (first time: several minutes)" >&2
mkdir -p "$dest/bin"
rm -f "$dest/version"
export GOMODCACHE="$dest/go/mod" GOCACHE="$dest/go/build" GOFLAGS=-modcacherw CGO_ENABLED=0
started=$SECONDS
module="$(cd "$dest" && go mod download -json "github.com/jaegertracing/jaeger@v$version" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')"
if [ ! -f "$module/go.mod" ]; then
  echo "install-jaeger: the Go module github.com/jaegertracing/jaeger@v$version did not download" >&2
  exit 1
fi
go build -C "$module" -trimpath -ldflags "-s -w" -o "$dest/go/jaeger" ./cmd/jaeger >&2
mv "$dest/go/jaeger" "$bin"
echo "$version" > "$dest/version"
# The binary is the cache; the module and build caches (gigabytes) are only needed to build again.
rm -rf "$dest/go"
echo "install-jaeger: built in $((SECONDS - started)) s" >&2
echo "$bin"
