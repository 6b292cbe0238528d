"""Regenerate test/fixtures/conda-golden/: fixture prefixes and what real conda prints for them.

Run by hand; CI never runs it (it needs conda's source, which the repository
does not carry). The tests in test/python/capture/test_conda_golden.py compare
`nbrepro snapshot` with the files this script writes.

Setup (no conda channel is reached: conda runs offline, from source):

    git clone https://github.com/conda/conda conda-src          # or any snapshot
    for t in 24.11.3 25.7.0 26.7.1; do
        mkdir -p oracle/src-$t
        git -C conda-src archive $t conda tests/data/env_metadata | tar -x -C oracle/src-$t
        echo "__version__ = '$t'" > oracle/src-$t/conda/_version.py
    done
    python3 -m venv oracle/venv
    oracle/venv/bin/pip install archspec boltons charset-normalizer \
        conda-package-handling distro frozendict jsonpatch msgpack packaging \
        platformdirs pluggy pycosat requests "ruamel.yaml<0.19" setuptools tqdm \
        truststore zstandard backports.zstd        # menuinst is not on PyPI: not needed
    .venv/bin/python scripts/make_conda_goldens.py --oracle oracle

What it does:
1. Fixture prefixes under test/fixtures/conda-golden/prefixes/ (committed packed
   as prefixes.tar.gz, see test/python/golden_prefixes.py), metadata only
   (conda-meta records with `files` cut to the Python metadata paths, history,
   state; site-packages distribution metadata):
   - conda's own tests/data/env_metadata prefixes (BSD-3-Clause, conda/conda);
   - the real-world conda-meta folder of test/fixtures/real-world;
   - prefixes that py-rattler and real conda (`conda create`/`install`/`remove`
     with the classic solver, from a local file:// channel built here) create,
     with real pip installs on top (a wheel, one overwriting a conda package, an
     editable project, a git checkout).
2. For each conda version and prefix, on a fresh copy of the prefix (conda's env
   export deletes the records of packages pip overwrote): `conda env export`
   (default, --no-builds, --from-history; with no channel configured and with
   channels in $CONDARC) and `conda list --explicit --md5` / `--sha256`. The
   prefix's path is written as @PREFIX@; a run conda refuses is kept as
   `<variant>.error` (exit status and conda's last stderr line).
3. With conda 25.7 and 26.7 also `conda export --format F` for F in
   environment-yaml (also with --no-builds, --from-history), environment-json,
   explicit, requirements.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "test" / "python" / "capture"))
sys.path.insert(0, str(ROOT / "test" / "python"))
import builders  # noqa: E402  (the test suite's package builders)
import golden_prefixes  # noqa: E402  (the prefixes, committed as one archive)

GOLDEN = ROOT / "test" / "fixtures" / "conda-golden"
VERSIONS = {"24.11": "24.11.3", "25.7": "25.7.0", "26.7": "26.7.1"}
# The local channel's fixed place: its file:// URL is in the records conda writes.
CHANNEL = Path("/tmp/nbrepro-golden-channel")  # noqa: S108 (a fixed path, by design)
CHANNEL_A = Path("/tmp/a-second-golden-channel")  # noqa: S108 (sorts before CHANNEL)
SUBDIR = "linux-64"
PY = "3.11.7"
SP = "lib/python3.11/site-packages/"
CHANNELS_RC = "channels:\n  - conda-forge\n  - defaults\n"
VARIANTS = {
    "env-export.yml": (["env", "export"], ""),
    "env-export-no-builds.yml": (["env", "export", "--no-builds"], ""),
    "env-export-from-history.yml": (["env", "export", "--from-history"], ""),
    "env-export-channels.yml": (["env", "export"], CHANNELS_RC),
    "env-export-from-history-channels.yml": (["env", "export", "--from-history"], CHANNELS_RC),
    "explicit-md5.txt": (["list", "--explicit", "--md5"], ""),
    "explicit-sha256.txt": (["list", "--explicit", "--sha256"], ""),
}
# `conda export --format X` (conda >= 25.7; 24.11 has no `conda export`).
EXPORT_VERSIONS = ("25.7", "26.7")
EXPORT_VARIANTS = {
    "export-environment-yaml.yml": (["export", "--format", "environment-yaml"], ""),
    "export-environment-json.json": (["export", "--format", "environment-json"], ""),
    "export-environment-yaml-no-builds.yml": (
        ["export", "--format", "environment-yaml", "--no-builds"],
        "",
    ),
    "export-environment-yaml-from-history.yml": (
        ["export", "--format", "environment-yaml", "--from-history"],
        "",
    ),
    "export-explicit.txt": (["export", "--format", "explicit"], ""),
    "export-requirements.txt": (["export", "--format", "requirements"], ""),
}
CONDA_TEST_PREFIXES = (
    "envpy27osx",
    "envpy27win_whl",
    "envpy313tosx_whl",
    "envpy37osx_whl",
    "envpy37win",
    "py27-osx-no-binary",
    "py36-osx-whl",
)
_META_FILE = re.compile(
    r"(?:^|/)site-packages/[^/]+\.(?:dist-info|egg-info)(?:/|$)|/EGG-INFO/|\.egg-link$"
)


def run(*argv, **kwargs):
    return subprocess.run(
        [str(a) for a in argv], check=True, capture_output=True, text=True, **kwargs
    )


# ---------------------------------------------------------------- copying metadata only


def copy_metadata(src, dst):
    """What conda env export / conda list read: conda-meta and site-packages metadata."""
    src, dst = Path(src), Path(dst)
    (dst / "conda-meta").mkdir(parents=True)
    for item in sorted((src / "conda-meta").iterdir()):
        if item.suffix == ".json" and item.is_file():
            record = json.loads(item.read_text(encoding="utf-8"))
            record.pop("paths_data", None)
            if isinstance(record.get("files"), list):
                record["files"] = [f for f in record["files"] if _META_FILE.search(f)]
            (dst / "conda-meta" / item.name).write_text(
                json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8"
            )
        elif item.is_file():
            shutil.copy2(item, dst / "conda-meta" / item.name)
    for sp in list(src.glob("lib/python*/site-packages")) + list(src.glob("Lib/site-packages")):
        out = dst / sp.relative_to(src)
        out.mkdir(parents=True)
        for entry in sorted(sp.iterdir()):
            name = entry.name
            if name.endswith((".dist-info", ".egg-info")) and entry.is_dir():
                _copy_dist(entry, out / name)
            elif name.endswith(".egg") and entry.is_dir():
                (out / name).mkdir()
                if (entry / "EGG-INFO").is_dir():
                    _copy_dist(entry / "EGG-INFO", out / name / "EGG-INFO")
            elif name.endswith(".egg") and entry.is_file():
                (out / name).write_bytes(b"")  # a zipped egg: conda looks for no anchor in it
            elif name.endswith((".egg-info", ".egg-link", ".pth")) and entry.is_file():
                _copy_small(entry, out / name)


_DIST_FILES = ("METADATA", "PKG-INFO", "RECORD", "INSTALLER", "direct_url.json")


def _copy_dist(src, dst):
    """A distribution's metadata folder: the files conda reads, headers only."""
    dst.mkdir(parents=True)
    for name in _DIST_FILES:
        if (src / name).is_file():
            _copy_small(src / name, dst / name)


