#!/usr/bin/env bash
# Builds Funnel (github.com/ohsu-comp-bio/funnel, a GA4GH TES server in Go) from the
# source tree supplied in ../shared/peers/funnel/ (see SOURCE.md there), for the TES
# integration tests (test/peers/funnel.ts) and bench/tes. Nothing of Funnel's is kept
# in this repository: the build happens here, from that tarball, on every fresh machine.
#
#   CI unset: ${PULSAR_NETWORK_CACHE:-$HOME/.cache/pulsar-network}/funnel (shared by worktrees)
#   CI=true:  <repo>/.peers/funnel (fresh on every CI machine)
#   FUNNEL_SOURCE=<tarball> overrides where the source is (default: ../shared/peers/funnel/funnel-src-*.tar.gz).
#
# The build (Go modules from the Go module proxy, then a 7-11 min compile on 2 cores) is
# cached by the hash of the source, the Go version and the build flags: build-<hash>/funnel.
# GOMODCACHE and GOCACHE live beside it, so a rebuild after a change reuses them.
#
# By default the build runs in the background (niced), so it overlaps the other installs
# and the start of `npm test`; test/peers/funnel.ts waits for it (build-<hash>/status says
# `building`, `ok` or `failed`, build.log has the output). `--wait` builds in the foreground.
#
# Also written beside the binary, whatever the cache holds: the container driver
# (funnel-driver.sh: runs each executor on this host in a private mount namespace) and the
# base config (funnel.yml); the test helper adds ports, directories and AllowedDirs to it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

wait_for_build=false
if [ "${1:-}" = "--wait" ]; then wait_for_build=true; fi

if [ "${CI:-}" = "true" ]; then
  base=$repo/.peers/funnel
else
  base=${PULSAR_NETWORK_CACHE:-$HOME/.cache/pulsar-network}/funnel
fi

source_tarball=${FUNNEL_SOURCE:-}
if [ -z "$source_tarball" ]; then
  for candidate in "$repo"/../shared/peers/funnel/funnel-src-*.tar.gz; do
    if [ -f "$candidate" ]; then source_tarball=$candidate; fi
  done
fi
if [ -z "$source_tarball" ] || [ ! -f "$source_tarball" ]; then
  echo "funnel: no Funnel source tarball at ../shared/peers/funnel/funnel-src-*.tar.gz (set FUNNEL_SOURCE)" >&2
  exit 1
fi
source_tarball=$(cd "$(dirname "$source_tarball")" && pwd)/$(basename "$source_tarball")
if ! command -v go >/dev/null; then
  if [ -x /usr/local/go/bin/go ]; then
    PATH=/usr/local/go/bin:$PATH
  else
    echo "funnel: the Go toolchain (go >= 1.26, for Funnel's go.mod) is not on PATH" >&2
    exit 1
  fi
fi

# The commit is in the tarball's name (funnel-src-<commit>.tar.gz); the release it follows
# is the first heading of Funnel's CHANGELOG. Both go into the binary's version, as
# Funnel's Makefile does with `git describe`.
commit=$(basename "$source_tarball" .tar.gz)
commit=${commit#funnel-src-}
go_version=$(go env GOVERSION)
ldflags_common="-s -w"
build_flags="-trimpath"
hash=$( (sha256sum <"$source_tarball" | cut -d' ' -f1; echo "$go_version $build_flags $ldflags_common v1") | sha256sum | cut -c1-16)
build=$base/build-$hash
mkdir -p "$build" "$base/root"

# The driver and config are small and change with this repository, not with Funnel: always rewrite.
install -m 0755 "$here/funnel/funnel-driver.sh" "$build/funnel-driver.sh"
install -m 0644 "$here/funnel/funnel.yml" "$build/funnel.yml"
echo "$build" >"$base/current"

status_of() { cat "$build/status" 2>/dev/null || echo none; }

if [ "${1:-}" = "--build" ]; then
  # The build itself (run by the two modes below). One at a time per cache: a second
  # caller waits for the lock and then finds the binary built.
  exec 9>"$build/lock"
  flock 9
  if [ -x "$build/funnel" ] && [ "$(status_of)" = ok ]; then exit 0; fi
  echo building >"$build/status"
  echo $$ >"$build/build.pid"
  src=$(mktemp -d "$base/src.XXXXXX")
  trap 'rm -rf "$src"; [ "$(status_of)" = ok ] || echo failed >"$build/status"' EXIT
  started=$(date +%s)
  tar -xzf "$source_tarball" -C "$src"
  release=$(sed -n '1s/^# \[\{0,1\}\([0-9][0-9.]*\).*/\1/p' "$src/CHANGELOG.md" 2>/dev/null || true)
  version="${release:-0.0.0}+${commit}"
  echo "funnel: building $version from $source_tarball with $go_version"
  cd "$src"
  export CGO_ENABLED=0 GOFLAGS=-mod=readonly GOTOOLCHAIN=local GOMODCACHE=$base/go/mod GOCACHE=$base/go/cache
  # shellcheck disable=SC2086 # the flags are words
  go build $build_flags -ldflags "$ldflags_common -X github.com/ohsu-comp-bio/funnel/version.Version=$version -X github.com/ohsu-comp-bio/funnel/version.GitCommit=$commit" -o "$build/funnel.partial" .
  mv "$build/funnel.partial" "$build/funnel"
  echo "$version" >"$build/version"
  echo "funnel: built $version in $(($(date +%s) - started)) s: $build/funnel"
  echo ok >"$build/status"
  exit 0
fi

if [ -x "$build/funnel" ] && [ "$(status_of)" = ok ]; then
  echo "funnel: $(cat "$build/version") already built at $build/funnel"
  exit 0
fi

if $wait_for_build; then
  bash "$0" --build 2>&1 | tee "$build/build.log"
  exit "${PIPESTATUS[0]}"
fi

# In the background, at low priority, in a session of its own: the other installs and the
# tests that need no Funnel go on meanwhile; test/peers/funnel.ts waits for `ok`.
echo building >"$build/status"
nohup setsid nice -n 15 bash "$0" --build </dev/null >"$build/build.log" 2>&1 &
echo "funnel: building in the background (log: $build/build.log); test/peers/funnel.ts waits for it"
