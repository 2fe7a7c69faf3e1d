#!/usr/bin/env bash
# Installs Toil 7.0.0 with CWL support and its GA4GH TES batch system
# (toil-batch-system-tes 2.0.0, which pins toil[aws]>=7,<8 and py-tes<1:
# Toil 8+ has no TES batch system), pinned in engines/toil-requirements.txt,
# for the engine tests through the gateway. Safe to run again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=engine-venv.sh
. "$here/engine-venv.sh"
venv=$(engine_venv toil-7.0.0 "$here/engines/toil-requirements.txt" | tail -1)
"$venv/bin/toil" --version