def _copy_small(src, dst):
    data = src.read_bytes()
    if src.name in ("METADATA", "PKG-INFO") or src.suffix == ".egg-info":
        # The header block: Name, Version.
        data = re.split(rb"\r?\n\r?\n", data, maxsplit=1)[0] + b"\n"
    elif src.name == "RECORD":
        data = b"".join(line + b"\n" for line in data.splitlines() if b".dist-info/" in line)
    dst.write_bytes(data)


# ---------------------------------------------------------------- building prefixes


def build_channel():
    shutil.rmtree(CHANNEL, ignore_errors=True)
    pkg = builders.conda_package
    pkg(CHANNEL, SUBDIR, "python", PY, "h0_cpython", files={"share/py/README": b"python\n"})
    pkg(CHANNEL, SUBDIR, "libdata", "2.0", "h1", files={"share/libdata/d.txt": b"d\n"})
    pkg(
        CHANNEL,
        "noarch",
        "nbtool",
        "0.3",
        "pyh0",
        depends=["python >=3.8", "libdata >=2"],
        noarch="python",
        files=builders.dist_info_files("site-packages/", "nbtool", "0.3"),
    )
    pkg(
        CHANNEL,
        SUBDIR,
        "clobberme",
        "1.0",
        "py0",
        depends=["python 3.11.*"],
        files=builders.dist_info_files(SP, "clobberme", "1.0"),
    )
    pkg(
        CHANNEL,
        SUBDIR,
        "orphanpy",
        "0.5",
        "h2",
        depends=["libdata"],
        files=builders.dist_info_files(SP, "orphanpy", "0.5"),
    )
    # menuinst, and packages that depend on python: conda's menuinst ordering rule.
    pkg(
        CHANNEL,
        SUBDIR,
        "menuinst",
        "2.2.0",
        "py0",
        depends=["python 3.11.*"],
        files=builders.dist_info_files(SP, "menuinst", "2.2.0"),
    )
    pkg(
        CHANNEL,
        SUBDIR,
        "appdirs",
        "1.4.4",
        "py0",
        depends=["python 3.11.*"],
        files=builders.dist_info_files(SP, "appdirs", "1.4.4"),
    )
    # A dependency cycle: conda breaks it by fewest parents, then by channel/subdir::dist.
    for name, other in (("ouroboros", "zeta"), ("zeta", "ouroboros")):
        pkg(CHANNEL, SUBDIR, name, "1.0", "h0", depends=[other, "libdata"])
    pkg(CHANNEL, SUBDIR, "alpha", "1.0", "h0", depends=["ouroboros"])
    # conda itself, one per release, for the installations the layouts put
    # environments in (its executables as a root has them).
    for full in VERSIONS.values():
        script = b"#!/bin/sh\necho conda %s (fixture)\n" % full.encode()
        pkg(
            CHANNEL,
            SUBDIR,
            "conda",
            full,
            "py311_0",
            # Unversioned: an environment made a root keeps its own python, and
            # conda draws dependency edges only where the spec matches.
            depends=["python"],
            files={"bin/conda": script, "condabin/conda": script},
        )
    shutil.rmtree(CHANNEL_A, ignore_errors=True)
    pkg(CHANNEL_A, SUBDIR, "zeta", "1.0", "h0", depends=["ouroboros", "libdata"])
    builders.conda_package(CHANNEL_A, "noarch", "placeholder", "0", "0")
    from rattler.index import index_fs

    for channel in (CHANNEL, CHANNEL_A):
        asyncio.run(index_fs(channel, write_zst=False, write_shards=False))


