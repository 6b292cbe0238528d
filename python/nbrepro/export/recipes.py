"""run.sh, check-packages.sh and the Dockerfile of an export bundle: rebuild the
recorded environment, then run the notebook's script.

Their text is in ``templates/`` (``run.sh.in``, ``check-packages.sh.in``,
``Dockerfile.in``); this module checks a plan and fills them (``fill``).

Plain functions over a plan dict::

    {"kind": "conda" | "pip", "script": "<stem>.py", "notebook": "<stem>.ipynb",
     "python": "3.11", "platform": "linux-64" | None, "lock": "conda-linux-64.lock" | None,
     "env": {"PYTHONHASHSEED": "0", ...},
     "requirements": True,   # optional: False when a conda bundle has no requirements.txt
     "gpu": False, "cuda": None,  # optional: the recording saw a GPU / a CUDA build ("12.1")
     "wheels": False, "carried": [(file, sha256)], "needed": [(key, label, supply, sha256)],
     "vcs_tools": ["git"],  # optional: packages no index has (check-packages.sh checks them)
     "inputs": ["helpers.py", "data/x.csv"],  # optional: carried modules and data files
     "fonts": True, "matplotlibrc": True}  # optional: the font-list step (export/fonts.py)

Every value lands in the text quoted (shlex for bash, JSON and escapes for the
Dockerfile), even though the bundle writer already made the file names safe:
a name is data, never code. What cannot be quoted (a variable name that is no
identifier, a path leaving the bundle) is refused with ValueError.
"""

import re

from .. import __version__
from . import fill

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


# The pre-check of the packages no index has, a file of the bundle that run.sh
# runs before building and the Dockerfile runs before installing, so both stop
# with the same message (exit status 5) instead of failing deep inside pip.
# The templates name it too.
CHECK_SCRIPT = "check-packages.sh"


def has_package_check(plan):
    """Whether the bundle needs check-packages.sh (carried wheels, flagged packages, VCS tools)."""
    return bool(plan.get("carried") or plan.get("needed") or plan.get("vcs_tools"))


def run_sh(plan):
    """The bundle's run.sh (bash): build the environment, run the script, and
    with --verify check the result with `nbrepro verify`."""
    plan = check_plan(plan)
    env = plan.get("env") or {}
    # What the notebook needs that the bundle does not hold: run.sh looks for it first.
    expected = plan.get("expected") or ()
    return fill.fill(
        "run.sh.in",
        {
            "version": fill.comment(__version__),
            "kind": fill.sh(plan["kind"]),
            "script": fill.sh(plan["script"]),
            "script_dir": fill.sh(plan["script"].rpartition("/")[0] or "."),
            "notebook": fill.sh(plan["notebook"]),
            "python_version": fill.sh(plan["python"]),
            "platform": fill.sh(plan.get("platform") or ""),
            "lock": fill.sh(plan.get("lock") or ""),
            "gpu_needed": fill.sh("1" if plan.get("gpu") or plan.get("cuda") else "0"),
            "cuda_version": fill.sh(plan.get("cuda") or ""),
            "script_env": fill.sh_list("%s=%s" % item for item in env.items()),
            "package_check": has_package_check(plan),
            "expected": bool(expected),
            "expected_paths": fill.sh_list(path for path, _, _ in expected),
            "expected_sha256": fill.sh_list(sha256 for _, sha256, _ in expected),
            "expected_why": fill.sh_list(why for _, _, why in expected),
            "fonts": bool(plan.get("fonts")),
        },
    )


def check_packages_sh(plan):
    """The bundle's check-packages.sh (bash), or None when there is nothing to check:
    before anything is built, every package no index has must be at hand (the
    carried wheels with their sha256, each flagged package's file in wheels/ or
    a PIP_FIND_LINKS folder, the VCS tools pip needs); exit status 5 names what
    is missing and how to supply it."""
    plan = check_plan(plan)
    if not has_package_check(plan):
        return None
    carried = plan.get("carried") or ()
    needed = plan.get("needed") or ()
    return fill.fill(
        "check-packages.sh.in",
        {
            "version": fill.comment(__version__),
            "carried_files": fill.sh_list(f for f, _ in carried),
            "carried_sha256": fill.sh_list(h for _, h in carried),
            "needed_keys": fill.sh_list(k for k, _, _, _ in needed),
            "needed_labels": fill.sh_list(label for _, label, _, _ in needed),
            "needed_supply": fill.sh_list(supply for _, _, supply, _ in needed),
            "needed_sha256": fill.sh_list(sha256 or "" for _, _, _, sha256 in needed),
            "needed_tools": fill.sh_list(plan.get("vcs_tools") or ()),
        },
    )


