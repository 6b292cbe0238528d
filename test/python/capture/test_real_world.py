"""Real-world conda files (test/fixtures/real-world, sources in its README)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from nbrepro.capture import capture, compact
from nbrepro.record import envfiles

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "real-world"
EXPORTS = sorted((REAL / "conda-env-export").glob("*.yml"))


def prefix_capture(prefix, **options):
    options.setdefault("config_channels", ["defaults"])
    return capture(options=dict(options, prefix=str(prefix), gpu=False))


def test_committed_conda_meta_reads_as_its_history_says(ahc_prefix):
    result = prefix_capture(ahc_prefix)
    conda = result["environment"]["conda"]
    assert result["problems"] == []
    history = (ahc_prefix / "conda-meta" / "history").read_text().splitlines()
    linked = sorted(line[1:].split("::", 1)[1] for line in history if line.startswith("+"))
    exported = [
        "%s-%s-%s" % (p["name"], p["version"], p["build"])
        for p in envfiles.exported_packages(conda)
    ]
    assert exported == linked
    assert conda["from_history"] == ["python=3.12"]
    assert conda["manager"] == "conda"
    assert conda["history"] == {"format": "conda", "requests": 1, "conda_version": "24.9.2"}
    assert conda["platform"] == "win-64"
    assert conda["channels"] == ["conda-forge", "defaults"]
    assert compact.conda_pip(result["environment"]) == []
    assert conda["channel_urls"] == {"conda-forge": "https://conda.anaconda.org/conda-forge"}
    assert "overrides" not in conda
    # Lock: every URL from the records, parents before children, python before pip.
    packages = compact.conda_packages(conda)
    names = [p["name"] for p in packages]
    assert names.index("ucrt") < names.index("vc14_runtime") < names.index("python")
    assert names.index("python") < names.index("wheel") < names.index("pip")
    assert names[:3] == ["ca-certificates", "tzdata", "ucrt"]
    for package, text in zip(packages, conda["packages"]):
        assert package["url"].startswith("https://conda.anaconda.org/conda-forge/")
        assert package["url"].endswith("/" + package["fn"])
        assert text == "conda-forge/%s/%s#%s" % (package["subdir"], package["fn"], package["md5"])
    # Each record file, read directly, agrees with its string.
    for package in packages:
        stem = "%s-%s-%s" % (package["name"], package["version"], package["build"])
        record = json.loads((ahc_prefix / "conda-meta" / (stem + ".json")).read_text())
        assert (record["fn"], record["url"], record["md5"], record["subdir"]) == (
            package["fn"],
            package["url"],
            package["md5"],
            package["subdir"],
        )
    yml = envfiles.environment_yml(result["environment"], from_history=True)
    # after the name, on one line or two: a long prefix goes to the next line as conda
    # writes it, and pytest-xdist's temporary folders are longer
    lines = yml.splitlines()
    assert lines[lines.index("channels:") :][:4] == [
        "channels:",
        "  - defaults",
        "dependencies:",
        "  - python=3.12",
    ]


def test_history_channels_match_records(ahc_prefix):
    conda = prefix_capture(ahc_prefix)["environment"]["conda"]
    history = (ahc_prefix / "conda-meta" / "history").read_text().splitlines()
    for line in history:
        if line.startswith("+"):
            channel_subdir, dist = line[1:].split("::")
            package = next(
                p
                for p in compact.conda_packages(conda)
                if dist.startswith(p["name"] + "-")
                and dist == "%s-%s-%s" % (p["name"], p["version"], p["build"])
            )
            assert channel_subdir == "%s/%s" % (package["channel"], package["subdir"])


def stored_conda(**fields):
    """A stored conda section whose packages are `name=version=build` triples."""
    triples = fields.pop("triples")
    packages = ["x/linux-64/%s-%s-%s.conda" % triple for triple in triples]
    conda = {"channel_urls": {"x": "https://example.org/x"}, "packages": packages}
    conda.update(fields)
    return conda


@pytest.mark.parametrize("path", EXPORTS, ids=lambda p: p.name)
def test_export_model_matches_real_exports(path):
    """Each real export, read into our model, is written back as the same data."""
    data = yaml.safe_load(path.read_text())
    packages, pip = [], []
    from_history = "from-history" in path.name
    for item in data["dependencies"]:
        if isinstance(item, dict):
            pip = item["pip"]
            continue
        parts = item.split("=")
        if from_history or len(parts) < 3:
            parts = (parts + ["", ""])[:3]
        packages.append(tuple(parts))
    conda = stored_conda(
        name=data["name"],
        channels=data.get("channels", []),
        config_channels=data.get("channels", []),
        triples=packages,
        pip=pip,
        from_history=data["dependencies"],
        prefix=data["prefix"],
    )
    no_builds = "no-builds" in path.name
    ours = envfiles.environment_dict(
        {"conda": conda}, no_builds=no_builds, from_history=from_history
    )
    if path.name == "dain-linux.yml":
        # Written by a 2019 conda that grouped dependencies by channel; today's
        # conda sorts by name only, as we do. Same entries, other order.
        conda_deps = [d for d in data["dependencies"] if isinstance(d, str)]
        assert sorted(conda_deps, key=lambda d: d.split("=")[0]) == [
            d for d in ours["dependencies"] if isinstance(d, str)
        ]
        data["dependencies"] = ours["dependencies"]
    assert ours == data


def test_current_layout_round_trips_byte_for_byte():
    """breaching-linux-317.yml was written by a conda with today's ruamel layout."""
    path = REAL / "conda-env-export" / "breaching-linux-317.yml"
    data = yaml.safe_load(path.read_text())
    packages = []
    pip = []
    for item in data["dependencies"]:
        if isinstance(item, dict):
            pip = item["pip"]
        else:
            packages.append(tuple(item.split("=")))
    conda = stored_conda(
        name=data["name"],
        channels=data["channels"],
        config_channels=[],
        triples=packages,
        pip=pip,
        prefix=data["prefix"],
    )
    assert envfiles.environment_yml({"conda": conda}) == path.read_text()


