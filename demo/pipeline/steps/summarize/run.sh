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
gpu_needed=0
cuda_version=''
script_env=()

usage() {
  cat <<'EOF'
Usage: ./run.sh [--verify [--allow-modified]] [--env DIR] [--rebuild] [--no-run] [--no-gpu-check]
                [-- SCRIPT-ARGS...]

Rebuilds the environment the notebook ran in, then runs its script.

  --verify    first check the files against manifest.json (before anything is
              built), then after running check the results with `nbrepro verify`
              (it runs even when the script fails; the exit status is verify's
              when it fails, else the script's)
  --allow-modified  with --verify, go on when files differ from manifest.json
  --env DIR   build the environment in DIR (default: .env in this folder)
  --rebuild   remove the environment and build it again
  --no-run    build the environment only
  --no-gpu-check  run even where the GPU the notebook ran on is missing
                  (without it, a missing GPU or too old a driver stops with status 4)
  --          pass what follows to the script (its parameters)

Exit status 5: a package no index has is missing; wheels/README.txt says which.

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
allow_modified=()
rebuild=0
run=1
gpu_check=1
while [ "$#" -gt 0 ]; do
  case $1 in
    --verify) verify=1 ;;
    --allow-modified) allow_modified=(--allow-modified) ;;
    --no-gpu-check) gpu_check=0 ;;
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

# The stamp's last line: the folder run.sh built, by inode and real path. An
# environment that came with the bundle (unpacked, copied, cloned) is another
# inode, so its python is never taken for one run.sh built (nbrepro verify
# reads the same line).
built_line() {
  local inode
  inode=$(ls -di -- "$env_dir") || return 1
  printf 'built %s %s\n' "${inode%% *}" "$(cd -- "$env_dir" && pwd -P)"
}

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

# version_at_least 12.4 12.1: the first major.minor is the second or newer.
version_at_least() {
  local have_major have_minor want_major want_minor
  IFS=. read -r have_major have_minor _ <<<"$1."
  IFS=. read -r want_major want_minor _ <<<"$2."
  have_minor=${have_minor:-0}
  want_minor=${want_minor:-0}
  [ "$have_major" -gt "$want_major" ] ||
    { [ "$have_major" -eq "$want_major" ] && [ "$have_minor" -ge "$want_minor" ]; }
}

# The notebook ran on an NVIDIA GPU, or with a CUDA build of a framework: a GPU
# must be visible here, and its driver must support that CUDA version.
check_gpu() {
  local what="the notebook ran on an NVIDIA GPU"
  [ -z "$cuda_version" ] || what="$what with CUDA $cuda_version"
  local skip="pass --no-gpu-check to run without it (results may differ)"
  command -v nvidia-smi >/dev/null 2>&1 ||
    fail 4 "$what, and this machine has no nvidia-smi (no NVIDIA driver installed); $skip"
  local report
  if command -v timeout >/dev/null 2>&1; then
    report=$(timeout 30 nvidia-smi 2>&1) || fail 4 "$what, and nvidia-smi fails here:" \
      "$(printf '%s' "$report" | head -n 3); $skip"
  else
    report=$(nvidia-smi 2>&1) || fail 4 "$what, and nvidia-smi fails here; $skip"
  fi
  local gpus
  gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ' || true)
  [ "${gpus:-0}" -gt 0 ] || fail 4 "$what, and nvidia-smi lists no GPU here; $skip"
  if [ -n "$cuda_version" ]; then
    local driver_cuda pattern='s/.*CUDA Version: *\([0-9][0-9.]*\).*/\1/p'
    driver_cuda=$(printf '%s\n' "$report" | sed -n "$pattern" | head -n 1)
    [ -n "$driver_cuda" ] || fail 4 "$what, and nvidia-smi does not say which CUDA version" \
      "the driver supports; $skip"
    version_at_least "$driver_cuda" "$cuda_version" ||
      fail 4 "$what, and this driver supports CUDA $driver_cuda only: update the NVIDIA" \
        "driver to one for CUDA $cuda_version or newer; $skip"
    say "GPU check: $gpus GPU(s), driver for CUDA $driver_cuda (the notebook used $cuda_version)"
  else
    say "GPU check: $gpus GPU(s) visible"
  fi
}

