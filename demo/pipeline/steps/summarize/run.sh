#!/usr/bin/env bash
# Rebuilds the environment the notebook ran in, then runs its script.
# Written by nbrepro 0.1.0; ./run.sh --help tells the options.
set -euo pipefail

kind=pip
script=summarize.py
script_dir=.
notebook=summarize.ipynb
python_version=3.11
platform=''
lock=''
gpu_needed=0
cuda_version=''
script_env=()

usage() {
  cat <<'EOF'
Usage: ./run.sh [--verify [--allow-modified]] [--preflight] [--env DIR] [--rebuild] [--no-run]
                [--no-gpu-check] [--no-cache] [--no-preflight] [-- SCRIPT-ARGS...]

Rebuilds the environment the notebook ran in, then runs its script.

  --verify    first check the files against manifest.json (before anything is
              built), then after running check the results with `nbrepro verify`
              (it runs even when the script fails; the exit status is verify's
              when it fails, else the script's)
  --allow-modified  with --verify, go on when files differ from manifest.json
  --preflight only ask `nbrepro preflight` whether the bundle can be rebuilt here
              (yes: 0, unknown: 1, no: 6); before building, run.sh asks it itself
  --no-preflight  build without asking preflight first
  --env DIR   build the environment in DIR (default: nbrepro's environment cache,
              shared with every bundle and `nbrepro verify` with the same lock;
              .env in this folder links to it)
  --no-cache  build the environment in .env in this folder, not in the cache
  --rebuild   remove the environment and build it again
  --no-run    build the environment only
  --no-gpu-check  run even where the GPU the notebook ran on is missing
                  (without it, a missing GPU or too old a driver stops with status 4)
  --          pass what follows to the script (its parameters)

Exit status 5: a package no index has is missing; wheels/README.txt says which.
Exit status 6: nbrepro preflight says the bundle cannot be rebuilt here.

Environment variables:
  NBREPRO_CONDA   conda, mamba or micromamba to use (default: the first found)
  NBREPRO_PYTHON  the Python that creates the virtual environment (default: the
                  notebook's pythonX.Y when on PATH, else python3)
  NBREPRO_CACHE_DIR  the environment cache (default: $XDG_CACHE_HOME/nbrepro or
                  ~/.cache/nbrepro); NBREPRO_CACHE=off: no cache (as --no-cache)
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
cache=1
preflight=auto
[ "${NBREPRO_CACHE:-on}" != off ] || cache=0
while [ "$#" -gt 0 ]; do
  case $1 in
    --verify) verify=1 ;;
    --allow-modified) allow_modified=(--allow-modified) ;;
    --preflight) preflight=only ;;
    --no-preflight) preflight=off ;;
    --no-cache) cache=0 ;;
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
[ -z "$env_dir" ] || cache=0
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

# The Python that makes the venv: NBREPRO_PYTHON, else the notebook's pythonX.Y
# when there is one, else python3 (nbrepro verify picks the same).
base_python() {
  if [ -n "${NBREPRO_PYTHON:-}" ]; then
    printf '%s\n' "$NBREPRO_PYTHON"
  elif command -v "python$python_version" >/dev/null 2>&1; then
    printf '%s\n' "python$python_version"
  else
    printf '%s\n' python3
  fi
}

python_of() {
  "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])'
}

build_pip() {
  local base
  base=$(base_python)
  command -v "$base" >/dev/null 2>&1 ||
    fail 1 "no $base on PATH; install Python $python_version or set NBREPRO_PYTHON"
  local have
  have=$(python_of "$base")
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

# nbrepro preflight (when nbrepro is here): "can this bundle be rebuilt here?",
# asked before anything is built. Its "no" stops run.sh (exit status 6).
run_preflight() {
  local runner=() skip=()
  if command -v nbrepro >/dev/null 2>&1; then
    runner=(nbrepro)
  elif command -v python3 >/dev/null 2>&1 && python3 -c 'import nbrepro' 2>/dev/null; then
    runner=(python3 -m nbrepro)
  elif [ "$1" = only ]; then
    fail 3 "--preflight needs nbrepro: install it with 'python3 -m pip install nbrepro'"
  else
    say "preflight skipped: nbrepro is not installed here ('python3 -m pip install nbrepro')"
    return 0
  fi
  [ "$gpu_check" = 1 ] || skip=(--skip gpu)
  local status=0
  "${runner[@]}" preflight "$bundle_dir" ${skip[@]+"${skip[@]}"} || status=$?
  if [ "$1" = only ]; then
    exit "$status"
  fi
  case $status in
    0 | 1) ;;
    6) fail 6 "not building: nbrepro preflight says this bundle cannot be rebuilt here" \
      "(above); ./run.sh --no-preflight builds anyway" ;;
    *) say "preflight did not answer (exit status $status); going on" ;;
  esac
}

