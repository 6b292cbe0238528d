#!/usr/bin/env bash
# Set up everything, then run every test: lint and format checks, jest,
# pytest and the UI tests in Debian's Chromium against real JupyterLab
# servers. Every stage runs; the summary gives each stage's wall time and the
# exit status is non-zero when any stage failed.
#
#   bash scripts/test.sh          every test (what CI runs)
#   bash scripts/test.sh --fast   the edit loop: lint, jest and the Python tests
#                                 that start no kernel, build no venv, run no pip
#                                 and open no browser (pytest -m "not kernel and
#                                 not venv and not browser"); no UI tests
#
# The full command skips nothing quietly: NBREPRO_EVERY_TEST=1 makes pytest fail a
# skipped test unless the reason is a fact of the machine (test/python/harness.py,
# MACHINE_FACTS), and the UI tests run every project.
#
# pytest runs on every core (pytest-xdist, -n auto); PYTEST_WORKERS=1 runs it
# in one process; UI_WORKERS sets Playwright's workers (default 1: the UI tests share
# their servers, and two workers are not yet proven on a busy 2-core machine). The UI
# tests run beside pytest (they mostly wait); NBREPRO_TEST_SERIAL=1 runs them after it.
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

fast=0
for arg in "$@"; do
  case "$arg" in
    --fast) fast=1 ;;
    *) echo "test.sh: unknown option '$arg' (known: --fast)" >&2; exit 2 ;;
  esac
done

# Python caches what it compiles (setup.sh installs without compiling): the tests start
# hundreds of kernels and commands, and pytest caches its rewritten test modules too.
unset PYTHONDONTWRITEBYTECODE

start=$(date +%s)
if [ "$fast" = 1 ]; then setup_args=(); else setup_args=(--browser); fi
bash scripts/setup.sh "${setup_args[@]}" || { echo "test.sh: setup failed" >&2; exit 1; }
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

workers="${PYTEST_WORKERS:-auto}"
if [ "$workers" = 1 ]; then parallel=(); else parallel=(-n "$workers" --dist loadgroup); fi

ui_tests() {
  npx --no-install playwright test --config test/ui/playwright.config.js \
    --workers "${UI_WORKERS:-1}"
}

stage "lint (ruff, eslint, prettier)" lint
stage "jest" npx --no-install jest
if [ "$fast" = 1 ]; then
  stage "pytest (fast lane)" python -m pytest "${parallel[@]}" \
    -m "not kernel and not venv and not browser"
elif [ "${NBREPRO_TEST_SERIAL:-0}" = 1 ]; then
  stage "pytest" env NBREPRO_EVERY_TEST=1 python -m pytest "${parallel[@]}"
  stage "ui (galata, chromium)" ui_tests
else
  # The UI tests mostly wait (on the browser, the servers and their kernels: about a third
  # of one core) while pytest keeps every core busy, so they run side by side: pytest at a
  # lower priority, so that what the browser waits for is never queued behind it. The UI
  # stage's output is printed when pytest is done (NBREPRO_TEST_SERIAL=1: one after the other).
  ui_log="$repo/.cache/ui-stage.log"
  mkdir -p "$repo/.cache"
  ui_start=$(date +%s)
  ( ui_tests > "$ui_log" 2>&1; echo $? > "$ui_log.rc"; date +%s > "$ui_log.end" ) &
  ui_pid=$!
  stage "pytest" env NBREPRO_EVERY_TEST=1 nice -n 10 python -m pytest "${parallel[@]}"
  wait "$ui_pid"
  printf '\n== stage: %s\n' "ui (galata, chromium; beside pytest)"
  cat "$ui_log"
  names+=("ui (galata, chromium)"); times+=("$(( $(cat "$ui_log.end") - ui_start ))")
  if [ "$(cat "$ui_log.rc" 2>/dev/null)" = 0 ]; then results+=("ok"); else results+=("FAILED"); failed=1; fi
fi

printf '\n== summary\n'
printf '%-32s %6ss  %s\n' "setup" "$setup_s" "ok"
for i in "${!names[@]}"; do
  printf '%-32s %6ss  %s\n' "${names[$i]}" "${times[$i]}" "${results[$i]}"
done
printf '%-32s %6ss\n' "total" "$(( $(date +%s) - start ))"
exit "$failed"
