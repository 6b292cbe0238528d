"""run.sh and Dockerfile of an export bundle: rebuild the recorded environment,
then run the notebook's script.

Plain functions over a plan dict::

    {"kind": "conda" | "pip", "script": "<stem>.py", "notebook": "<stem>.ipynb",
     "python": "3.11", "platform": "linux-64" | None, "lock": "conda-linux-64.lock" | None,
     "env": {"PYTHONHASHSEED": "0", ...},
     "requirements": True,   # optional: False when a conda bundle has no requirements.txt
     "gpu": False, "cuda": None,  # optional: the recording saw a GPU / a CUDA build ("12.1")
     "wheels": False, "carried": [(file, sha256)], "needed": [(key, label, supply, sha256)],
     "vcs_tools": ["git"],  # optional: packages no index has (check-packages.sh checks them)
     "inputs": ["helpers.py", "data/x.csv"],  # optional: carried modules and data files
     "expected": [(path, sha256, why)]}  # optional: what run.sh looks for, not carried

Every value lands in the text quoted (shlex for bash, JSON and escapes for the
Dockerfile), even though the bundle writer already made the file names safe:
a name is data, never code. What cannot be quoted (a variable name that is no
identifier, a path leaving the bundle) is refused with ValueError.
"""

import json
import re
import shlex

from .. import __version__

# A fixed release of the micromamba image (tags seen in use: 2.3.x, 2.5.0,
# 2.9.0). Its maintainers advise pinning by digest for reproducible builds;
# a digest cannot be looked up offline, so a reviewer who needs that pins it.
MICROMAMBA_IMAGE = "mambaorg/micromamba:2.9.0"
WORKDIR = "/home/mambauser/bundle"
# Docker platforms of the conda subdirs a Linux container can run; the lock of
# any other subdir cannot be installed in a container.
DOCKER_PLATFORMS = {
    "linux-64": "linux/amd64",
    "linux-aarch64": "linux/arm64",
    "linux-ppc64le": "linux/ppc64le",
    "linux-s390x": "linux/s390x",
}
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Characters a Dockerfile COPY source cannot hold literally: variable expansion,
# escapes, glob patterns, and line breaks.
_DOCKER_UNSAFE = re.compile(r"[$\\*?\[\]\x00-\x1f\x7f]")


def check_plan(plan):
    """The plan with its values checked; ValueError says what is wrong."""
    if plan.get("kind") not in ("conda", "pip"):
        raise ValueError("plan kind must be 'conda' or 'pip', not %r" % (plan.get("kind"),))
    if not re.match(r"^[0-9]+\.[0-9]+$", str(plan.get("python") or "")):
        raise ValueError("plan python must be major.minor, like 3.11; not %r" % plan.get("python"))
    for key in ("script", "notebook", "lock"):
        value = plan.get(key)
        if value is None and key == "lock":
            continue
        if not value or value.startswith("/") or ".." in value.split("/"):
            raise ValueError("plan %s must be a file name inside the bundle, not %r" % (key, value))
    if plan["kind"] == "conda" and plan.get("lock") and not plan.get("platform"):
        raise ValueError("a conda plan with a lock needs the lock's platform (a conda subdir)")
    if plan.get("cuda") is not None and not re.match(r"^[0-9]+(\.[0-9]+){0,2}$", str(plan["cuda"])):
        raise ValueError("plan cuda must be a version like 12.1, not %r" % (plan["cuda"],))
    for name in plan.get("env") or {}:
        if not _IDENTIFIER.match(str(name)):
            raise ValueError("environment variable names must be identifiers, not %r" % (name,))
    return plan


def _assignment(name, text):
    """`name=text`, with shellcheck told that `$` in single quotes is meant literally."""
    line = "%s=%s" % (name, text)
    if "$" in text or "`" in text:
        return "# shellcheck disable=SC2016 # a value, not an expansion\n" + line
    return line