if [ "$preflight" = only ]; then
  run_preflight only
fi
# The environment cache, shared with nbrepro verify (nbrepro's verify/envcache.py
# computes the same key from the same lines): one environment per lock, Python
# and platform, built once, locked with flock while it is built or in use.
cache_root() {
  printf '%s\n' "${NBREPRO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nbrepro}"
}

# The lines that mean something to pip or conda: no comments, no blank lines.
meaningful_lines() {
  LC_ALL=C awk '{ sub(/[ \t\r\v\f]+$/, "") }
    $0 == "" || $0 ~ /^[ \t\r\v\f]*#/ { next }
    { print }' "$1"
}

key_python() {
  if [ "$kind" = pip ]; then
    local base
    base=$(base_python)
    command -v "$base" >/dev/null 2>&1 ||
      fail 1 "no $base on PATH; install Python $python_version or set NBREPRO_PYTHON"
    python_of "$base"
  else
    printf '%s\n' "$python_version"
  fi
}

cache_key_text() {
  local file files=()
  printf 'nbrepro environment 1\nmethod %s\npython %s\nplatform %s\n' \
    "$method" "$key_py" "$(host_platform)"
  case $method in
    pip) files=(requirements.txt) ;;
    lock) files=("$lock" requirements.txt) ;;
    *) files=(environment.yml) ;;
  esac
  for file in "${files[@]}"; do
    [ -f "$file" ] || continue
    printf 'file %s %s\n' "$file" "$(meaningful_lines "$file" | checksum | cut -d' ' -f1)"
  done
  if [ -d wheels ] && [ ! -L wheels ]; then
    (
      LC_ALL=C # the glob below sorts as nbrepro sorts: by bytes
      for file in wheels/*; do
        case $file in *.whl | *.tar.gz | *.zip) ;; *) continue ;; esac
        if [ -f "$file" ] && [ ! -L "$file" ]; then
          printf 'wheel %s %s\n' "$file" "$(checksum "$file" | cut -d' ' -f1)"
        fi
      done
    )
  fi
}

# What is installed, by name (envcache.fingerprint): a cached environment that
# someone installed into after it was built no longer matches its key.
fingerprint() {
  (
    LC_ALL=C
    cd -- "$1" 2>/dev/null || exit 0
    for file in lib/python*/site-packages/*.dist-info Lib/site-packages/*.dist-info; do
      if [ -d "$file" ]; then printf '%s\n' "${file##*/}"; fi
    done
    for file in conda-meta/*.json; do
      if [ -f "$file" ]; then printf '%s\n' "${file##*/}"; fi
    done
  ) | LC_ALL=C sort -u | checksum | cut -d' ' -f1
}

cache_entry_usable() {
  [ -f "$1/entry.json" ] || return 1
  env_dir=$1/env
  env_python >/dev/null || return 1
  local recorded
  recorded=$(sed -n 's/^ *"fingerprint": "\([0-9a-f]*\)".*/\1/p' "$1/entry.json" | head -n 1)
  [ -z "$recorded" ] || [ "$recorded" = "$(fingerprint "$1/env")" ]
}

write_entry() {
  printf '{\n  "built_at": "%s",\n  "built_by": "run.sh",\n  "fingerprint": "%s",\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(fingerprint "$1/env")" >"$1/entry.json.tmp"
  printf '  "key": "%s",\n  "method": "%s",\n  "platform": "%s",\n  "python": "%s"\n}\n' \
    "$2" "$method" "$(host_platform)" "$key_py" >>"$1/entry.json.tmp"
  mv -f -- "$1/entry.json.tmp" "$1/entry.json"
}

