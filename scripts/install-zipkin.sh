#!/usr/bin/env bash
# Installs the Zipkin server (a trace backend with its own UI, the `exec` jar published on Maven Central) at the given
# version into the git-ignored .tools/zipkin, for the tracing test. Idempotent: a jar of that version is reused. Prints
# the jar's path as its last line. Needs Java 17 or newer to run it and Maven to fetch it: installed from Debian's
# packages when missing and this runs as root (as for Chromium), otherwise named.
#
# Why Zipkin rather than Jaeger: Jaeger's Go module ships its UI as a placeholder (the real one is built from a separate
# JavaScript repository that no package registry serves), and the test must show the trace in the backend's UI.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
version="${1:-3.5.1}"
dest="$root/.tools/zipkin"
jar="$dest/zipkin-server-$version-exec.jar"

if [ -s "$jar" ] && [ "$(cat "$dest/version" 2>/dev/null)" = "$version" ]; then
  echo "$jar"
  exit 0
fi

if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-zipkin: Java 17+ and Maven are needed to fetch and run the Zipkin server; install them" \
      "(Debian: apt-get install default-jre-headless maven)" >&2
    exit 1
  fi
  echo "install-zipkin: installing Debian's Java runtime and Maven (first time: a minute or two)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends default-jre-headless maven >&2
fi

echo "install-zipkin: fetching io.zipkin:zipkin-server:$version (exec jar) into $dest" >&2
mkdir -p "$dest"
rm -f "$dest/version"
# A repository of its own inside .tools (removed after), so the machine's ~/.m2 is neither used nor filled.
mvn -q -B -Dmaven.repo.local="$dest/m2" dependency:copy \
  -Dartifact="io.zipkin:zipkin-server:$version:jar:exec" -DoutputDirectory="$dest" -Dmdep.overWriteReleases=true >&2
rm -rf "$dest/m2"
find "$dest" -maxdepth 1 -name 'zipkin-server-*-exec.jar' ! -name "$(basename "$jar")" -delete
echo "$version" > "$dest/version"
echo "$jar"
