#!/usr/bin/env bash
# Packs the package and checks the tarball: publint, arethetypeswrong, typedoc;
# then compiles every @example in the TSDoc against the built package.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache/pack
rm -f .cache/pack/*.tgz
npm pack --silent --pack-destination .cache/pack >/dev/null
tarball=$(ls .cache/pack/pulsar-network-*.tgz)
npx publint run "$tarball" --strict
npx attw "$tarball" --profile node16
npx typedoc --logLevel Warn
echo "== every @example in src compiles against the built package"
node scripts/check-examples.mjs
