#!/usr/bin/env bash
# Regenerates demo/pipeline: runs its two notebooks with `nbrepro run` (which records,
# per cell, the files each one read and wrote) in a kernel venv that has ipykernel and
# nothing else (so each step's environment stays small), then exports the workflow.
#   bash scripts/make_demo_pipeline.sh      (after bash scripts/setup.sh)
# test_workflow_snakemake.py checks that the committed Snakefile is what export writes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$root/.venv/bin:$PATH"
ipykernel="$(grep -i '^ipykernel==' "$root/requirements/constraints.txt")"
kernel="$(mktemp -d)"
trap 'rm -rf "$kernel"' EXIT
python -m venv "$kernel/venv"
"$kernel/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$ipykernel"
cd "$root/demo/pipeline"
rm -rf results logs executed .snakemake
# IPython's own files (history, config) go outside the folder; the recording leaves them out.
export IPYTHONDIR="$kernel/ipython"
nbrepro run prepare.ipynb --python "$kernel/venv/bin/python"
nbrepro run summarize.ipynb --python "$kernel/venv/bin/python"
rm -rf steps envs
# This machine's own pip indexes and find-links are no part of the demo's bundles.
env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_INDEX_URL PIP_CONFIG_FILE=/dev/null \
  nbrepro export prepare.ipynb summarize.ipynb --workflow snakemake -o . --force
rm -rf results logs
