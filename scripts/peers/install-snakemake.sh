#!/usr/bin/env bash
# Installs Snakemake 9.27.1 with its GA4GH TES executor plugin (0.1.3, which
# brings py-tes 0.4.2; six is the dependency py-tes forgets) and the fs
# storage plugin (1.1.3, which needs rsync), pinned in
# engines/snakemake-requirements.txt, for the engine tests through the gateway.
#
# Every Snakemake TES job runs `pip install snakemake-storage-plugin-fs` inside
# the task before it starts: the venv's pip.conf points that pip at wheels
# downloaded here (no index), so tasks need no network and deploy the same
# pinned plugin. Safe to run again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v rsync >/dev/null; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rsync >/dev/null
fi
# shellcheck source=engine-venv.sh
. "$here/engine-venv.sh"
venv=$(engine_venv snakemake-9.27.1 "$here/engines/snakemake-requirements.txt" | tail -1)
if [ ! -f "$venv/pip.conf" ]; then
  "$venv/bin/pip" download --quiet --disable-pip-version-check -d "$venv/wheels" -r "$here/engines/snakemake-task-requirements.txt"
  printf '[global]\nno-index = true\nfind-links = %s\ndisable-pip-version-check = true\n' "$venv/wheels" > "$venv/pip.conf"
fi
"$venv/bin/snakemake" --version
