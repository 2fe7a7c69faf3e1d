#!/usr/bin/env bash
# Packs the package and checks the tarball: publint, arethetypeswrong, typedoc.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache/pack
rm -f .cache/pack/*.tgz
npm pack --silent --pack-destination .cache/pack >/dev/null
tarball=$(ls .cache/pack/pulsar-network-*.tgz)
npx publint run "$tarball" --strict
npx attw "$tarball" --profile node16
npx typedoc --logLevel Warn
