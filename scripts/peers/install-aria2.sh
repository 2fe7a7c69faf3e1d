#!/usr/bin/env bash
# aria2c, the parallel-range download peer of bench/transfer (Debian's package). Optional:
# the bench leaves its row out when it is missing, so a failed install does not stop the others.
set -uo pipefail
if command -v aria2c >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update && apt-get install -y aria2) || echo "install-aria2: could not install aria2 (the bench leaves its row out)"
else
  echo "install-aria2: not root or no apt-get; install aria2 to get the bench's aria2c row"
fi
exit 0
