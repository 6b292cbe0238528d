#!/usr/bin/env bash
# Rebuilds the environment the notebook ran in, then runs its script.
# Written by nbrepro 0.1.0; ./run.sh --help tells the options.
set -euo pipefail

kind=pip
script=summarize.py
notebook=summarize.ipynb
python_version=3.11
platform=''
lock=''
script_env=()

usage() {
  cat <<'EOF'
Usage: ./run.sh [--verify] [--env DIR] [--rebuild] [--no-run] [-- SCRIPT-ARGS...]

Rebuilds the environment the notebook ran in, then runs its script.

  --verify    after running, check the results with `nbrepro verify`
  --env DIR   build the environment in DIR (default: .env in this folder)
  --rebuild   remove the environment and build it again
  --no-run    build the environment only
  --          pass what follows to the script (its parameters)

Environment variables:
  NBREPRO_CONDA   conda, mamba or micromamba to use (default: the first found)
  NBREPRO_PYTHON  the Python that creates the virtual environment (default: python3)
  PIP_*           pip's own settings, e.g. PIP_INDEX_URL or PIP_FIND_LINKS
EOF
}

say() { printf 'run.sh: %s\n' "$*" >&2; }
fail() {
  local code=$1
  shift
  say "$*"
  exit "$code"
}

caller_dir=$(pwd -P)
bundle_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
env_dir=
verify=0
rebuild=0
run=1
while [ "$#" -gt 0 ]; do
  case $1 in
    --verify) verify=1 ;;
    --rebuild) rebuild=1 ;;
    --no-run) run=0 ;;
    --env)
      [ "$#" -ge 2 ] || fail 2 "--env needs a folder"
      env_dir=$2
      shift
      ;;
    --env=*) env_dir=${1#--env=} ;;
    -h | --help)
      usage
      exit 0
      ;;
    --)
      shift
      break
      ;;
    *) fail 2 "unknown option: $1 (script arguments go after --; see ./run.sh --help)" ;;
  esac
  shift
done

default_env=$bundle_dir/.env
case $env_dir in
  '') env_dir=$default_env ;;
  /*) ;;
  *) env_dir=$caller_dir/$env_dir ;;
esac
cd -- "$bundle_dir"
stamp_file=$env_dir/.nbrepro-stamp

env_python() {
  local candidate
  for candidate in "$env_dir/bin/python" "$env_dir/python.exe" "$env_dir/Scripts/python.exe"; do
    if [ -x "$candidate" ]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

host_platform() {
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) echo linux-64 ;;
    Linux-aarch64 | Linux-arm64) echo linux-aarch64 ;;
    Linux-ppc64le) echo linux-ppc64le ;;
    Darwin-x86_64) echo osx-64 ;;
    Darwin-arm64) echo osx-arm64 ;;
    MINGW*-x86_64 | MSYS*-x86_64 | CYGWIN*-x86_64) echo win-64 ;;
    *) echo unknown ;;
  esac
}

checksum() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum -- "$@"
  else
    shasum -a 256 -- "$@"
  fi
}

has_requirements() {
  [ -f requirements.txt ] && grep -Eq '^[^#[:space:]]' requirements.txt
}

find_conda() {
  if [ -n "${NBREPRO_CONDA:-}" ]; then
    printf '%s\n' "$NBREPRO_CONDA"
    return 0
  fi
  local tool
  for tool in micromamba mamba conda; do
    if command -v "$tool" >/dev/null 2>&1; then
      printf '%s\n' "$tool"
      return 0
    fi
  done
  return 1
}

# What the environment is built from; it names the stamp, so that a changed file
# or a different way of building rebuilds the environment.
build_method() {
  if [ "$kind" = pip ]; then
    echo pip
  elif [ -n "$lock" ] && [ -f "$lock" ] && [ "$(host_platform)" = "$platform" ]; then
    echo lock
  else
    echo environment.yml
  fi
}

stamp() {
  local files=()
  local file
  for file in "$lock" environment.yml requirements.txt runtime.txt; do
    if [ -n "$file" ] && [ -f "$file" ]; then
      files+=("$file")
    fi
  done
  printf 'method %s\n' "$method"
  if [ "${#files[@]}" -gt 0 ]; then
    checksum "${files[@]}"
  fi
}

remove_env() {
  # Only what run.sh built goes: a folder given with --env may be anything.
  if [ "$env_dir" != "$default_env" ] && [ ! -f "$stamp_file" ]; then
    fail 1 "$env_dir exists and was not built by run.sh; remove it yourself or pick another --env"
  fi
  say "removing the old environment in $env_dir"
  rm -rf -- "$env_dir"
}

build_conda() {
  local tool
  tool=$(find_conda) || fail 1 "this environment needs conda, mamba or micromamba," \
    "and none is on PATH; install micromamba (https://mamba.readthedocs.io)" \
    "or set NBREPRO_CONDA"
  local yes=()
  case ${tool##*/} in
    micromamba* | mamba*) yes=(--yes) ;;
  esac
  if [ "$method" = lock ]; then
    say "building $env_dir from $lock with $tool"
    "$tool" create --yes -p "$env_dir" --file "$lock"
    if has_requirements; then
      local python
      python=$(env_python) || fail 1 "no python in $env_dir after building it"
      say "installing the pip packages from requirements.txt"
      "$python" -m pip install -r requirements.txt
    fi
  else
    if [ -n "$lock" ]; then
      say "the lock is for $platform, this machine is $(host_platform): using environment.yml"
    fi
    say "building $env_dir from environment.yml with $tool"
    "$tool" env create ${yes[@]+"${yes[@]}"} -p "$env_dir" --file environment.yml
  fi
}

