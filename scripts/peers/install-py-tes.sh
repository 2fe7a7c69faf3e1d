#!/usr/bin/env bash
# Installs py-tes (the GA4GH TES client in Python, PyPI `py-tes`) 1.1.2 and
# 0.4.2, each in a throwaway virtual environment. The TES integration tests use it to
# cross-check the reference TES server, and bench/tes compares against it.
# Outside CI the venv is cached under ${PULSAR_NETWORK_CACHE:-$HOME/.cache/pulsar-network};
# with CI=true it is installed fresh under .peers/ in the repository.
# Safe to run again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ "${CI:-}" = "true" ]; then
  base="$root/.peers"
else
  base="${PULSAR_NETWORK_CACHE:-$HOME/.cache/pulsar-network}"
fi
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
  apt-get update -qq && apt-get install -y -qq python3-venv
fi
# 1.1.2: the current client. 0.4.2: the one Toil's and Snakemake's TES plugins pin
# (TES 0.3 service-info; it imports six without declaring it).
for requirement in "py-tes==1.1.2" "py-tes==0.4.2 six==1.17.0"; do
  version=${requirement#py-tes==}
  version=${version%% *}
  venv="$base/py-tes-$version"
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import tes' 2>/dev/null; then
    echo "py-tes $version already installed in $venv"
    continue
  fi
  mkdir -p "$base"
  rm -rf "$venv"
  python3 -m venv "$venv"
  read -r -a packages <<< "$requirement"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${packages[@]}"
  "$venv/bin/python" -c 'import tes; print("py-tes installed:", tes.__name__)'
  echo "py-tes $version installed in $venv"
done