def _inputs(plan):
    """The carried local modules and data files, by folder, as the Dockerfile
    copies them; and how many have a name Docker cannot spell literally."""
    by_folder = {}
    left_out = 0
    for path in sorted(plan.get("inputs") or ()):
        if _DOCKER_UNSAFE.search(path) or path.startswith("/") or ".." in path.split("/"):
            left_out += 1
            continue
        folder, _, _name = path.rpartition("/")
        by_folder.setdefault(folder, []).append(path)
    folders = [
        {
            "paths": fill.json_items(paths),
            "target": fill.json_string("./%s/" % folder if folder else "./"),
        }
        for folder, paths in sorted(by_folder.items())
    ]
    return folders, left_out


def dockerfile(plan):
    """The bundle's Dockerfile on a micromamba base, as its non-root user. The
    environment files are copied and installed first, the notebook and script
    last, so that editing them reuses the cached environment layer."""
    plan = check_plan(plan)
    platform = plan.get("platform")
    docker_platform = DOCKER_PLATFORMS.get(platform) if plan["kind"] == "conda" else None
    use_lock = bool(plan.get("lock")) and docker_platform is not None
    cuda = plan.get("cuda")
    folders, left_out = _inputs(plan)
    what = "notebook or script name"
    folder = plan["script"].rpartition("/")[0]
    beside = folder + "/" if folder else ""
    return fill.fill(
        "Dockerfile.in",
        {
            "version": fill.comment(__version__),
            "gpu": bool(plan.get("gpu") or cuda),
            "cuda": fill.comment(cuda) if cuda else False,
            "image": fill.checked(MICROMAMBA_IMAGE, r"[a-z0-9./_-]+:[A-Za-z0-9._-]+"),
            "workdir": fill.checked(WORKDIR, r"/[A-Za-z0-9/_-]+"),
            "docker_platform": fill.checked(docker_platform, r"linux/[a-z0-9]+")
            if use_lock
            else False,
            "platform": fill.comment(platform),
            "wheels": bool(plan.get("wheels")),
            "package_check": has_package_check(plan),
            "conda_lock": plan["kind"] == "conda" and use_lock,
            "conda_environment_yml": plan["kind"] == "conda" and not use_lock,
            "pip": plan["kind"] == "pip",
            "lock": fill.docker_json(plan["lock"], "lock file") if use_lock else False,
            "lock_word": fill.sh(plan["lock"]) if use_lock else False,
            # A bundle without pip packages may have no requirements.txt: COPY would fail.
            "with_pip": bool(plan.get("requirements", True)),
            "python": fill.sh(plan["python"]),
            "env": [
                {"name": fill.checked(name, _IDENTIFIER.pattern), "value": fill.docker_env(value)}
                for name, value in (plan.get("env") or {}).items()
            ],
            "inputs": bool(folders),
            "input_folders": folders,
            "left_out": fill.number(left_out) if left_out else False,
            "fonts": bool(plan.get("fonts")),
            "matplotlibrc": bool(plan.get("matplotlibrc")),
            # The fonts' files sit beside the script, in the notebook's folder.
            "fonts_folder": fill.docker_json(beside + "nbrepro-fonts", what),
            "fonts_target": fill.docker_json("./%snbrepro-fonts/" % beside, what),
            "rc_file": fill.docker_json(beside + "matplotlibrc", what),
            "rc_target": fill.docker_json("./" + beside, what),
            "fontlist": fill.sh(beside + "nbrepro-fonts/fontlist.py"),
            "notebook": fill.docker_json(plan["notebook"], what),
            "script": fill.docker_json(plan["script"], what),
            "script_json": fill.json_string(plan["script"]),
            # The notebook's folder in the bundle, which keeps its project's layout.
            "notebook_folder": fill.docker_json("./%s/" % folder, "notebook's folder")
            if folder
            else False,
            "notebook_workdir": fill.checked("%s/%s" % (WORKDIR, folder), r"/[^$\\\x00-\x1f\x7f]+")
            if folder
            else False,
            "script_name_json": fill.json_string(plan["script"].rpartition("/")[2]),
        },
    )