def rattler_install(prefix, cache, specs, channels=None):
    import rattler

    async def main():
        records = await rattler.solve(
            sources=[c.as_uri() for c in channels or (CHANNEL,)],
            specs=specs,
            platforms=[SUBDIR, "noarch"],
        )
        await rattler.install(
            records, target_prefix=str(prefix), cache_dir=str(cache), show_progress=False
        )

    asyncio.run(main())


def pip_install(prefix, *args):
    run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        Path(prefix) / "bin" / "python",
        "--disable-pip-version-check",
        "install",
        "--no-index",
        *args,
        env=dict(os.environ, PIP_NO_INPUT="1"),
    )


def pip_sources(scratch):
    wheels = scratch / "wheels"
    builders.wheel(wheels, "clobberme", "2.0")
    builders.wheel(wheels, "plainpkg", "1.0")
    builders.wheel(wheels, "Some_Pkg.Name", "3.1")
    editable = builders.project(scratch / "src" / "editpkg", "editpkg", "0.1")
    vcs = builders.project(scratch / "src" / "vcspkg", "vcspkg", "0.2")
    git = ["git", "-C", vcs, "-c", "user.name=t", "-c", "user.email=t@example.org"]
    run("git", "init", "-q", "-b", "main", vcs)
    run(*git, "add", ".")
    run(*git, "commit", "-q", "-m", "initial")
    return {"wheels": wheels, "editable": editable, "vcs": vcs}