def run_sh(plan):
    """The bundle's run.sh (bash): build the environment, run the script, and
    with --verify check the result with `nbrepro verify`."""
    plan = check_plan(plan)
    q = shlex.quote
    values = [
        ("kind", q(plan["kind"])),
        ("script", q(plan["script"])),
        ("script_dir", q(plan["script"].rpartition("/")[0] or ".")),
        ("notebook", q(plan["notebook"])),
        ("python_version", q(plan["python"])),
        ("platform", q(plan.get("platform") or "")),
        ("lock", q(plan.get("lock") or "")),
        ("gpu_needed", "1" if plan.get("gpu") or plan.get("cuda") else "0"),
        ("cuda_version", q(plan.get("cuda") or "")),
        (
            "script_env",
            "(%s)" % " ".join(q("%s=%s" % kv) for kv in (plan.get("env") or {}).items()),
        ),
    ]
    header = [
        "#!/usr/bin/env bash",
        "# Rebuilds the environment the notebook ran in, then runs its script.",
        "# Written by nbrepro %s; ./run.sh --help tells the options." % __version__,
        "set -euo pipefail",
        "",
    ]
    settings = [_assignment(name, text) for name, text in values]
    return (
        "\n".join(header + settings)
        + "\n"
        + RUN_SH_BODY
        + _run_sh_check(plan)
        + _run_sh_inputs(plan)
        + RUN_SH_MAIN
    )


def _run_sh_inputs(plan):
    """run.sh's look, before anything is built or run, for what the notebook needs
    that the bundle does not hold (``plan["expected"]``: data over the limit,
    files outside the project, what was left out), from the notebook's folder."""
    expected = plan.get("expected") or ()
    if not expected:
        return "\ncheck_inputs() { :; }\n"
    lines = [
        "",
        "# What the notebook needs that the bundle does not hold, by the path the notebook",
        "# used from its folder: looked for before anything is built or run.",
        _array("expected_paths", [path for path, _, _ in expected]),
        _array("expected_sha256", [sha256 for _, sha256, _ in expected]),
        _array("expected_why", [why for _, _, why in expected]),
    ]
    return "\n".join(_assignment_lines(lines)) + "\n" + INPUTS_CHECK


INPUTS_CHECK = r"""
check_inputs() {
  local i path missing=0 folder=$bundle_dir
  [ "$script_dir" = . ] || folder=$bundle_dir/$script_dir
  for i in ${expected_paths[@]+"${!expected_paths[@]}"}; do
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
"""


# The pre-check of the packages no index has, a file of the bundle that run.sh
# runs before building and the Dockerfile runs before installing, so both stop
# with the same message (exit status 5) instead of failing deep inside pip.
CHECK_SCRIPT = "check-packages.sh"


def has_package_check(plan):
    """Whether the bundle needs check-packages.sh (carried wheels, flagged packages, VCS tools)."""
    return bool(plan.get("carried") or plan.get("needed") or plan.get("vcs_tools"))


def _run_sh_check(plan):
    if not has_package_check(plan):
        return "\ncheck_local_packages() { :; }\n"
    return (
        "\n# Packages no index has (see wheels/README.txt): checked before building.\n"
        "check_local_packages() {\n"
        '  [ -f %s ] || fail 5 "%s is missing: copy the bundle again"\n'
        "  bash ./%s || exit $?\n"
        "}\n" % (CHECK_SCRIPT, CHECK_SCRIPT, CHECK_SCRIPT)
    )


def check_packages_sh(plan):
    """The bundle's check-packages.sh (bash), or None when there is nothing to check."""
    plan = check_plan(plan)
    if not has_package_check(plan):
        return None
    return CHECK_SH_HEAD % {"version": __version__} + local_packages_block(plan) + CHECK_SH_MAIN


CHECK_SH_HEAD = r"""#!/usr/bin/env bash
# Checks, before the environment is built (run.sh runs it, and so does the
# Dockerfile), that every package no index has is at hand: the carried wheels
# with their sha256, each flagged package's file in wheels/ or in a folder named
# in PIP_FIND_LINKS, and the version control tools pip needs.
# Exit status 5 names what is missing. Written by nbrepro %(version)s.
set -euo pipefail

say() { printf 'check-packages.sh: %%s\n' "$*" >&2; }
fail() {
  local code=$1
  shift
  say "$*"
  exit "$code"
}
checksum() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum -- "$@"
  else
    shasum -a 256 -- "$@"
  fi
}
bundle_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
cd -- "$bundle_dir"
"""

CHECK_SH_MAIN = """
check_local_packages
"""


def _array(name, values):
    return "%s=(%s)" % (name, " ".join(shlex.quote(str(v)) for v in values))


