#!/usr/bin/env bash
# Installs the real peers the tests run against (Pulsar, RabbitMQ, Funnel,
# Chromium, Node 24, Deno, ...). Each install-*.sh beside this file installs one
# and is safe to run again. Installs are cached under ~/.cache/pulsar-network
# (PULSAR_NETWORK_CACHE), or under .peers/ in the repository when CI=true.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# Funnel first: it only starts its build in the background (minutes of compiling), which
# then overlaps the other installs and the start of the tests.
scripts=("$here/install-funnel.sh")
for script in "$here"/install-*.sh; do
  [ "$script" = "$here/install-funnel.sh" ] || scripts+=("$script")
done
for script in "${scripts[@]}"; do
  echo "== peers: $(basename "$script")"
  bash "$script"
done