def pip_on_top(prefix, sources):
    run(sys.executable, "-m", "venv", "--without-pip", prefix)
    pip_install(
        prefix, "--find-links", sources["wheels"], "clobberme==2.0", "plainpkg", "some-pkg-name"
    )
    pip_install(prefix, "-e", sources["editable"])
    pip_install(prefix, "git+" + sources["vcs"].as_uri() + "@main")


class Conda:
    """Real conda from source, offline, with a scratch home, package cache and condarc."""

    def __init__(self, oracle, version, scratch):
        self.python = Path(oracle) / "venv" / "bin" / "python"
        self.src = Path(oracle) / ("src-" + VERSIONS[version])
        self.scratch = Path(scratch)

    def env(self, condarc_text=""):
        home = self.scratch / "home"
        rc = self.scratch / "rc" / "condarc"
        home.mkdir(parents=True, exist_ok=True)
        rc.parent.mkdir(parents=True, exist_ok=True)
        rc.write_text(condarc_text)
        return {
            "PATH": "/usr/bin:/bin",
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "CONDARC": str(rc),
            "CONDA_PKGS_DIRS": str(self.scratch / "pkgs"),
            "CONDA_OFFLINE": "1",
            "CONDA_SOLVER": "classic",
            "CONDA_ADD_PIP_AS_PYTHON_DEPENDENCY": "0",
            "CONDA_NUMBER_CHANNEL_NOTICES": "0",
            "PYTHONPATH": str(self.src),
        }

    def __call__(self, *args, condarc_text="", check=True, extra_env=None, pythonpath=()):
        env = self.env(condarc_text)
        env.update(extra_env or {})
        if pythonpath:
            env["PYTHONPATH"] = os.pathsep.join([env["PYTHONPATH"], *map(str, pythonpath)])
        return subprocess.run(
            [str(self.python), "-m", "conda", *[str(a) for a in args]],
            capture_output=True,
            text=True,
            env=env,
            check=check,
        )


def build_prefixes(oracle, out):
    scratch = Path(tempfile.mkdtemp(prefix="nbrepro-golden-build-"))
    build_channel()
    sources = pip_sources(scratch)
    cache = scratch / "rattler-cache"
    made = {}

    for name in CONDA_TEST_PREFIXES:
        made["conda-test-" + name] = (
            Path(oracle) / "src-26.7.1" / "tests" / "data" / "env_metadata" / name
        )
    made["real-ahc-santino-windows"] = None

    p = scratch / "rattler-plain"
    rattler_install(p, cache, ["python ==%s" % PY, "nbtool"])
    made["rattler-plain"] = p

    p = scratch / "rattler-pip"
    pip_on_top_first = p
    run(sys.executable, "-m", "venv", "--without-pip", p)
    rattler_install(p, cache, ["python ==%s" % PY, "nbtool", "clobberme", "orphanpy"])
    pip_install(p, "--find-links", sources["wheels"], "clobberme==2.0", "plainpkg", "some-pkg-name")
    pip_install(p, "-e", sources["editable"])
    pip_install(p, "git+" + sources["vcs"].as_uri() + "@main")
    made["rattler-pip"] = pip_on_top_first

    p = scratch / "rattler-menuinst-cycle"
    rattler_install(p, cache, ["python ==%s" % PY, "menuinst", "appdirs", "nbtool", "alpha"])
    made["rattler-menuinst-cycle"] = p

    # The same cycle with zeta from a second channel: conda breaks the tie by
    # `<channel>/<subdir>::<dist>`, which puts zeta first, not by name.
    p = scratch / "rattler-cycle-two-channels"
    rattler_install(p, cache, ["python ==%s" % PY, "alpha"], channels=(CHANNEL_A, CHANNEL))
    made["rattler-cycle-two-channels"] = p

    p = scratch / "pixi-stub"
    rattler_install(p, cache, ["python ==%s" % PY, "nbtool", "orphanpy"])
    (p / "conda-meta" / "history").write_text("// not relevant for pixi but for `conda run -p`")
    made["pixi-stub"] = p

    channel = ["--override-channels", "-c", CHANNEL.as_uri()]
    for version in ("24.11", "25.7", "26.7"):
        conda = Conda(oracle, version, scratch / ("conda-" + version))
        tag = version.replace(".", "")
        p = scratch / ("conda%s-create" % tag)
        conda("create", "-y", "-p", p, *channel, "python=3.11", "nbtool")
        conda("install", "-y", "-p", p, *channel, "orphanpy")
        made[p.name] = p

        p = scratch / ("conda%s-pip" % tag)
        conda("create", "-y", "-p", p, *channel, "python=3.11", "clobberme", "menuinst", "appdirs")
        conda("install", "-y", "-p", p, *channel, "nbtool", "alpha")
        conda("remove", "-y", "-p", p, "appdirs")
        pip_on_top(p, sources)
        if version == "26.7":
            conda("env", "config", "vars", "set", "-p", p, "MY_TOKEN=s3cret", "OTHER=1")
        made[p.name] = p

    prefixes = out / "prefixes"
    shutil.rmtree(prefixes, ignore_errors=True)
    prefixes.mkdir(parents=True)
    for name, path in sorted(made.items()):
        if path is None:
            path = scratch / "ahc"
            shutil.copytree(
                ROOT / "test" / "fixtures" / "real-world" / "conda-meta" / "ahc-santino-windows",
                path / "conda-meta",
            )
        copy_metadata(path, prefixes / name)
    shutil.rmtree(scratch, ignore_errors=True)
    return sorted(made)


