#!/usr/bin/env bash
# Packs the package and checks the tarball: publint, arethetypeswrong, typedoc;
# compiles every @example in the TSDoc against the built package; holds the
# browser bundle to its size budget; and dry-runs the JSR publish with Deno.
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
echo "== browser bundle sizes (esbuild, minified, gzip -9)"
node scripts/bundle-size.mjs
echo "== JSR: deno publish --dry-run (jsr.json)"
# Deno from the runtime peers (scripts/peers/install-runtimes.sh), or DENO.
if [ "${CI:-}" = "true" ]; then runtimes=.peers/runtimes; else runtimes=${PULSAR_NETWORK_CACHE:-$HOME/.cache/pulsar-network}/runtimes; fi
deno=${DENO:-$runtimes/deno/node_modules/.bin/deno}
if [ ! -x "$deno" ]; then
  echo "package-lint: no Deno at $deno: run scripts/peers/install-runtimes.sh (or npm run peers), or set DENO" >&2
  exit 1
fi
# --sloppy-imports: the sources import './x.js' for './x.ts' (as tsc wants); publish rewrites them.
# --allow-slow-types: one public field has an inferred type (HttpClient.secrets).
"$deno" publish --dry-run --sloppy-imports --allow-slow-types --allow-dirty 2>&1 | grep -v '^   file://' 
