#!/usr/bin/env bash
# The whole test suite, as CI runs it (README: "Run the tests").
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== generated types are what the generator makes"
npm run --silent generate:check
echo "== typecheck"
npm run --silent typecheck
echo "== build"
npm run --silent build
echo "== package checks (publint, attw, typedoc)"
npm run --silent lint:package
echo "== tests"
npx vitest run