# ---------------------------------------------------------------- running conda on them


def goldens(oracle, out, names, clean=True, export_only=False):
    scratch = Path(tempfile.mkdtemp(prefix="nbrepro-golden-run-"))
    for version in EXPORT_VERSIONS if export_only else VERSIONS:
        conda = Conda(oracle, version, scratch / "state")
        target_dir = out / version
        variants = {} if export_only else dict(VARIANTS)
        if version in EXPORT_VERSIONS:
            variants.update(EXPORT_VARIANTS)
        for name in names if not clean else ():
            for variant in variants:
                for stale in (variant, variant + ".error"):
                    (target_dir / name / stale).unlink(missing_ok=True)
        if clean:
            shutil.rmtree(target_dir, ignore_errors=True)
        for name in names:
            for variant, (args, condarc_text) in variants.items():
                prefix = scratch / "run" / name
                shutil.rmtree(prefix.parent, ignore_errors=True)
                shutil.copytree(out / "prefixes" / name, prefix)
                result = conda(*args, "-p", prefix, condarc_text=condarc_text, check=False)
                folder = target_dir / name
                folder.mkdir(parents=True, exist_ok=True)
                if result.returncode == 0:
                    text = result.stdout.replace(str(prefix), "@PREFIX@")
                    (folder / variant).write_text(text)
                else:
                    last = [line for line in result.stderr.splitlines() if line.strip()][-1:]
                    message = (last[0] if last else "").replace(str(prefix), "@PREFIX@")
                    (folder / (variant + ".error")).write_text(
                        "%d\n%s\n" % (result.returncode, message)
                    )
        print("conda %s: %d prefixes" % (VERSIONS[version], len(names)))
    shutil.rmtree(scratch, ignore_errors=True)


# ---------------------------------------------------------------- lock files

# `conda export --file F` with the conda-lockfiles plugin (conda 26.7 only; its
# wheel and pydantic installed with `pip install --target <oracle>/lockfiles`),
# for the prefix's own platform (CONDA_SUBDIR), offline.
LOCK_FILES = {"conda-lock.yml": "conda-lock-v1", "pixi.lock": "rattler-lock-v6"}


def prefix_platform(prefix):
    counts = {}
    for item in (Path(prefix) / "conda-meta").glob("*.json"):
        record = json.loads(item.read_text())
        if record.get("name") == "python" and record.get("subdir"):
            return record["subdir"]
        if record.get("subdir") and record["subdir"] != "noarch":
            counts[record["subdir"]] = counts.get(record["subdir"], 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0] if counts else SUBDIR


