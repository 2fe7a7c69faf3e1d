#!/usr/bin/env bash
# The whole test suite, as CI runs it (README: "Run the tests").
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== generated types are what the generator makes"
npm run --silent generate:check
echo "== typecheck"
npm run --silent typecheck
echo "== import direction (layers in .dependency-cruiser.cjs)"
npm run --silent lint:imports
echo "== sizes (files <= 400 lines, functions <= 80)"
node scripts/check-sizes.mjs
echo "== build"
npm run --silent build
echo "== package checks (publint, attw, typedoc)"
npm run --silent lint:package
echo "== tests"
mkdir -p .cache
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest-results.json "$@" || status=$?
# Closing lines: the TES tests against Funnel, then "tests: N passed, N failed" for CI.
node scripts/test-summary.mjs || true
exit "$status"
