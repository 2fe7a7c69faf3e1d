#!/usr/bin/env bash
# Installs Debian's tmux: the command-line tests run `pulsar-network submit
# --watch` in a tmux pane and check what a terminal shows. Safe to run again.
set -euo pipefail
if command -v tmux >/dev/null 2>&1; then
  echo "tmux already installed: $(tmux -V)"
  exit 0
fi
apt-get update -qq
apt-get install -y -qq tmux
echo "tmux installed: $(tmux -V)"