def lock_goldens(oracle, out, names):
    scratch = Path(tempfile.mkdtemp(prefix="nbrepro-golden-locks-"))
    conda = Conda(oracle, "26.7", scratch / "state")
    plugin = Path(oracle) / "lockfiles"
    for name in names:
        for file_name in LOCK_FILES:
            for stale in (file_name, file_name + ".error"):
                (out / "26.7" / name / stale).unlink(missing_ok=True)
            prefix = scratch / "run" / name
            shutil.rmtree(prefix.parent, ignore_errors=True)
            shutil.copytree(out / "prefixes" / name, prefix)
            target = scratch / file_name
            target.unlink(missing_ok=True)
            result = conda(
                "export",
                "--file",
                target,
                "-p",
                prefix,
                check=False,
                extra_env={"CONDA_SUBDIR": prefix_platform(prefix)},
                pythonpath=[plugin],
            )
            if result.returncode == 0:
                result.stdout = target.read_text()
            save(result, prefix, out / "26.7" / name, file_name)
    print("lock files: %d prefixes" % len(names))
    shutil.rmtree(scratch, ignore_errors=True)


# ---------------------------------------------------------------- layouts: the conda installed

# Environments whose histories come from older conda (4.5, 4.6, 24.9, 24.11),
# put beside installations of each release the ways a machine has them.
LAYOUT_ENVS = (
    "conda-test-py36-osx-whl",
    "conda-test-envpy27osx",
    "real-ahc-santino-windows",
    "conda2411-pip",
)
LAYOUT_FEW = ("conda-test-py36-osx-whl", "conda2411-pip")
# For CONDA_EXE naming another installation than the one whose envs/ holds it.
OTHER_ROOT = {"24.11": "26.7", "25.7": "24.11", "26.7": "25.7"}


def layout_specs():
    specs = {}
    for env in LAYOUT_ENVS:
        for installed in VERSIONS:
            for kind in ("envs", "root", "elsewhere"):
                specs["%s@%s-%s" % (env, kind, installed)] = {
                    "env": env,
                    "where": kind,
                    "installed": installed,
                }
    for env in LAYOUT_FEW:
        for installed in VERSIONS:
            specs["%s@exe-over-%s-%s" % (env, OTHER_ROOT[installed], installed)] = {
                "env": env,
                "where": "exe-over",
                "installed": installed,
                "other": OTHER_ROOT[installed],
            }
            specs["%s@listed-%s" % (env, installed)] = {
                "env": env,
                "where": "listed",
                "installed": installed,
            }
    return dict(sorted(specs.items()))


def build_roots(target):
    """One conda installation per release, installed by py-rattler from the
    local channel (python and conda), metadata and executables kept."""
    scratch = Path(tempfile.mkdtemp(prefix="nbrepro-golden-roots-"))
    build_channel()
    shutil.rmtree(target, ignore_errors=True)
    for version, full in VERSIONS.items():
        root = scratch / ("root-" + version)
        rattler_install(root, scratch / "cache", ["python ==%s" % PY, "conda ==%s" % full])
        copy_metadata(root, target / version)
        for executable in ("bin/conda", "condabin/conda"):
            (target / version / executable).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / executable, target / version / executable)
    shutil.rmtree(scratch, ignore_errors=True)


def layout_goldens(oracle, prefixes, folder, specs):
    """What the installed conda prints for each layout, into folder/out/<layout>/."""
    scratch = Path(tempfile.mkdtemp(prefix="nbrepro-golden-layouts-"))
    shutil.rmtree(folder / "out", ignore_errors=True)
    for layout, spec in specs.items():
        version = spec["installed"]
        conda = Conda(oracle, version, scratch / "state")
        variants = dict(VARIANTS)
        if version in EXPORT_VERSIONS:
            variants.update(EXPORT_VARIANTS)
        target = folder / "out" / layout
        target.mkdir(parents=True)
        for variant, (args, condarc_text) in variants.items():
            where = scratch / "run"
            shutil.rmtree(where, ignore_errors=True)
            prefix, environ, root = golden_prefixes.lay_out(spec, prefixes, folder / "roots", where)
            # The installed conda runs from its root: that is its root prefix
            # (conda sets $CONDA_ROOT to it), whatever CONDA_EXE says.
            extra = {"CONDA_ROOT_PREFIX": str(root), "CONDA_ROOT": str(root)}
            if "HOME" in environ:
                extra["HOME"] = environ["HOME"]
            result = conda(
                *args, "-p", prefix, condarc_text=condarc_text, check=False, extra_env=extra
            )
            save(result, prefix, target, variant)
        print("layout %s: conda %s" % (layout, VERSIONS[version]))
    shutil.rmtree(scratch, ignore_errors=True)


