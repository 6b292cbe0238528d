#!/usr/bin/env bash
# Set up everything, then start JupyterLab with nbrepro active on the demo
# notebook. Extra arguments go to `jupyter lab` (for example --no-browser).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$repo/scripts/setup.sh"
cd "$repo/demo"
extra=()
# Jupyter refuses to run as root unless told; containers and CI machines often are root.
[ "$(id -u)" = 0 ] && extra+=(--allow-root)
exec "$repo/.venv/bin/jupyter" lab demo.ipynb "${extra[@]}" "$@"
