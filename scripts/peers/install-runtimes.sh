#!/usr/bin/env bash
# Installs the extra JavaScript runtimes of the runtime matrix from the npm
# registry: Node 24 (package node@24) and Deno 2 (package deno@2), each into
# its own prefix. Safe to run again.
#
#   CI unset: ${PULSAR_NETWORK_CACHE:-$HOME/.cache/pulsar-network}/runtimes (shared by worktrees)
#   CI=true:  <repo>/.peers/runtimes (fresh on every CI machine)
# test/peers/runtimes.ts finds them the same way.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
if [ "${CI:-}" = "true" ]; then
  dir=$repo/.peers/runtimes
else
  dir=${PULSAR_NETWORK_CACHE:-$HOME/.cache/pulsar-network}/runtimes
fi

# install NAME SPEC BIN EXPECTED-VERSION-PREFIX
install() {
  local name=$1 spec=$2 bin=$3 want=$4 prefix="$dir/$1" pkg=${2%@*}
  local exe="$prefix/node_modules/.bin/$bin"
  if [ -x "$exe" ] && "$exe" --version 2>/dev/null | grep -q "$want"; then
    echo "runtimes: $name already installed: $("$exe" --version | head -1)"
    return
  fi
  rm -rf "$prefix"
  mkdir -p "$prefix"
  # The packages fetch their platform binary in an install script: allow it.
  echo '{"name":"runtime-'"$name"'","private":true,"allowScripts":{"'"$pkg"'":true}}' >"$prefix/package.json"
  npm install --prefix "$prefix" --no-audit --no-fund --ignore-scripts=false --foreground-scripts "$spec"
  local got
  got=$("$exe" --version | head -1)
  case "$got" in
    *"$want"*) echo "runtimes: $name installed: $got" ;;
    *) echo "runtimes: $name gave '$got', expected $want" >&2; exit 1 ;;
  esac
}

install node24 node@24 node v24.
install deno deno@2 deno 'deno 2.'