build_pip() {
  local base=${NBREPRO_PYTHON:-python3}
  command -v "$base" >/dev/null 2>&1 ||
    fail 1 "no $base on PATH; install Python $python_version or set NBREPRO_PYTHON"
  local have
  have=$("$base" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  if [ "$have" != "$python_version" ]; then
    say "WARNING: the notebook ran on Python $python_version, $base is Python $have;"
    say "WARNING: results may differ. Set NBREPRO_PYTHON to a Python $python_version."
  fi
  say "building $env_dir with $base -m venv"
  "$base" -m venv "$env_dir"
  local python
  python=$(env_python) || fail 1 "no python in $env_dir after building it"
  "$python" -m pip install -r requirements.txt
}

method=$(build_method)
wanted=$(stamp)
if [ -e "$env_dir" ]; then
  if [ "$rebuild" = 1 ]; then
    remove_env
  elif [ -f "$stamp_file" ] && [ "$(cat -- "$stamp_file")" = "$wanted" ]; then
    say "reusing the environment in $env_dir"
  else
    remove_env
  fi
fi
if [ ! -e "$env_dir" ]; then
  if [ "$kind" = conda ]; then
    build_conda
  else
    build_pip
  fi
  printf '%s\n' "$wanted" >"$stamp_file"
fi
python=$(env_python) || fail 1 "no python in $env_dir; run again with --rebuild"

if [ "$run" = 1 ]; then
  say "running $script, the script of $notebook"
  env ${script_env[@]+"${script_env[@]}"} "$python" "./$script" "$@"
fi

if [ "$verify" = 1 ]; then
  if command -v nbrepro >/dev/null 2>&1; then
    nbrepro verify "$bundle_dir" --python "$python"
  elif command -v python3 >/dev/null 2>&1 && python3 -c 'import nbrepro' 2>/dev/null; then
    python3 -m nbrepro verify "$bundle_dir" --python "$python"
  else
    fail 3 "--verify needs nbrepro: install it with 'python3 -m pip install nbrepro'" \
      "(into any Python: it checks the bundle from outside)"
  fi
fi
