"""The capture against real prefixes built by py-rattler and pip (see conftest)."""

import json

from nbrepro import envfiles
from nbrepro.capture import capture

from .conftest import PY_VERSION, SP


def snapshot(prefix, **options):
    options.setdefault("config_channels", ["defaults"])
    options.setdefault("gpu", False)
    return capture(options=dict(options, prefix=str(prefix)))


def test_conda_export_follows_condas_pip_rule(conda_prefix, built):
    result = snapshot(conda_prefix)
    conda = result["environment"]["conda"]
    # clobberme was overwritten by pip: conda drops it; orphanpy's dist-info belongs to a
    # package that does not depend on python, so conda reads it as a pip record that
    # replaces the conda one.
    assert [p["name"] for p in envfiles.exported_packages(conda)] == ["libdata", "nbtool", "python"]
    assert conda["pip"] == [
        "clobberme==2.0",
        "editpkg==0.1",
        "orphanpy==0.5",
        "plainpkg==1.0",
        "vcspkg==0.2",
    ]
    flags = dict((p["name"], p) for p in conda["packages"])
    assert flags["clobberme"]["clobbered"] is True
    assert flags["orphanpy"]["replaced_by_pip"] is True
    assert conda["egg_links"] == [
        {
            "name": "legacy",
            "version": "0.9",
            "kind": "egg-link",
            "path": str(built["root"] / "src" / "legacy"),
        }
    ]
    channel = "file://" + str(built["channel"])
    assert conda["channels"] == [channel, "defaults"]
    assert any("clobberme" in p["message"] for p in result["problems"])

    text = envfiles.environment_yml(result["environment"])
    assert text == (
        "name: %s\n"
        "channels:\n"
        "  - %s\n"
        "  - defaults\n"
        "dependencies:\n"
        "  - libdata=2.0=h1\n"
        "  - nbtool=0.3=pyh0\n"
        "  - python=%s=h0_cpython\n"
        "  - pip:\n"
        "      - clobberme==2.0\n"
        "      - editpkg==0.1\n"
        "      - orphanpy==0.5\n"
        "      - plainpkg==1.0\n"
        "      - vcspkg==0.2\n"
        "prefix: %s\n" % (conda["name"], channel, PY_VERSION, conda["prefix"])
    )
    no_builds = envfiles.environment_yml(result["environment"], no_builds=True)
    assert "  - python=%s\n" % PY_VERSION in no_builds
    assert "  - nbtool=0.3\n" in no_builds


def test_exact_lock_is_topological_with_hashes(conda_prefix, built):
    conda = snapshot(conda_prefix)["environment"]["conda"]
    names = [p["name"] for p in conda["packages"]]
    # python and libdata have no parents; nbtool and orphanpy need libdata; clobberme python.
    assert names == ["libdata", "python", "clobberme", "nbtool", "orphanpy"]
    lines = envfiles.explicit_lines({"conda": conda})
    for line, package in zip(lines, conda["packages"]):
        url, md5 = line.split("#")
        assert url.startswith(built["channel"].as_uri())
        assert url.endswith(package["fn"])
        assert len(md5) == 32 and len(package["sha256"]) == 64
    with open(conda_prefix / "conda-meta" / ("nbtool-0.3-pyh0.json")) as handle:
        record = json.load(handle)
    assert conda["packages"][3]["md5"] == record["md5"]
    assert conda["packages"][3]["sha256"] == record["sha256"]
    text = envfiles.explicit({"conda": conda})
    assert text.splitlines()[2] == "# platform: linux-64"
    assert text.splitlines()[4] == "@EXPLICIT"


def test_pip_section_sources(conda_prefix, built):
    pip = snapshot(conda_prefix)["environment"]["pip"]
    dists = dict((d["normalized_name"], d) for d in pip["distributions"])
    assert dists["nbtool"]["conda"] == "nbtool"
    assert dists["nbtool"]["installer"] == "conda"
    assert "conda" not in dists["clobberme"] and dists["clobberme"]["version"] == "2.0"
    assert dists["clobberme"]["installer"] == "pip"
    assert "source" not in dists["plainpkg"]
    edit = dists["editpkg"]["source"]
    assert edit["dir_info"] == {"editable": True}
    assert edit["url"] == built["editable"].as_uri()
    vcs = dists["vcspkg"]["source"]
    assert vcs["vcs_info"]["vcs"] == "git"
    assert vcs["vcs_info"]["commit_id"] == built["commit"]
    assert vcs["vcs_info"]["requested_revision"] == "main"
    assert dists["legacy"]["kind"] == "egg-link"
    assert all(d["location"] == "prefix" for d in pip["distributions"])
    requirements = envfiles.requirements(snapshot(conda_prefix)["environment"])
    assert "plainpkg==1.0\n" in requirements
    assert "-e %s\n" % built["editable"].as_uri() in requirements
    assert "vcspkg @ git+%s@%s\n" % (built["vcs"].as_uri(), built["commit"]) in requirements
    assert "nbtool" not in requirements


def test_home_directory_is_redacted(conda_prefix, monkeypatch):
    monkeypatch.setenv("HOME", str(conda_prefix.parent))
    result = snapshot(conda_prefix)
    conda = result["environment"]["conda"]
    assert conda["prefix"] == "~/" + conda_prefix.name
    text = json.dumps(result)
    assert str(conda_prefix.parent) not in text
    full = snapshot(conda_prefix, record_paths=True)
    assert full["environment"]["conda"]["prefix"] == str(conda_prefix)


def test_pixi_prefix(pixi_prefix):
    conda = snapshot(pixi_prefix)["environment"]["conda"]
    assert conda["manager"] == "pixi"
    assert conda["history"]["format"] == "pixi-stub"
    assert conda["from_history"] == []
    assert conda["pixi"]["environment_name"] == "default"
    assert conda["pixi"]["manifest_path"] == "~/project/pixi.toml"
    assert [p["name"] for p in conda["packages"]] == ["libdata", "python", "nbtool"]
    assert conda["pip"] == []


def test_unchanged_run_is_a_fingerprint_hit(conda_prefix):
    cache = {}
    options = {"prefix": str(conda_prefix), "gpu": False, "config_channels": []}
    first = capture(options=options, cache=cache)
    second = capture(options=options, cache=cache)
    assert first["unchanged"] is False and second["unchanged"] is True
    assert second["environment_id"] == first["environment_id"]
    assert "environment" not in second
    third = capture(options=dict(options, include_environment=True), cache=cache)
    assert third["environment"] == first["environment"]
    # pip creating a dist-info changes site-packages' mtime: a rescan follows.
    extra = conda_prefix / SP / "late-1.0.dist-info"
    extra.mkdir()
    try:
        (extra / "METADATA").write_text("Name: late\nVersion: 1.0\n\n")
        fourth = capture(options=options, cache=cache)
        assert fourth["unchanged"] is False
        assert fourth["environment_id"] != first["environment_id"]
        assert "late==1.0" in fourth["environment"]["conda"]["pip"]
    finally:
        for child in extra.iterdir():
            child.unlink()
        extra.rmdir()
