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
# their servers, and two workers are not yet proven on a busy 2-core machine). Lint, jest
# and the UI tests run beside pytest; NBREPRO_TEST_SERIAL=1 runs one stage after another.
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

# Stages that run beside pytest: their output goes to a log, printed (with their own
# wall time and result) once pytest is done.
declare -a bg_names=() bg_logs=() bg_pids=()
mkdir -p "$repo/.cache"
beside() {
  local name="$1"; shift
  local log="$repo/.cache/stage-${#bg_names[@]}.log"
  bg_names+=("$name"); bg_logs+=("$log")
  (
    t0=$(date +%s)
    if "$@" > "$log" 2>&1; then rc=0; else rc=1; fi
    echo "$rc $(( $(date +%s) - t0 ))" > "$log.done"
  ) &
  bg_pids+=("$!")
}
collect_beside() {
  local i rc secs
  for i in "${!bg_names[@]}"; do
    wait "${bg_pids[$i]}" || true
    printf '\n== stage: %s (ran beside pytest)\n' "${bg_names[$i]}"
    cat "${bg_logs[$i]}"
    read -r rc secs < "${bg_logs[$i]}.done" || { rc=1; secs=0; }
    names+=("${bg_names[$i]}"); times+=("$secs")
    if [ "$rc" = 0 ]; then results+=("ok"); else results+=("FAILED"); failed=1; fi
  done
}

if [ "${NBREPRO_TEST_SERIAL:-0}" = 1 ]; then
  stage "lint (ruff, eslint, prettier)" lint
  stage "jest" npx --no-install jest
  if [ "$fast" = 1 ]; then
    stage "pytest (fast lane)" python -m pytest "${parallel[@]}" \
      -m "not kernel and not venv and not browser"
  else
    stage "pytest" env NBREPRO_EVERY_TEST=1 python -m pytest "${parallel[@]}"
    stage "ui (galata, chromium)" ui_tests
  fi
else
  # Lint and jest are short, and the UI tests mostly wait (on the browser, the servers and
  # their kernels: about a third of one core), while pytest keeps every core busy: they run
  # beside it, pytest at a lower priority in the full run, so that what the browser waits
  # for is never queued behind it (NBREPRO_TEST_SERIAL=1: one stage after the other).
  beside "lint (ruff, eslint, prettier)" lint
  beside "jest" npx --no-install jest
  if [ "$fast" = 1 ]; then
    stage "pytest (fast lane)" python -m pytest "${parallel[@]}" \
      -m "not kernel and not venv and not browser"
  else
    beside "ui (galata, chromium)" ui_tests
    stage "pytest" env NBREPRO_EVERY_TEST=1 nice -n 10 python -m pytest "${parallel[@]}"
  fi
  collect_beside
fi

printf '\n== summary\n'
printf '%-32s %6ss  %s\n' "setup" "$setup_s" "ok"
for i in "${!names[@]}"; do
  printf '%-32s %6ss  %s\n' "${names[$i]}" "${times[$i]}" "${results[$i]}"
done
printf '%-32s %6ss\n' "total" "$(( $(date +%s) - start ))"
exit "$failed"