def local_packages_block(plan):
    """run.sh's check, before anything is built, that every package no index
    has is at hand: the carried wheels with their sha256, and each flagged
    package's file in wheels/ or a PIP_FIND_LINKS folder (exit status 5 names
    what is missing and how to supply it)."""
    carried = plan.get("carried") or ()
    needed = plan.get("needed") or ()
    lines = [
        "",
        _array("carried_files", [f for f, _ in carried]),
        _array("carried_sha256", [h for _, h in carried]),
        _array("needed_keys", [k for k, _, _, _ in needed]),
        _array("needed_labels", [label for _, label, _, _ in needed]),
        _array("needed_supply", [supply for _, _, supply, _ in needed]),
        _array("needed_sha256", [sha256 or "" for _, _, _, sha256 in needed]),
        _array("needed_tools", plan.get("vcs_tools") or ()),
    ]
    return "\n".join(_assignment_lines(lines)) + "\n" + LOCAL_PACKAGES_CHECK


def _assignment_lines(lines):
    out = []
    for line in lines:
        if "$" in line or "`" in line:
            out.append("# shellcheck disable=SC2016 # values, not expansions")
        out.append(line)
    return out


LOCAL_PACKAGES_CHECK = r"""
# "name version" of a wheel or sdist file name, the name spelled as in
# wheel file names (lower case, runs of - _ . as _); fails for other files.
dist_key() {
  local base=${1##*/} name version
  case $base in
    *.whl)
      base=${base%.whl}
      name=${base%%-*}
      version=${base#*-}
      version=${version%%-*}
      ;;
    *.tar.gz | *.zip)
      base=${base%.tar.gz}
      base=${base%.zip}
      name=${base%-*}
      version=${base##*-}
      ;;
    *) return 1 ;;
  esac
  [ "$name" != "$base" ] || return 1
  printf '%s %s\n' "$(printf '%s' "$name" | tr '[:upper:]' '[:lower:]' | tr -s '._-' '_')" \
    "$(printf '%s' "$version" | tr '[:upper:]' '[:lower:]')"
}

check_local_packages() {
  local problems=0 i file sum key folder found links=()
  for i in ${carried_files[@]+"${!carried_files[@]}"}; do
    file=${carried_files[$i]}
    if [ ! -f "$file" ]; then
      say "MISSING: $file, which the bundle carried; copy the bundle again"
      problems=$((problems + 1))
      continue
    fi
    sum=$(checksum "$file")
    if [ "${sum%% *}" != "${carried_sha256[$i]}" ]; then
      say "CHANGED: $file is not the file that was installed (its sha256 differs)"
      problems=$((problems + 1))
    fi
  done
  local folders=(wheels) urls=0 link
  read -r -a links <<<"${PIP_FIND_LINKS:-}"
  for link in ${links[@]+"${links[@]}"}; do
    case $link in
      file://*) folders+=("${link#file://}") ;;
      *://*) urls=1 ;;
      *) folders+=("$link") ;;
    esac
  done
  for i in ${needed_keys[@]+"${!needed_keys[@]}"}; do
    found=0
    for folder in "${folders[@]}"; do
      [ -d "$folder" ] || continue
      for file in "$folder"/*; do
        key=$(dist_key "$file") || continue
        if [ "$key" = "${needed_keys[$i]}" ]; then
          found=1
          sum=${needed_sha256[$i]}
          if [ -n "$sum" ] && [ "$(checksum "$file" | cut -d' ' -f1)" != "$sum" ]; then
            say "WARNING: $file is not the file the notebook's environment was installed from"
            say "WARNING: (its sha256 differs); results may differ"
          fi
          break 2
        fi
      done
    done
    if [ "$found" = 0 ]; then
      if [ "$urls" = 1 ] || [ -n "${PIP_INDEX_URL:-}${PIP_EXTRA_INDEX_URL:-}" ]; then
        say "not found here, leaving it to pip's index or links: ${needed_labels[$i]}"
      else
        say "MISSING: ${needed_labels[$i]}, which no index has: ${needed_supply[$i]}"
        problems=$((problems + 1))
      fi
    fi
  done
  for i in ${needed_tools[@]+"${!needed_tools[@]}"}; do
    if ! command -v "${needed_tools[$i]}" >/dev/null 2>&1; then
      say "MISSING: ${needed_tools[$i]}, which pip needs to fetch a package from its repository"
      problems=$((problems + 1))
    fi
  done
  if [ "$problems" -gt 0 ]; then
    fail 5 "not building: $problems package(s) no index has are missing or changed (above);" \
      "put their files in $bundle_dir/wheels or in a folder named in PIP_FIND_LINKS," \
      "then run again"
  fi
}
"""


