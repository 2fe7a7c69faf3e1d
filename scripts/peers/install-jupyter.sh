#!/usr/bin/env bash
# Installs what runs examples/notebook.ipynb headless: a venv with pinned
# nbconvert/nbclient/jupyter_client/jupyter_core (PyPI, jupyter-requirements.txt),
# and Deno's Jupyter kernel (`deno jupyter --install`, Deno from
# install-runtimes.sh) in a Jupyter data dir of its own, never the user's:
#
#   <cache>/jupyter-venv           the venv (jupyter nbconvert)
#   <cache>/jupyter-kernels/jupyter   a JUPYTER_PATH entry holding kernels/deno
#
# <cache> is ${PULSAR_NETWORK_CACHE:-$HOME/.cache/pulsar-network}, or <repo>/.peers
# with CI=true. test/peers/jupyter.ts finds them the same way. Safe to run again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=engine-venv.sh
. "$here/engine-venv.sh"
venv=$(engine_venv jupyter-venv "$here/jupyter-requirements.txt" | tail -1)
"$venv/bin/jupyter" nbconvert --version >/dev/null

if [ "${CI:-}" = "true" ]; then base="$root/.peers"; else base="${PULSAR_NETWORK_CACHE:-$HOME/.cache/pulsar-network}"; fi
deno="$base/runtimes/deno/node_modules/.bin/deno"
if [ ! -x "$deno" ]; then
  bash "$here/install-runtimes.sh"
fi
kernels="$base/jupyter-kernels"
spec="$kernels/jupyter/kernels/deno/kernel.json"
# The kernel spec names the deno binary by path: install again when it moved.
if [ -f "$spec" ] && grep -qF "\"$(readlink -f "$deno")\"" "$spec"; then
  echo "jupyter: Deno kernel already installed in $kernels/jupyter"
else
  rm -rf "$kernels"
  mkdir -p "$kernels/home"
  # `deno jupyter --install` writes the spec to $XDG_DATA_HOME/jupyter/kernels/deno (it does not read
  # JUPYTER_DATA_DIR): point that and HOME at our directory, never the user's.
  HOME="$kernels/home" XDG_DATA_HOME="$kernels" PATH="$venv/bin:$PATH" "$(readlink -f "$deno")" jupyter --install --force
fi
test -f "$spec" || { echo "jupyter: deno jupyter --install wrote no $spec" >&2; exit 1; }
HOME="$kernels/home" JUPYTER_PATH="$kernels/jupyter" JUPYTER_DATA_DIR="$kernels/home/data" JUPYTER_CONFIG_DIR="$kernels/home/config" \
  "$venv/bin/jupyter" kernelspec list
