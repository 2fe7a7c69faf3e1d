#!/usr/bin/env bash
# Installs Debian's bubblewrap, the sandbox of the local site's
# `sandbox: 'bubblewrap'` (and of Pulsar command lines), and checks that it
# can make a sandbox here (user namespaces on). Safe to run again.
set -euo pipefail
if ! command -v bwrap >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends bubblewrap
fi
bwrap --version
bwrap --unshare-all --cap-drop ALL --die-with-parent --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp true && echo "bubblewrap: a sandbox works here"