if [ "$gpu_needed" = 1 ] && [ "$run" = 1 ]; then
  if [ "$gpu_check" = 1 ]; then
    check_gpu
  else
    say "skipping the GPU check (--no-gpu-check): the notebook ran on a GPU"
  fi
fi


check_local_packages() { :; }

# With --verify, the files are checked against manifest.json before anything is
# built or run (pip install runs setup code): a changed bundle stops here.
if [ "$verify" = 1 ]; then
  if command -v nbrepro >/dev/null 2>&1; then
    nbrepro_cmd=(nbrepro)
  elif command -v python3 >/dev/null 2>&1 && python3 -c 'import nbrepro' 2>/dev/null; then
    nbrepro_cmd=(python3 -m nbrepro)
  else
    fail 3 "--verify needs nbrepro: install it with 'python3 -m pip install nbrepro[images]'" \
      "(into any Python: it checks the bundle from outside)"
  fi
  "${nbrepro_cmd[@]}" verify "$bundle_dir" --check-only \
    ${allow_modified[@]+"${allow_modified[@]}"} || exit $?
fi

method=$(build_method)
wanted=$(stamp)
if [ -e "$env_dir" ]; then
  if [ "$rebuild" = 1 ]; then
    remove_env
  elif [ -f "$stamp_file" ] && [ "$(cat -- "$stamp_file")" = "$wanted"$'\n'"$(built_line)" ]; then
    say "reusing the environment in $env_dir"
  else
    remove_env
  fi
fi
if [ ! -e "$env_dir" ]; then
  check_local_packages
  if [ "$kind" = conda ]; then
    build_conda
  else
    build_pip
  fi
  printf '%s\n%s\n' "$wanted" "$(built_line)" >"$stamp_file"
fi
python=$(env_python) || fail 1 "no python in $env_dir; run again with --rebuild"
# Compiled files the bundle may hold are not read: Python keeps its own in the environment.
export PYTHONPYCACHEPREFIX=$env_dir/pycache

# With --verify, verify re-runs the notebook first, in a folder the script has
# not touched yet (a script that writes files, as a writefile cell magic does, changes
# what the notebook prints: "Overwriting" for "Writing"); then the script runs,
# and its failure does not stop here: both outcomes are told at the end.
if [ "$verify" = 1 ]; then
  verify_status=0
  "${nbrepro_cmd[@]}" verify "$bundle_dir" --python "$python" \
    ${allow_modified[@]+"${allow_modified[@]}"} || verify_status=$?
fi

script_status=-
if [ "$run" = 1 ]; then
  say "running $script, the script of $notebook"
  script_status=0
  if [ "$verify" = 1 ]; then
    env ${script_env[@]+"${script_env[@]}"} "$python" "./$script" "$@" || script_status=$?
  else
    env ${script_env[@]+"${script_env[@]}"} "$python" "./$script" "$@"
  fi
fi

if [ "$verify" = 1 ]; then
  case "$script_status" in
    -) script_said="was not run (--no-run)" ;;
    0) script_said="ran to the end" ;;
    *) script_said="failed with exit status $script_status" ;;
  esac
  if [ "$verify_status" = 0 ]; then
    verify_said="the notebook verifies"
  else
    verify_said="failed with exit status $verify_status"
  fi
  say "the script $script_said; nbrepro verify: $verify_said"
  if [ "$verify_status" != 0 ]; then
    exit "$verify_status"
  fi
  if [ "$script_status" != - ] && [ "$script_status" != 0 ]; then
    exit "$script_status"
  fi
fi
