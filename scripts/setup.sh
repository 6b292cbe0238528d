#!/usr/bin/env bash
# Set up everything nbrepro's development needs, on a fresh machine or again:
# a virtual environment inside the repo (.venv), the Python package installed
# editable with its pinned dependencies, the node packages from the lockfile,
# the built labextension linked into that environment, and (with --browser)
# Debian's Chromium for the UI tests. Each step is skipped when already done.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

want_browser=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    *) echo "setup.sh: unknown option '$arg' (known: --browser)" >&2; exit 2 ;;
  esac
done

step() { printf '\n== %s\n' "$*"; }
stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }
hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }

python="${PYTHON:-python3}"
command -v "$python" >/dev/null || { echo "setup.sh: $python not found; install Python 3.10 or newer" >&2; exit 1; }
command -v node >/dev/null || { echo "setup.sh: node not found; install Node.js 20 or newer" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup.sh: npm not found; install npm" >&2; exit 1; }

# The tests' system tools: Debian's Chromium for the UI tests, shellcheck for
# the exported run.sh.
apt_wanted=()
if [ "$want_browser" = 1 ]; then
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || apt_wanted+=(chromium)
  command -v shellcheck >/dev/null || apt_wanted+=(shellcheck)
fi
if [ "${#apt_wanted[@]}" -gt 0 ]; then
  step "Installing ${apt_wanted[*]} from Debian for the tests"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${apt_wanted[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  step "Creating the virtual environment .venv"
  "$python" -m venv .venv
fi
export PATH="$repo/.venv/bin:$PATH"
export VIRTUAL_ENV="$repo/.venv"

py_inputs=(pyproject.toml requirements/constraints.txt requirements/build.txt requirements/test.txt)
py_stamp=".venv/.nbrepro-python-stamp"
if ! stamp_ok "$py_stamp" "$(hash_of "${py_inputs[@]}")"; then
  step "Installing Python dependencies (pinned by requirements/constraints.txt)"
  python -m pip install -q --disable-pip-version-check --upgrade pip
  # --no-compile: Python compiles a module when it is first imported; compiling every
  # module of every package here (torch alone has thousands) is most of pip's time.
  python -m pip install -q --disable-pip-version-check --no-compile \
    -c requirements/constraints.txt -r requirements/build.txt -r requirements/test.txt
  # The JavaScript side is built below, by npm, so the build hook skips it.
  # An editable install writes python/nbrepro/labextension/install.json, which the
  # next one then adds twice (it is force-included from the top too) and fails:
  # it is build output, made again here.
  rm -f python/nbrepro/labextension/install.json
  HATCH_JUPYTER_BUILDER_SKIP_NPM=1 python -m pip install -q --disable-pip-version-check \
    --no-compile --no-build-isolation -c requirements/constraints.txt -e ".[dev,test]"
  hash_of "${py_inputs[@]}" > "$py_stamp"
fi

if [ "$want_browser" = 1 ]; then
  wheelhouse=".cache/wheelhouse"
  wh_stamp="$wheelhouse/.nbrepro-stamp"
  if ! stamp_ok "$wh_stamp" "$(hash_of requirements/constraints.txt requirements/e2e.txt)"; then
    step "Downloading the wheels the offline end-to-end test installs (into $wheelhouse)"
    python -m pip download -q --disable-pip-version-check --only-binary=:all: \
      -d "$wheelhouse" -c requirements/constraints.txt -r requirements/e2e.txt
    hash_of requirements/constraints.txt requirements/e2e.txt > "$wh_stamp"
  fi
fi

js_stamp="node_modules/.nbrepro-npm-stamp"
if ! stamp_ok "$js_stamp" "$(hash_of package.json package-lock.json)"; then
  step "Installing node packages from package-lock.json"
  # `npm ci` refuses a lockfile without the optional platform bindings that the
  # registry here does not carry; `npm install --no-save` installs exactly the
  # locked versions and leaves the lockfile as it is.
  # --prefer-offline: a package the lockfile pins (version and integrity) comes from
  # npm's cache when it is there, without asking the registry whether it changed.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-save --no-audit --no-fund \
    --prefer-offline --loglevel=error
  hash_of package.json package-lock.json > "$js_stamp"
fi

step "Building the labextension"
npm run --silent build >/dev/null

if [ ! -L .venv/share/jupyter/labextensions/nbrepro ]; then
  step "Linking the labextension and enabling the server extension"
  jupyter labextension develop --overwrite . >/dev/null
fi
jupyter server extension enable --sys-prefix nbrepro >/dev/null 2>&1

echo "setup: done (.venv, node_modules, labextension linked)"
