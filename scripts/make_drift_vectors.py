"""Write test/vectors/drift/*.json: inputs defined here, `expected` computed by the
Python diff. Review every changed expectation before committing (git diff): the
vectors are what holds the TypeScript diff to the Python one, and the Python
tests (test/python/test_drift.py) check the rules independently.

Usage: .venv/bin/python scripts/make_drift_vectors.py && npx prettier --write test/vectors/drift
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))

from nbrepro.drift import diff, normalize, readers  # noqa: E402

OUT = ROOT / "test" / "vectors" / "drift"
FIXTURES = ROOT / "test" / "fixtures" / "real-world"


def conda(name, version, build="0", channel="conda-forge"):
    entry = {"name": name, "version": version, "manager": "conda", "build": build}
    if channel:
        entry["channel"] = channel
    return entry


def pip(name, version, source=None):
    entry = {"name": name, "version": version, "manager": "pip"}
    if source:
        entry["source"] = source
    return entry


def side(*entries, **facts):
    out = {"packages": {normalize(e["name"]): e for e in entries}}
    out.update(facts)
    return out


def yml(name):
    return readers.read_file(FIXTURES / "conda-env-export" / name).side


NUMPY, PANDAS, SCIPY = conda("numpy", "1.26.4"), conda("pandas", "2.1.0"), conda("scipy", "1.11.1")

VECTORS = {
    "01-identical": (
        "the same environment on both sides: no difference",
        side(NUMPY, pip("requests", "2.31.0"), python="3.11.7"),
        side(NUMPY, pip("requests", "2.31.0"), python="3.11.7"),
        {},
    ),
    "02-version-distance-used": (
        "major, minor, patch, post and local changes; used packages are raised one level, "
        "unused ones lowered (never below info)",
        side(
            NUMPY,
            PANDAS,
            SCIPY,
            pip("attrs", "23.1.0"),
            pip("rich", "13.0"),
            pip("torch", "2.1.0+cu121"),
            pip("tqdm", "4.66.1"),
        ),
        side(
            conda("numpy", "2.0.0"),
            conda("pandas", "2.2.0"),
            conda("scipy", "1.11.3"),
            pip("attrs", "23.1.0.post1"),
            pip("rich", "14.0"),
            pip("torch", "2.1.0+cu118"),
            pip("tqdm", "4.66.2"),
        ),
        {"used": ["numpy", "pandas", "SciPy", "torch"]},
    ),
    "03-downgrades-no-usage-known": (
        "downgrades graded by distance; without `used` nothing is raised or lowered",
        side(conda("numpy", "1.26.4"), pip("Flask", "3.0.0"), pip("click", "8.1.7")),
        side(conda("numpy", "1.24.0"), pip("flask", "2.3.3"), pip("click", "8.1.6")),
        {"used": None},
    ),
    "04-added-removed": (
        "added packages low (info when unused), removed medium (high when used, low when not)",
        side(NUMPY, PANDAS, pip("seaborn", "0.13.0")),
        side(NUMPY, pip("polars", "0.20.0"), pip("seaborn", "0.13.0"), conda("zlib", "1.3.1")),
        {"used": ["numpy", "pandas"]},
    ),
    "05-build-and-source": (
        "build-only change info; conda to pip and another channel low; another VCS commit "
        "and another editable path medium; restore commands for each",
        side(
            conda("openssl", "3.2.1", "hd590300_0"),
            conda("zlib", "1.3.1", "h4ab18f5_1"),
            conda("libffi", "3.4.2", "h7f98852_5"),
            pip("mylib", "0.1", "git+https://github.com/me/mylib@1111111"),
            pip("tool", "0.2", "editable file:///home/me/tool"),
        ),
        side(
            conda("openssl", "3.2.1", "hd590300_1"),
            pip("zlib", "1.3.1"),
            conda("libffi", "3.4.2", "h7f98852_5", channel="defaults"),
            pip("mylib", "0.1", "git+https://github.com/me/mylib@2222222"),
            pip("tool", "0.2", "editable file:///home/me/tool2"),
        ),
        {},
    ),
    "06-python": (
        "python: minor change high; the python package is not also reported as a package",
        side(conda("python", "3.10.13", "hd12c33a_0_cpython"), NUMPY),
        side(conda("python", "3.11.7", "hab00c5b_1_cpython"), NUMPY),
        {"used": ["numpy"]},
    ),
    "07-python-patch-and-platform": (
        "python patch change low; os and machine high, libc medium",
        side(python="3.11.7", platform={"os": "linux", "machine": "x86_64", "libc": "glibc 2.35"}),
        side(python="3.11.9", platform={"os": "darwin", "machine": "arm64", "libc": None}),
        {},
    ),
    "08-libc-only": (
        "only libc differs: medium",
        side(platform={"os": "linux", "machine": "x86_64", "libc": "glibc 2.35"}),
        side(platform={"os": "linux", "machine": "x86_64", "libc": "glibc 2.39"}),
        {},
    ),
    "09-gpu-framework-imported": (
        "driver, CUDA and cuDNN changes are high when a GPU framework is imported",
        side(
            gpu={
                "driver": "535.104.05",
                "cuda_driver": "12.2",
                "cuda_runtime": "12.1",
                "cudnn": "8902",
                "devices": "1x NVIDIA A100-SXM4-80GB",
            }
        ),
        side(
            gpu={
                "driver": "550.54.15",
                "cuda_driver": "12.4",
                "cuda_runtime": "12.1",
                "cudnn": "90100",
                "devices": "2x NVIDIA H100 80GB HBM3",
            }
        ),
        {"used": ["torch"], "gpu_framework_imported": True},
    ),
    "10-gpu-no-framework": (
        "the same GPU changes are low when no GPU framework is imported; unknown facts are "
        "not compared",
        side(
            gpu={
                "driver": "535.104.05",
                "cuda_driver": "12.2",
                "cuda_runtime": None,
                "cudnn": None,
                "devices": "1x NVIDIA A100-SXM4-80GB",
            }
        ),
        side(
            gpu={
                "driver": "550.54.15",
                "cuda_driver": "12.2",
                "cuda_runtime": "12.4",
                "cudnn": None,
                "devices": "none",
            }
        ),
        {"gpu_framework_imported": False},
    ),
    "11-determinism-and-seeding": (
        "determinism and seeding settings that differ are medium",
        side(
            runtime={
                "seeding": {"status": "seeded", "recovered.torch.initial_seed": "42"},
                "determinism": {
                    "torch.cudnn.deterministic": "true",
                    "env.CUBLAS_WORKSPACE_CONFIG": ":4096:8",
                },
            }
        ),
        side(
            runtime={
                "seeding": {"status": "unseeded"},
                "determinism": {
                    "torch.cudnn.deterministic": "false",
                    "env.CUBLAS_WORKSPACE_CONFIG": ":4096:8",
                    "env.OMP_NUM_THREADS": "4",
                },
            }
        ),
        {},
    ),
    "12-supply-chain": (
        "typosquats among added pip packages (not among conda ones: conda's namespace "
        "differs) and a channel or index not seen before",
        side(NUMPY, channels=["conda-forge", "pypi"]),
        side(
            NUMPY,
            pip("reqeusts", "2.31.0"),
            pip("numpyy", "1.0"),
            pip("python-dateutl", "2.8.2"),
            conda("yaml", "0.2.5"),
            pip("requests", "2.31.0"),
            channels=["conda-forge", "https://pypi.evil.example/simple", "pypi", "sketchy"],
        ),
        {},
    ),
    "13-ignore-patterns": (
        "ignore patterns (globs over PEP 503 names) leave out package differences and alerts",
        side(
            NUMPY,
            conda("libgcc-ng", "13.2.0"),
            conda("libstdcxx-ng", "13.2.0"),
            pip("my_internal.pkg", "1.0"),
            channels=["conda-forge"],
        ),
        side(
            conda("numpy", "1.26.5"),
            conda("libgcc-ng", "14.1.0"),
            pip("my-internal-pkg", "2.0"),
            pip("reqeusts", "1.0"),
            channels=["conda-forge", "internal"],
        ),
        {"ignore": ["lib*", "MY_INTERNAL.*", "reqeust?", "internal"]},
    ),
    "14-non-pep440-versions": (
        "conda versions that are not PEP 440 use the documented fallback; 2024a -> 2024b "
        "is a PEP 440 pre-release change; prefix pins and unpinned specs",
        side(
            conda("jpeg", "9d"),
            conda("openssl", "1.1.1w"),
            conda("sacremoses", "master"),
            conda("tzdata", "2024a"),
            conda("pillow", "1!2.0"),
            conda("icu", "73.2"),
            conda("python", "3.11.*", None),
            conda("zstd", None, None),
            conda("m2w64-gmp", "6.1.0"),
            conda("libwinpthread", "5.0.0.4634.697f757"),
        ),
        side(
            conda("jpeg", "9e"),
            conda("openssl", "1.1.1k"),
            conda("sacremoses", "0.0.53"),
            conda("tzdata", "2024b"),
            conda("pillow", "2.0"),
            conda("icu", "73.2"),
            conda("python", "3.11.7"),
            conda("zstd", "1.5.6"),
            conda("m2w64-gmp", "6.1.0_2"),
            conda("libwinpthread", "5.0.0.4635.697f757"),
        ),
        {},
    ),
    "15-from-environment-form": (
        "sides given as stored environments (compact conda strings, overrides, pip "
        "distributions with shadowed_by and PEP 610 sources) and run records",
        {
            "environment": {
                "python": {"version": "3.11.7"},
                "platform": {
                    "system": "Linux",
                    "machine": "x86_64",
                    "libc": {"name": "glibc", "version": "2.35"},
                },
                "conda": {
                    "channels": ["conda-forge"],
                    "channel_urls": {"conda-forge": "https://conda.anaconda.org/conda-forge"},
                    "packages": [
                        "conda-forge/linux-64/numpy-1.26.4-py311h64a7726_0.conda#d53a5f0e9e3b2b1c8a4e7c6f0e9d8c7b",
                        "conda-forge/noarch/tzdata-2024a-h0c530f3_0.conda",
                        "<unknown>/linux-64/weird_fn.tar.bz2",
                        "conda-forge/linux-64/requests-2.31.0-pyhd8ed1ab_0.conda",
                    ],
                    "overrides": {"2": {"name": "weird", "version": "1.0", "build": "0"}},
                },
                "pip": {
                    "site_dirs": [],
                    "main_site": 0,
                    "distributions": [
                        {"name": "requests", "version": "2.32.0"},
                        {
                            "name": "mylib",
                            "version": "0.1",
                            "source": {
                                "url": "https://github.com/me/mylib",
                                "vcs_info": {"vcs": "git", "commit_id": "abc123"},
                            },
                        },
                        {"name": "rich", "version": "13.0", "shadowed_by": 0},
                    ],
                },
                "gpu": {
                    "source": "nvml",
                    "driver_version": "535.104.05",
                    "cuda_driver_version": "12.2",
                    "env": {},
                    "devices": [{"index": 0, "name": "NVIDIA A100"}],
                },
            },
            "runtime": {
                "frameworks": {
                    "torch": {
                        "version": "2.1.0",
                        "cuda": "12.1",
                        "hip": None,
                        "cuda_initialized": True,
                        "cudnn": 8902,
                    }
                },
                "seeds": {
                    "status": "seeded",
                    "calls": [],
                    "recovered": {"torch.initial_seed": 42},
                    "fingerprints": {"python": "0123456789abcdef"},
                },
                "determinism": {
                    "env": {"PYTHONHASHSEED": None},
                    "torch": {"cudnn": {"deterministic": True, "benchmark": False}},
                },
            },
        },
        {
            "environment": {
                "python": {"version": "3.12.1"},
                "platform": {
                    "system": "Linux",
                    "machine": "amd64",
                    "libc": {"name": "glibc", "version": "2.35"},
                },
                "conda": {
                    "channels": ["conda-forge", "defaults"],
                    "channel_urls": {
                        "conda-forge": "https://conda.anaconda.org/conda-forge",
                        "pkgs/main": "https://repo.anaconda.com/pkgs/main",
                    },
                    "packages": [
                        "conda-forge/linux-64/numpy-2.0.1-py312h1103770_0.conda",
                        "pkgs/main/noarch/tzdata-2024b-h04d1e81_0.conda",
                        "conda-forge/linux-64/requests-2.31.0-pyhd8ed1ab_0.conda",
                    ],
                },
                "pip": {
                    "site_dirs": [],
                    "main_site": 0,
                    "distributions": [
                        {"name": "requests", "version": "2.32.3"},
                        {
                            "name": "mylib",
                            "version": "0.1",
                            "source": {
                                "url": "https://github.com/me/mylib",
                                "vcs_info": {"vcs": "git", "commit_id": "def456"},
                            },
                        },
                        {"name": "rich", "version": "13.7"},
                    ],
                },
                "gpu": {
                    "source": "nvml",
                    "driver_version": "550.54.15",
                    "cuda_driver_version": "12.4",
                    "env": {},
                    "devices": [{"index": 0, "name": "NVIDIA A100"}],
                },
            },
            "runtime": {
                "frameworks": {
                    "torch": {
                        "version": "2.3.0",
                        "cuda": "12.4",
                        "hip": None,
                        "cuda_initialized": False,
                    }
                },
                "seeds": {
                    "status": "unseeded",
                    "calls": [],
                    "recovered": {},
                    "fingerprints": {"python": "fedcba9876543210"},
                },
                "determinism": {
                    "env": {"PYTHONHASHSEED": "0"},
                    "torch": {"cudnn": {"deterministic": False, "benchmark": False}},
                },
            },
        },
        {"used": ["numpy", "mylib", "torch"], "gpu_framework_imported": True},
    ),
    "16-ztf-windows-vs-ubuntu": (
        "real world: one environment (ZTF summer school 2022) exported by conda env export "
        "on Windows and on Ubuntu; views read by the Python reader",
        yml("ztf-windows.yml"),
        yml("ztf-ubuntu.yml"),
        {},
    ),
    "17-ztf-ubuntu-vs-osx": (
        "real world: the ZTF environment on Ubuntu and on macOS, with a notebook that "
        "imports numpy, astropy, matplotlib and ztfquery",
        yml("ztf-ubuntu.yml"),
        yml("ztf-osx.yml"),
        {"used": ["numpy", "astropy", "matplotlib", "ztfquery"]},
    ),
    "18-ztf-windows-vs-osx-ignore": (
        "real world: the ZTF environment on Windows and on macOS, platform libraries ignored",
        yml("ztf-windows.yml"),
        yml("ztf-osx.yml"),
        {"ignore": ["lib*", "m2w64-*", "vs2015*", "vc", "*-devel", "llvm-openmp", "intel-openmp"]},
    ),
    "19-ztf-builds-vs-no-builds": (
        "real world: conda env export with and without builds of the same Ubuntu "
        "environment: no difference",
        yml("ztf-ubuntu.yml"),
        yml("ztf-ubuntu-no-builds.yml"),
        {},
    ),
    "20-from-history-unpinned": (
        "real world: a --from-history export (unpinned specs, `python=3.9` a prefix pin) "
        "against pinned versions: only presence and the python minor version compare",
        readers.read_file(FIXTURES / "conda-env-export" / "egocentric-from-history.yml").side,
        side(
            conda("python", "3.9.18", "h955ad1f_0", "defaults"),
            conda("numpy", "1.26.4", "py39h5f9d8c6_0", "defaults"),
            conda("matplotlib", "3.8.0", "py39h06a4308_0", "defaults"),
            channels=["defaults"],
        ),
        {},
    ),
    "21-bad-wrong-types": (
        "bad input: wrong types everywhere give a partial diff and problems, never a crash",
        {
            "packages": {
                "numpy": {"name": "numpy", "version": 1.26, "manager": "conda"},
                "x": "not an object",
                "y": {"name": 7, "manager": "pip"},
                "z": {"name": "z", "version": "1", "manager": "npm"},
                "ok": {"name": "ok", "version": "1.0", "manager": "pip", "build": 3},
            },
            "channels": "conda-forge",
            "python": 3.11,
            "platform": ["linux"],
            "gpu": {"driver": 535},
            "runtime": "none",
        },
        {
            "packages": {
                "numpy": {"name": "numpy", "version": "1.26.4", "manager": "conda"},
                "ok": {"name": "ok", "version": "2.0", "manager": "pip"},
            },
            "python": "3.12.0",
        },
        {"used": "numpy", "gpu_framework_imported": "yes", "ignore": "lib*"},
    ),
    "22-bad-missing-keys": (
        "bad input: before is not an object, after lacks packages, context is a list",
        ["numpy==1.0"],
        {"python": "3.11.0"},
        [],
    ),
    "23-bad-duplicates-and-garbage-environment": (
        "bad input: a stored environment with duplicate names, malformed package strings, "
        "wrong types; a view whose keys normalise to the same name",
        {
            "environment": {
                "python": {"version": 3},
                "conda": {
                    "channel_urls": {},
                    "overrides": [],
                    "packages": [
                        "conda-forge/linux-64/numpy-1.26.4-py311_0.conda",
                        "conda-forge/linux-64/NumPy-1.26.3-py311_0.conda",
                        "not-a-package-string",
                        42,
                        "conda-forge/linux-64/-1.0-0.conda",
                    ],
                },
                "pip": {
                    "distributions": [
                        {"name": "Requests", "version": "2.31.0"},
                        {"name": "requests", "version": "2.30.0"},
                        {"name": "nameless"},
                        "text",
                    ]
                },
                "platform": "linux",
                "gpu": [],
            }
        },
        {
            "packages": {
                "Requests": {"name": "Requests", "version": "2.32.0", "manager": "pip"},
                "requests": {"name": "requests", "version": "2.31.0", "manager": "pip"},
                "numpy": {"name": "numpy", "version": "1.26.4", "manager": "conda"},
            }
        },
        {},
    ),
    "24-names-as-text-and-quoting": (
        "names from metadata are data: an HTML payload and shell metacharacters appear as "
        "text, and restore commands quote them",
        side(
            pip("<img src=x onerror=alert(1)>", "1.0"),
            pip("evil'; rm -rf ~", "1.0"),
            conda("python-dateutil", "2.8.*"),
        ),
        side(pip("<img src=x onerror=alert(1)>", "2.0"), conda("python-dateutil", "2.9.0")),
        {},
    ),
    "26-same-archive-bytes": (
        "a wheel installed from another place with the same sha256 is the same package (a "
        "bundle's wheels/ folder); another sha256 is a source change",
        side(
            pip(
                "mypkg", "1.0", "file:///home/a/dist/mypkg-1.0-py3-none-any.whl#sha256=" + "ab" * 32
            ),
            pip(
                "other", "2.0", "file:///home/a/dist/other-2.0-py3-none-any.whl#sha256=" + "cd" * 32
            ),
        ),
        side(
            pip(
                "mypkg",
                "1.0",
                "file:///tmp/b/wheels/mypkg-1.0-py3-none-any.whl#sha256=" + "ab" * 32,
            ),
            pip(
                "other",
                "2.0",
                "file:///tmp/b/wheels/other-2.0-py3-none-any.whl#sha256=" + "ef" * 32,
            ),
        ),
        {},
    ),
}


def main():
    for stem, (description, before, after, context) in VECTORS.items():
        expected = diff(before, after, context)
        vector = {
            "description": description,
            "before": before,
            "after": after,
            "context": context,
            "expected": expected,
        }
        path = OUT / (stem + ".json")
        path.write_text(json.dumps(vector, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print("wrote %d vectors to %s" % (len(VECTORS), OUT))


if __name__ == "__main__":
    main()
