"""The stored (compact) form of an environment: size, and reading it back exactly."""

import importlib.util
import json
from pathlib import Path

import pytest

from nbrepro.capture import capture, compact
from nbrepro.record import envfiles

from .test_capture_contract import validate

ROOT = Path(__file__).resolve().parents[3]
SIZE_LIMIT = 30_000  # PRODUCT.md: under 30 KB for 300 packages


def load_bench():
    spec = importlib.util.spec_from_file_location(
        "capture_bench", ROOT / "bench" / "capture_bench.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_300_package_snapshot_is_under_30_kb(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    bench = load_bench()
    prefix, _ = bench.build_prefix(tmp_path, 300)
    result = capture(options={"prefix": str(prefix), "gpu": False, "config_channels": []})
    validate(result)
    environment = result["environment"]
    assert len(environment["conda"]["packages"]) == 270
    assert len(environment["pip"]["distributions"]) == 30  # the conda-owned 180 are not listed
    size = len(json.dumps(environment, separators=(",", ":"), ensure_ascii=False).encode())
    assert size < SIZE_LIMIT

    # As nbformat writes it (indent=1), at metadata.nbrepro.snapshots.<id>.environment.
    def notebook_bytes(snapshots):
        metadata = {"nbrepro": {"schema_version": 1, "snapshots": snapshots}}
        return len(nbformat.writes(nbformat.v4.new_notebook(metadata=metadata)).encode())

    stored = {result["environment_id"]: {"environment": environment, "captured_at": ""}}
    in_notebook = notebook_bytes(stored) - notebook_bytes({})
    assert in_notebook == bench.snapshot_sizes(environment)["notebook_bytes"]
    print(
        "\nsnapshot of 300 packages: %d B compact (%.1f B/package), %d B in a notebook (indent=1)"
        % (size, size / 300.0, in_notebook)
    )


def record(name, version, build, **extra):
    fn = "%s-%s-%s.conda" % (name, version, build)
    entry = {
        "name": name,
        "version": version,
        "build": build,
        "channel": "conda-forge",
        "subdir": "linux-64",
        "fn": fn,
        "url": "https://conda.anaconda.org/conda-forge/linux-64/" + fn,
        "md5": "a" * 32,
        "sha256": "b" * 64,
    }
    entry.update(extra)
    return entry


FIELDS = ("name", "version", "build", "channel", "subdir", "fn", "url", "md5")


def read_back(full_packages):
    conda = compact.conda_section({"packages": full_packages})
    return conda, compact.conda_packages(conda)


def test_package_strings_and_hash_forms():
    conda, back = read_back(
        [
            record("ca-certificates", "2024.8.30", "hbcca054_0"),
            record("libgcc-ng", "14.2.0", "h69a702a_1", md5=None),
            record("tzdata", "2024b", "hc8b5060_0", md5=None, sha256=None),
        ]
    )
    assert conda["packages"] == [
        "conda-forge/linux-64/ca-certificates-2024.8.30-hbcca054_0.conda#" + "a" * 32,
        "conda-forge/linux-64/libgcc-ng-14.2.0-h69a702a_1.conda#sha256:" + "b" * 64,
        "conda-forge/linux-64/tzdata-2024b-hc8b5060_0.conda",
    ]
    assert back[0]["name"] == "ca-certificates" and back[0]["build"] == "hbcca054_0"
    assert back[1]["md5"] is None and back[1]["sha256"] == "b" * 64
    lines = envfiles.explicit_lines({"conda": conda})
    assert lines[0].endswith(".conda#" + "a" * 32)
    assert lines[1].endswith("/libgcc-ng-14.2.0-h69a702a_1.conda")  # no md5: no hash, as conda
    # The stored form has no sha256 where it has an md5: a sha256 lock needs the full record.
    with pytest.raises(ValueError, match="nbrepro snapshot --full"):
        envfiles.explicit_lines({"conda": conda}, "sha256")


def test_records_their_strings_do_not_describe_get_overrides():
    odd = [
        # a file name that is not name-version-build
        record(
            "renamed",
            "1.0",
            "0",
            fn="other-2.0-1.tar.bz2",
            url="https://conda.anaconda.org/conda-forge/linux-64/other-2.0-1.tar.bz2",
        ),
        # downloaded from a mirror, recorded under the channel it stands for
        record(
            "mirrored",
            "1.0",
            "0",
            url="https://mirror.example.org/conda-forge/linux-64/mirrored-1.0-0.conda",
        ),
        # no URL, channel known
        record("local", "1.0", "0", url=None, channel="conda-forge"),
        # a URL that is not <base>/<subdir>/<fn>
        record("flat", "1.0", "0", url="https://files.example.org/flat-1.0-0.conda"),
    ]
    conda, back = read_back(odd)
    for full, ours in zip(odd, back):
        assert dict((f, ours[f]) for f in FIELDS) == dict((f, full[f]) for f in FIELDS)
    assert conda["overrides"]["0"] == {"name": "renamed", "version": "1.0", "build": "0"}
    assert conda["overrides"]["1"] == {"channel": "conda-forge"}
    assert conda["packages"][2] == "<unknown>/linux-64/local-1.0-0.conda#" + "a" * 32
    assert set(conda["overrides"]) == {"0", "1", "2", "3"}


def test_channel_keys_are_canonical_names_and_unique():
    keys = compact.channel_keys(
        [
            "https://conda.anaconda.org/conda-forge",
            "https://conda.anaconda.org/conda-forge/label/dev",
            "https://repo.anaconda.com/pkgs/main",
            "https://repo.continuum.io/pkgs/main",
            "file:///srv/mirror/conda-forge",
            "https://conda.example.com/private",
        ]
    )
    assert keys == {
        "https://conda.anaconda.org/conda-forge": "conda-forge",
        "https://conda.anaconda.org/conda-forge/label/dev": "conda-forge/label/dev",
        "https://repo.anaconda.com/pkgs/main": "pkgs/main",
        "https://repo.continuum.io/pkgs/main": "pkgs/main~2",
        "file:///srv/mirror/conda-forge": "conda-forge~2",
        "https://conda.example.com/private": "private",
    }
    conda, back = read_back(
        [
            record(
                "a",
                "1",
                "0",
                channel="defaults",
                url="https://repo.continuum.io/pkgs/main/linux-64/a-1-0.conda",
            ),
            record(
                "b",
                "1",
                "0",
                channel="defaults",
                url="https://repo.anaconda.com/pkgs/main/linux-64/b-1-0.conda",
            ),
            record(
                "c",
                "1",
                "0",
                channel="conda-forge/label/dev",
                subdir="noarch",
                url="https://conda.anaconda.org/conda-forge/label/dev/noarch/c-1-0.conda",
            ),
        ]
    )
    assert [p["url"] for p in back] == [
        "https://repo.continuum.io/pkgs/main/linux-64/a-1-0.conda",
        "https://repo.anaconda.com/pkgs/main/linux-64/b-1-0.conda",
        "https://conda.anaconda.org/conda-forge/label/dev/noarch/c-1-0.conda",
    ]
    assert [p["channel"] for p in back] == ["defaults", "defaults", "conda-forge/label/dev"]
    assert "overrides" not in conda
    assert [p.split("/linux-64/")[0] for p in conda["packages"][:2]] == ["pkgs/main~2", "pkgs/main"]


def test_pip_section_keeps_what_is_not_the_common_case():
    full = {
        "site_dirs": [
            {"path": "~/.local/lib/python3.12/site-packages", "location": "user"},
            {"path": "/env/lib/python3.12/site-packages", "location": "prefix"},
        ],
        "main_site": 1,
        "distributions": [
            {
                "name": "Numpy",
                "normalized_name": "numpy",
                "version": "2.0.0",
                "installer": "pip",
                "kind": "dist-info",
                "site": 0,
                "location": "user",
            },
            {
                "name": "six",
                "normalized_name": "six",
                "version": "1.16.0",
                "installer": None,
                "kind": "egg-info",
                "site": 1,
                "location": "prefix",
            },
            {
                "name": "scipy",
                "normalized_name": "scipy",
                "version": "1.13.0",
                "installer": "conda",
                "kind": "dist-info",
                "site": 1,
                "location": "prefix",
                "conda": "scipy",
            },
        ],
        "shadowed": [
            {
                "name": "numpy",
                "normalized_name": "numpy",
                "version": "1.26.4",
                "installer": "uv",
                "kind": "dist-info",
                "site": 1,
                "location": "prefix",
                "shadowed_by": 0,
            }
        ],
    }
    stored = compact.pip_section(full)
    assert stored["distributions"] == [
        {"name": "Numpy", "version": "2.0.0", "location": "user", "site": 0},
        {"name": "numpy", "version": "1.26.4", "installer": "uv", "shadowed_by": 0},
        {"name": "six", "version": "1.16.0", "installer": None, "kind": "egg-info"},
    ]
    assert compact.conda_pip({"conda": {}, "pip": stored}) == ["six==1.16.0"]
    assert envfiles.requirements({"pip": stored}) == "Numpy==2.0.0\nsix==1.16.0\n"
