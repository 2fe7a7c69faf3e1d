#!/usr/bin/env bash
# Makes docs/notebook.png, the README's picture of examples/notebook.ipynb: runs the notebook
# headless under Deno's kernel (scripts/notebook/execute.py), renders the executed copy to HTML
# (nbconvert), and screenshots the whole page with headless Chromium (playwright-core).
# Needs `npm run peers` (install-jupyter.sh, install-runtimes.sh, install-chromium.sh).
#
#   bash scripts/notebook-screenshot.sh [OUT.png]   (default docs/notebook.png)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$root/docs/notebook.png}")
if [ "${CI:-}" = "true" ]; then base="$root/.peers"; else base="${PULSAR_NETWORK_CACHE:-$HOME/.cache/pulsar-network}"; fi
venv="$base/jupyter-venv"
kernels="$base/jupyter-kernels/jupyter"
for need in "$venv/bin/python" "$kernels/kernels/deno/kernel.json" /usr/bin/chromium; do
  [ -e "$need" ] || { echo "notebook-screenshot: $need is missing: run npm run peers" >&2; exit 2; }
done
[ -f "$root/dist/node.js" ] || (cd "$root" && npm run --silent build)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" JUPYTER_PATH="$kernels" JUPYTER_DATA_DIR="$work/data" JUPYTER_CONFIG_DIR="$work/config" JUPYTER_RUNTIME_DIR="$work/runtime" NO_COLOR=1
mkdir -p "$HOME"
"$venv/bin/python" "$root/scripts/notebook/execute.py" "$root/examples/notebook.ipynb" "$work/notebook.ipynb"
"$venv/bin/jupyter" nbconvert --to html --log-level WARN --output-dir "$work" --output notebook.html "$work/notebook.ipynb"
mkdir -p "$(dirname "$out")"
(cd "$root" && node --input-type=module - "$work/notebook.html" "$out" <<'JS'
import { chromium } from 'playwright-core';
const [page, out] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
try {
  const tab = await browser.newPage({ viewport: { width: 1100, height: 800 }, deviceScaleFactor: 1 });
  await tab.goto(`file://${page}`);
  await tab.screenshot({ path: out, fullPage: true });
} finally {
  await browser.close();
}
JS
)
echo "notebook-screenshot: wrote $out"