RUN_SH_BODY = r"""
usage() {
  cat <<'EOF'
Usage: ./run.sh [--verify] [--env DIR] [--rebuild] [--no-run] [--no-gpu-check] [-- SCRIPT-ARGS...]

Rebuilds the environment the notebook ran in, then runs its script.

  --verify    after running, check the results with `nbrepro verify` (it runs
              even when the script fails; the exit status is verify's when it
              fails, else the script's)
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
rebuild=0
run=1
gpu_check=1
while [ "$#" -gt 0 ]; do
  case $1 in
    --verify) verify=1 ;;
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

"""

RUN_SH_MAIN = r"""
check_inputs
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
  check_local_packages
  if [ "$kind" = conda ]; then
    build_conda
  else
    build_pip
  fi
  printf '%s\n' "$wanted" >"$stamp_file"
fi
python=$(env_python) || fail 1 "no python in $env_dir; run again with --rebuild"

# With --verify, verify re-runs the notebook first, in a folder the script has
# not touched yet (a script that writes files, as a writefile cell magic does, changes
# what the notebook prints: "Overwriting" for "Writing"); then the script runs,
# and its failure does not stop here: both outcomes are told at the end.
if [ "$verify" = 1 ]; then
  verify_status=0
  if command -v nbrepro >/dev/null 2>&1; then
    nbrepro verify "$bundle_dir" --python "$python" || verify_status=$?
  elif command -v python3 >/dev/null 2>&1 && python3 -c 'import nbrepro' 2>/dev/null; then
    python3 -m nbrepro verify "$bundle_dir" --python "$python" || verify_status=$?
  else
    fail 3 "--verify needs nbrepro: install it with 'python3 -m pip install nbrepro'" \
      "(into any Python: it checks the bundle from outside)"
  fi
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
"""


def _docker_string(value, what):
    """A JSON string for a Dockerfile exec-form array, or ValueError for what a
    COPY source cannot hold literally (Docker expands `$` and globs there)."""
    if _DOCKER_UNSAFE.search(value):
        raise ValueError(
            "the %s %r holds characters a Dockerfile cannot name literally ($, \\, *, ?, [, ], "
            "control characters); rename it" % (what, value)
        )
    return json.dumps(value)


def _env_value(value):
    """A double-quoted ENV value: Docker expands `$` and reads `\\` and `"` there."""
    value = str(value)
    if _CONTROL.search(value):
        raise ValueError("an ENV value cannot hold a line break or control character: %r" % value)
    return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")


def _copy(names, what):
    sources = ", ".join(_docker_string(n, what) for n in names)
    return 'COPY --chown=$MAMBA_USER:$MAMBA_USER [%s, "./"]' % sources


def _copy_wheels(plan):
    """The wheels/ folder (packages no index has) and check-packages.sh, run
    before anything installs: a missing or changed package stops the build
    with the message run.sh gives (exit status 5), not deep inside pip."""
    lines = []
    if plan.get("wheels"):
        lines += [
            "# Packages no index has: requirements.txt installs them from ./wheels.",
            'COPY --chown=$MAMBA_USER:$MAMBA_USER ["wheels", "./wheels/"]',
        ]
    if has_package_check(plan):
        lines += [
            "# Stops here, naming the package, when one no index has is missing or changed:",
            "# put its file in wheels/ and build again (wheels/README.txt says which).",
            _copy([CHECK_SCRIPT], "check script"),
            "RUN bash ./%s" % CHECK_SCRIPT,
        ]
    return lines


def _copy_inputs(plan):
    """The carried local modules and data files, in their folders, before the
    script runs. A name Docker cannot spell literally is left out, and said."""
    by_folder = {}
    left_out = 0
    for path in sorted(plan.get("inputs") or ()):
        if _DOCKER_UNSAFE.search(path) or path.startswith("/") or ".." in path.split("/"):
            left_out += 1
            continue
        folder, _, _name = path.rpartition("/")
        by_folder.setdefault(folder, []).append(path)
    lines = []
    if by_folder:
        lines.append("# The local modules and data files the notebook read (carried).")
    for folder, paths in sorted(by_folder.items()):
        target = "./%s/" % folder if folder else "./"
        lines.append(
            "COPY --chown=$MAMBA_USER:$MAMBA_USER [%s]"
            % ", ".join(json.dumps(p) for p in paths + [target])
        )
    if left_out:
        lines.append(
            "# %d carried file(s) have names a Dockerfile cannot spell ($, \\, *, ?, [, ], "
            "control characters): rename them and export again, or copy them in by hand." % left_out
        )
    return lines


