#!/usr/bin/env bash
# Set up everything, then run every test: lint and format checks, jest,
# pytest and the UI tests in Debian's Chromium against real JupyterLab
# servers. Every stage runs; the summary gives each stage's wall time and the
# exit status is non-zero when any stage failed.
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

start=$(date +%s)
bash scripts/setup.sh --browser || { echo "test.sh: setup failed" >&2; exit 1; }
export PATH="$repo/.venv/bin:$PATH"
setup_s=$(( $(date +%s) - start ))

declare -a names=() times=() results=()
failed=0
stage() {
  local name="$1"; shift
  printf '\n== stage: %s\n' "$name"
  local t0; t0=$(date +%s)
  if "$@"; then results+=("ok"); else results+=("FAILED"); failed=1; fi
  names+=("$name"); times+=("$(( $(date +%s) - t0 ))")
}

lint() {
  ruff check python test bench &&
    ruff format --check python test bench &&
    npx --no-install eslint . &&
    npx --no-install prettier --check "**/*{.ts,.tsx,.js,.jsx,.css,.json,.md}"
}

stage "lint (ruff, eslint, prettier)" lint
stage "jest" npx --no-install jest
stage "pytest" python -m pytest
stage "ui (galata, chromium)" npx --no-install playwright test --config test/ui/playwright.config.js

printf '\n== summary\n'
printf '%-32s %6ss  %s\n' "setup" "$setup_s" "ok"
for i in "${!names[@]}"; do
  printf '%-32s %6ss  %s\n' "${names[$i]}" "${times[$i]}" "${results[$i]}"
done
printf '%-32s %6ss\n' "total" "$(( $(date +%s) - start ))"
exit "$failed"
