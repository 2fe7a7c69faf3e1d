#!/usr/bin/env bash
# Installs Sprocket 0.33.0 (a WDL engine with a GA4GH TES backend) for the
# engine tests: the binary in ../shared/peers/sprocket/ (see its SOURCE.md),
# checked against its sha256 and unpacked; when it cannot run here, built with
# `cargo install sprocket --version 0.33.0 --locked` (about 13 min on 2 cores).
# Outside CI it is cached under ${PULSAR_NETWORK_CACHE:-$HOME/.cache/pulsar-network};
# with CI=true under .peers/. Safe to run again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=0.33.0
sha256=16430307ba9107ce180aa854e812cde5d1ff940a2032bc1e76e7000cb1d3dcd6
if [ "${CI:-}" = "true" ]; then base="$root/.peers"; else base="${PULSAR_NETWORK_CACHE:-$HOME/.cache/pulsar-network}"; fi
dir="$base/sprocket-$version"
if [ -x "$dir/bin/sprocket" ] && "$dir/bin/sprocket" --version 2>/dev/null | grep -q "sprocket $version"; then
  echo "sprocket $version already installed in $dir"
  exit 0
fi
mkdir -p "$dir/bin"
archive="${SPROCKET_ARCHIVE:-$root/../shared/peers/sprocket/sprocket-$version-x86_64-linux-gnu.gz}"
if [ -f "$archive" ] && [ "$(sha256sum "$archive" | cut -d' ' -f1)" = "$sha256" ]; then
  gunzip -c "$archive" > "$dir/bin/sprocket.part"
  chmod 755 "$dir/bin/sprocket.part"
  mv "$dir/bin/sprocket.part" "$dir/bin/sprocket"
fi
if ! "$dir/bin/sprocket" --version 2>/dev/null | grep -q "sprocket $version"; then
  echo "sprocket: the shipped binary is missing or cannot run here; building it with cargo" >&2
  cargo install sprocket --version "$version" --locked --root "$dir"
fi
"$dir/bin/sprocket" --version