use_cache() {
  local root key entry
  root=$(cache_root)
  key_py=$(key_python) || exit $?
  key=$(cache_key_text | checksum | cut -c1-32)
  entry=$root/envs/$key
  mkdir -p -- "$root/envs" || fail 1 "cannot write the environment cache $root; use --no-cache"
  # fd 9 stays open until run.sh ends: the lock is held while the script runs
  exec 9>>"$root/envs/$key.lock"
  flock -s 9
  if [ "$rebuild" = 0 ] && cache_entry_usable "$entry"; then
    say "reusing the environment $key from the cache ($entry/env)"
  else
    flock -u 9
    flock -x 9 # a build of the same lock elsewhere finishes first
    if [ "$rebuild" = 0 ] && cache_entry_usable "$entry"; then
      say "reusing the environment $key from the cache, built meanwhile"
    else
      if [ -e "$entry" ]; then
        say "removing the cached environment $key (incomplete, changed since it was built," \
          "or --rebuild)"
        rm -f -- "$entry/entry.json"
        rm -rf -- "$entry"
      fi
      [ "$preflight" = off ] || run_preflight auto
      check_local_packages
      mkdir -p -- "$entry"
      env_dir=$entry/env
      if [ "$kind" = conda ]; then
        build_conda
      else
        build_pip
      fi
      write_entry "$entry" "$key"
      flock -s 9
    fi
  fi
  env_dir=$entry/env
  touch -- "$entry/last-used" 2>/dev/null || true
  # .env here leads to it, for nbrepro verify of this folder
  if [ ! -e "$default_env" ] || [ -L "$default_env" ]; then
    ln -sfn -- "$env_dir" "$default_env" 2>/dev/null || true
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

# What the notebook needs that the bundle does not hold (data over the limit, files
# outside the project, files left out), by the path the notebook used from its folder:
# looked for before anything is built or run.
expected_paths=(results/clean.csv)
expected_sha256=(c5dc41e0fe9adfaad1fbc56aea4c03c57d017b277cf8f4c2e77cda920c44480d)
expected_why=('not carried: over the data limit')

check_inputs() {
  local i path missing=0 folder=$bundle_dir
  [ "$script_dir" = . ] || folder=$bundle_dir/$script_dir
  for i in "${!expected_paths[@]}"; do
    path=$folder/${expected_paths[$i]}
    if [ ! -e "$path" ]; then
      say "MISSING: ${expected_paths[$i]} (from the notebook's folder, $folder):" \
        "${expected_why[$i]}"
      missing=$((missing + 1))
    elif [ -n "${expected_sha256[$i]}" ] && [ -f "$path" ] &&
      [ "$(checksum "$path" | cut -d' ' -f1)" != "${expected_sha256[$i]}" ]; then
      say "WARNING: ${expected_paths[$i]} is not the file the notebook read (its sha256 differs)"
    fi
  done
  if [ "$missing" -gt 0 ]; then
    say "WARNING: $missing file(s) the notebook needs are missing (above): put them at those" \
      "paths, or the cells that use them will fail"
  fi
}

# With --verify, the files are checked against manifest.json before anything is
# built or run (pip install runs setup code): a changed bundle stops here.
if [ "$verify" = 1 ]; then
  if command -v nbrepro >/dev/null 2>&1; then
    nbrepro_cmd=(nbrepro)
  elif command -v python3 >/dev/null 2>&1 && python3 -c 'import nbrepro' 2>/dev/null; then
    nbrepro_cmd=(python3 -m nbrepro)
  else
    fail 3 "--verify needs nbrepro: install it with: python3 -m pip install 'nbrepro[images]'" \
      "(into any Python: it checks the bundle from outside)"
  fi
  "${nbrepro_cmd[@]}" verify "$bundle_dir" --check-only \
    ${allow_modified[@]+"${allow_modified[@]}"} || exit $?
fi

check_inputs
method=$(build_method)
if [ "$cache" = 1 ] && ! command -v flock >/dev/null 2>&1; then
  say "no flock(1) here to share the environment cache: building in $default_env"
  cache=0
fi
if [ "$cache" = 1 ]; then
  use_cache
else
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
    [ "$preflight" = off ] || run_preflight auto
    check_local_packages
    if [ "$kind" = conda ]; then
      build_conda
    else
      build_pip
    fi
    printf '%s\n%s\n' "$wanted" "$(built_line)" >"$stamp_file"
  fi
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
  # From the notebook's own folder, as Jupyter ran it: its relative paths hold.
  cd -- "$bundle_dir/$script_dir"
  if [ "$verify" = 1 ]; then
    env ${script_env[@]+"${script_env[@]}"} "$python" "./${script##*/}" "$@" || script_status=$?
  else
    env ${script_env[@]+"${script_env[@]}"} "$python" "./${script##*/}" "$@"
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
