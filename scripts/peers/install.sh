#!/usr/bin/env bash
# Installs the real peers the tests run against (Pulsar, RabbitMQ, Chromium,
# Node 24, Deno, ...). Each install-*.sh beside this file installs one and is
# safe to run again. Outside CI, installs are cached under .peers/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for script in "$here"/install-*.sh; do
  echo "== peers: $(basename "$script")"
  bash "$script"
done