def dockerfile(plan):
    """The bundle's Dockerfile on a micromamba base, as its non-root user. The
    environment files are copied and installed first, the notebook and script
    last, so that editing them reuses the cached environment layer."""
    plan = check_plan(plan)
    platform = plan.get("platform")
    docker_platform = DOCKER_PLATFORMS.get(platform) if plan["kind"] == "conda" else None
    use_lock = bool(plan.get("lock")) and docker_platform is not None
    lines = [
        "# syntax=docker/dockerfile:1",
        "# The environment the notebook ran in; written by nbrepro %s." % __version__,
        "# Build: docker build -t bundle .    Run: docker run --rm bundle",
    ]
    if plan.get("gpu") or plan.get("cuda"):
        lines += [
            "# The notebook ran on an NVIDIA GPU%s: run with the GPUs passed in,"
            % (" with CUDA %s" % plan["cuda"] if plan.get("cuda") else ""),
            "#   docker run --rm --gpus all bundle",
            "# (the host needs the NVIDIA driver%s and the NVIDIA Container Toolkit)."
            % (" for CUDA %s or newer" % plan["cuda"] if plan.get("cuda") else ""),
        ]
    lines += [
        ("FROM --platform=%s %s" % (docker_platform, MICROMAMBA_IMAGE))
        if use_lock
        else "FROM %s" % MICROMAMBA_IMAGE,
        "USER root",
        'RUN mkdir -p %s && chown "$MAMBA_USER:$MAMBA_USER" %s' % (WORKDIR, WORKDIR),
        "USER $MAMBA_USER",
        "WORKDIR %s" % WORKDIR,
    ]
    if plan["kind"] == "conda" and use_lock:
        # A bundle without pip packages may have no requirements.txt: COPY would fail.
        with_pip = plan.get("requirements", True)
        lines += _copy_wheels(plan)
        lines += [
            _copy([plan["lock"]] + (["requirements.txt"] if with_pip else []), "lock file"),
            "RUN micromamba install --yes --name base --file %s && \\" % shlex.quote(plan["lock"]),
            "    micromamba clean --all --yes",
        ]
        if with_pip:
            lines += [
                "ARG MAMBA_DOCKERFILE_ACTIVATE=1",
                "# The lock holds the conda packages only; pip's come from requirements.txt.",
                "RUN if grep -Eq '^[^#[:space:]]' requirements.txt; then \\",
                "      python -m pip install --no-cache-dir -r requirements.txt; fi",
            ]
    elif plan["kind"] == "conda":
        lines += [
            "# No lock for a Linux container (the notebook ran on %s): the portable file."
            % _CONTROL.sub("?", str(platform)),
        ]
        lines += _copy_wheels(plan)
        lines += [
            _copy(["environment.yml"], "environment file"),
            "RUN micromamba install --yes --name base --file environment.yml && \\",
            "    micromamba clean --all --yes",
        ]
    else:
        lines += _copy_wheels(plan)
        lines += [
            _copy(["requirements.txt"], "requirements file"),
            "RUN micromamba install --yes --name base --channel conda-forge "
            "python=%s pip && \\" % plan["python"],
            "    micromamba clean --all --yes",
            "ARG MAMBA_DOCKERFILE_ACTIVATE=1",
            "RUN python -m pip install --no-cache-dir -r requirements.txt",
        ]
    for name, value in (plan.get("env") or {}).items():
        lines.append("ENV %s=%s" % (name, _env_value(value)))
    lines += _copy_inputs(plan)
    folder = plan["script"].rpartition("/")[0]
    if folder:
        sources = ", ".join(
            _docker_string(n, "notebook or script name") for n in (plan["notebook"], plan["script"])
        )
        lines.append(
            "COPY --chown=$MAMBA_USER:$MAMBA_USER [%s, %s]"
            % (sources, _docker_string("./%s/" % folder, "notebook's folder"))
        )
        lines.append("# The script runs from the notebook's own folder, as Jupyter ran it.")
        lines.append("WORKDIR %s/%s" % (WORKDIR, folder))
        lines.append("CMD %s" % json.dumps(["python", plan["script"].rpartition("/")[2]]))
    else:
        lines.append(_copy([plan["notebook"], plan["script"]], "notebook or script name"))
        lines.append("CMD %s" % json.dumps(["python", plan["script"]]))
    return "\n".join(lines) + "\n"