def save(result, prefix, folder, name):
    if result.returncode == 0:
        (folder / name).write_text(result.stdout.replace(str(prefix), "@PREFIX@"))
    else:
        last = [line for line in result.stderr.splitlines() if line.strip()][-1:]
        message = (last[0] if last else "").replace(str(prefix), "@PREFIX@")
        (folder / (name + ".error")).write_text("%d\n%s\n" % (result.returncode, message))


def layouts(oracle, out):
    """Build the roots, write layouts.json, run the installed conda, pack it all."""
    folder = Path(tempfile.mkdtemp(prefix="nbrepro-golden-layouts-out-"))
    build_roots(folder / "roots")
    specs = layout_specs()
    (out / "layouts.json").write_text(json.dumps(specs, indent=2) + "\n")
    layout_goldens(oracle, out / "prefixes", folder, specs)
    golden_prefixes.pack(folder, out / "layouts.tar.gz")
    shutil.rmtree(folder, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--oracle", required=True, help="folder with venv/ and src-<tag>/")
    parser.add_argument("--out", default=str(GOLDEN))
    parser.add_argument("--keep-prefixes", action="store_true", help="only rerun conda")
    parser.add_argument(
        "--only", action="append", help="build and run only this prefix (others stay as they are)"
    )
    parser.add_argument(
        "--locks-only",
        action="store_true",
        help="only rerun `conda export --file conda-lock.yml|pixi.lock` (26.7 with the "
        "conda-lockfiles plugin) on the committed prefixes",
    )
    parser.add_argument(
        "--layouts-only",
        action="store_true",
        help="only rebuild the layouts (roots of each conda, environments beside them) "
        "and rerun the installed conda on them",
    )
    parser.add_argument(
        "--export-only",
        action="store_true",
        help="only rerun `conda export` (25.7, 26.7) on the committed prefixes",
    )
    args = parser.parse_args(argv)
    out = Path(args.out)
    # The prefixes are committed as one archive (test/python/golden_prefixes.py);
    # they are worked on unpacked in out/prefixes/ (ignored by git) and packed again.
    if not (out / "prefixes").is_dir() and (out / "prefixes.tar.gz").is_file():
        shutil.copytree(golden_prefixes.root(), out / "prefixes")
    try:
        regenerate(args, out)
    finally:
        if (out / "prefixes").is_dir():
            golden_prefixes.pack(out / "prefixes", out / "prefixes.tar.gz")


def regenerate(args, out):
    if args.locks_only:
        names = sorted(p.name for p in (out / "prefixes").iterdir())
        lock_goldens(args.oracle, out, names)
        return
    if args.layouts_only:
        layouts(args.oracle, out)
        return
    if args.export_only:
        names = sorted(p.name for p in (out / "prefixes").iterdir())
        goldens(args.oracle, out, names, clean=False, export_only=True)
        return
    if args.only:
        if not args.keep_prefixes:
            built = Path(tempfile.mkdtemp(prefix="nbrepro-golden-only-"))
            build_prefixes(args.oracle, built)
            for name in args.only:
                shutil.rmtree(out / "prefixes" / name, ignore_errors=True)
                shutil.copytree(built / "prefixes" / name, out / "prefixes" / name)
            shutil.rmtree(built, ignore_errors=True)
        goldens(args.oracle, out, sorted(args.only), clean=False)
        return
    if args.keep_prefixes:
        names = sorted(p.name for p in (out / "prefixes").iterdir())
    else:
        names = build_prefixes(args.oracle, out)
    goldens(args.oracle, out, names)
    lock_goldens(args.oracle, out, names)
    layouts(args.oracle, out)


if __name__ == "__main__":
    main()
