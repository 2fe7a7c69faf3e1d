#!/usr/bin/env bash
# Installs a real Pulsar server (pulsar-app[web,amqp]: gunicorn + the Pulsar WSGI app,
# kombu for message-queue mode, requests-toolbelt so Pulsar streams the outputs it
# posts back) into a Python virtualenv for the integration tests and bench/pulsar.
#
#   CI unset: ${PULSAR_NETWORK_CACHE:-$HOME/.cache/pulsar-network}/pulsar-venv (shared by worktrees)
#   CI=true:  <repo>/.peers/pulsar-venv (fresh on every CI machine)
#   PULSAR_VENV=<dir> overrides both (test/peers/pulsar.ts reads the same variable).
#
# Safe to run again: a venv whose marker names the same requirement is kept.
# PULSAR_APP_REQUIREMENT overrides the pip requirement (default below).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)

requirement=${PULSAR_APP_REQUIREMENT:-'pulsar-app[web,amqp]==0.16.0 requests-toolbelt'}
if [ -n "${PULSAR_VENV:-}" ]; then
  venv=$PULSAR_VENV
elif [ "${CI:-}" = "true" ]; then
  venv=$repo/.peers/pulsar-venv
else
  venv=${PULSAR_NETWORK_CACHE:-$HOME/.cache/pulsar-network}/pulsar-venv
fi
marker=$venv/.pulsar-network-requirement

if [ -x "$venv/bin/pulsar-serve" ] && [ -f "$marker" ] && [ "$(cat "$marker")" = "$requirement" ]; then
  echo "pulsar: $requirement already in $venv"
  exit 0
fi

python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null; then
  echo "pulsar: $python not found; install Python 3.9+ with the venv module" >&2
  exit 1
fi

# Debian's python3 needs python3-venv for `-m venv` (ensurepip); install it when we can.
if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "pulsar: installing python3-venv with apt-get"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  else
    echo "pulsar: $python cannot create virtualenvs; install python3-venv (Debian/Ubuntu)" >&2
    exit 1
  fi
fi

mkdir -p "$(dirname "$venv")"
rm -f "$marker"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
# The requirement may name several packages (space-separated); split it without globbing.
read -r -a requirements <<< "$requirement"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${requirements[@]}"
"$venv/bin/python" -c 'import pulsar, pulsar.client; print("pulsar: installed pulsar-app", pulsar.__version__)'
echo "$requirement" > "$marker"
echo "pulsar: venv ready at $venv"
