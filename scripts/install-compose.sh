#!/usr/bin/env bash
# Installs Docker Compose v2, the reference Compose implementation, into the git-ignored .tools/compose, for
# validating docker-compose.yml where no container engine runs (`docker-compose config` needs no daemon).
# Idempotent: an existing install of the pinned version is reused. Prints the binary's path as its last line.
#
# Compose v2 is a Go module; `go install <module>@<version>` refuses it (its go.mod has exclude directives), so it
# is built as the dependency of a two-line module instead. Needs Go >= 1.24 and the Go module proxy; the first build
# takes a few minutes on two cores, later ones reuse Go's build cache.
set -euo pipefail

version="v2.40.3"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.tools/compose"
bin="$dest/bin/docker-compose"

if [ -x "$bin" ] && [ "$("$bin" version --short 2>/dev/null)" = "${version#v}" ]; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "install-compose: Go >= 1.24 is needed to build Docker Compose $version (https://go.dev/doc/install)" >&2
  exit 1
fi

echo "install-compose: building Docker Compose $version into $dest (first time: a few minutes)" >&2
src="$dest/src"
rm -rf "$src"
mkdir -p "$src" "$dest/bin"
cat > "$src/go.mod" <<MOD
module geminiflow.local/compose

go 1.24

require github.com/docker/compose/v2 $version
MOD
cat > "$src/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/docker/compose/v2/cmd"
GO
(
  cd "$src"
  GOFLAGS=-mod=mod go mod tidy >&2
  CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$version" \
    -o "$bin.tmp" github.com/docker/compose/v2/cmd >&2
)
mv "$bin.tmp" "$bin"
"$bin" version >&2
echo "$bin"
