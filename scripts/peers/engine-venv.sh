#!/usr/bin/env bash
# Shared by the engine installers (sourced, not run): makes a Python venv for
# one workflow engine from a pinned requirements file, idempotently.
#
#   engine_venv NAME REQUIREMENTS_FILE
#
# The venv is ${PULSAR_NETWORK_CACHE:-$HOME/.cache/pulsar-network}/NAME (or
# <repo>/.peers/NAME with CI=true); a marker holds the sha256 of the
# requirements, so a changed pin reinstalls. Prints the venv path on the last line.
engine_venv() {
  local name=$1 requirements=$2 base venv marker want
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  if [ "${CI:-}" = "true" ]; then base="$root/.peers"; else base="${PULSAR_NETWORK_CACHE:-$HOME/.cache/pulsar-network}"; fi
  venv="$base/$name"
  marker="$venv/.pulsar-network-requirements"
  want=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [ -x "$venv/bin/python" ] && [ -f "$marker" ] && [ "$(cat "$marker")" = "$want" ]; then
    echo "$name: already installed in $venv" >&2
    echo "$venv"
    return 0
  fi
  if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  fi
  mkdir -p "$base"
  rm -rf "$venv"
  python3 -m venv "$venv"
  local started=$SECONDS
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
  echo "$want" > "$marker"
  echo "$name: installed in $venv in $((SECONDS - started)) s" >&2
  echo "$venv"
}