def test_explicit_layout_matches_real_file():
    path = REAL / "conda-explicit" / "cinpla-windows.txt"
    lines = path.read_text().splitlines()
    urls = [line for line in lines if line.startswith("http")]
    records = []
    for url in urls:
        subdir, fn = url.rsplit("/", 2)[1:]
        stem = fn[: -len(".conda")] if fn.endswith(".conda") else fn[: -len(".tar.bz2")]
        name, version, build = stem.rsplit("-", 2)
        records.append(
            {
                "name": name,
                "version": version,
                "build": build,
                "channel": "defaults",
                "subdir": subdir,
                "url": url,
                "fn": fn,
                "md5": None,
            }
        )
    conda = compact.conda_section({"platform": "win-64", "packages": records})
    assert conda["channel_urls"] == {"pkgs/main": "https://repo.anaconda.com/pkgs/main"}
    assert conda["packages"][0] == "pkgs/main/" + urls[0].split("/pkgs/main/", 1)[1]
    assert "overrides" not in conda
    ours = envfiles.explicit({"conda": conda})
    ours_lines = [line for line in ours.splitlines() if not line.startswith("# created-by")]
    assert ours_lines == lines


@pytest.mark.skipif(shutil.which("conda") is None, reason="conda is not on PATH")
def test_same_as_conda_env_export(conda_prefix):
    completed = subprocess.run(
        ["conda", "env", "export", "--prefix", str(conda_prefix)],
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = yaml.safe_load(completed.stdout)
    ours = envfiles.environment_dict(
        capture(options={"prefix": str(conda_prefix), "gpu": False})["environment"]
    )
    assert ours["dependencies"] == theirs["dependencies"]
    assert ours["channels"] == theirs["channels"]
