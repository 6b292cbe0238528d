"""The capture against real prefixes built by py-rattler and pip (see conftest)."""

import json

import pytest
import yaml

from nbrepro.capture import capture, compact, distinfo, environment_id
from nbrepro.record import envfiles

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
    # The pip: section is not stored: it is what pip.distributions gives.
    assert "pip" not in conda
    assert compact.conda_pip(result["environment"]) == [
        "clobberme==2.0",
        "editpkg==0.1",
        "orphanpy==0.5",
        "plainpkg==1.0",
        "vcspkg==0.2",
    ]
    flags = dict((p["name"], p) for p in compact.conda_packages(conda))
    assert flags["clobberme"]["clobbered"] is True
    assert flags["orphanpy"]["replaced_by_pip"] is True
    assert conda["clobbered"] == ["clobberme"] and conda["replaced_by_pip"] == ["orphanpy"]
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
    # the prefix lies on the test session's shelf: a long temporary path may wrap the
    # name and prefix lines as YAML allows, so those two are compared as YAML reads them
    read = yaml.safe_load(text)
    assert (read["name"], read["prefix"]) == (conda["name"], conda["prefix"])
    middle = text[text.index("channels:\n") : text.index("prefix:")]
    assert middle == (
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
        "      - vcspkg==0.2\n" % (channel, PY_VERSION)
    )
    no_builds = envfiles.environment_yml(result["environment"], no_builds=True)
    assert "  - python=%s\n" % PY_VERSION in no_builds
    assert "  - nbtool=0.3\n" in no_builds


def test_exact_lock_is_topological_with_hashes(conda_prefix, built):
    result = snapshot(conda_prefix, full=True)
    conda = result["environment"]["conda"]
    packages = compact.conda_packages(conda)
    names = [p["name"] for p in packages]
    # python and libdata have no parents; nbtool and orphanpy need libdata; clobberme python.
    assert names == ["libdata", "python", "clobberme", "nbtool", "orphanpy"]
    # One string per record: <channel key>/<subdir>/<fn>#<md5>, the key naming the base URL.
    [key] = conda["channel_urls"]
    assert conda["channel_urls"][key] == built["channel"].as_uri()
    with open(conda_prefix / "conda-meta" / ("nbtool-0.3-pyh0.json")) as handle:
        record = json.load(handle)
    assert conda["packages"][3] == "%s/noarch/nbtool-0.3-pyh0.tar.bz2#%s" % (key, record["md5"])
    lines = envfiles.explicit_lines({"conda": conda})
    for line, package in zip(lines, packages):
        url, md5 = line.split("#")
        assert url.startswith(built["channel"].as_uri())
        assert url.endswith(package["fn"])
        assert len(md5) == 32
    assert packages[3]["md5"] == record["md5"]
    assert packages[3]["url"] == record["url"]
    # sha256 is kept in the full record only, and a sha256 lock reads it from there.
    full = result["environment_full"]["conda"]["packages"]
    assert [p["name"] for p in full] == names
    assert full[3]["sha256"] == record["sha256"]
    assert all(len(p["sha256"]) == 64 for p in full)
    sha_lines = envfiles.explicit_lines(result["environment_full"], "sha256")
    assert sha_lines[3] == record["url"] + "#" + record["sha256"]
    with pytest.raises(ValueError, match="sha256"):
        envfiles.explicit_lines(result["environment"], "sha256")
    text = envfiles.explicit({"conda": conda})
    assert text.splitlines()[2] == "# platform: linux-64"
    assert text.splitlines()[4] == "@EXPLICIT"
    assert envfiles.explicit(result["environment_full"]) == text


def test_stored_form_reads_back_as_the_full_record(conda_prefix):
    result = snapshot(conda_prefix, full=True)
    full = result["environment_full"]
    fields = ("name", "version", "build", "channel", "subdir", "fn", "url", "md5")
    expected = [dict((f, p[f]) for f in fields) for p in full["conda"]["packages"]]
    stored = compact.conda_packages(result["environment"]["conda"])
    assert [dict((f, p[f]) for f in fields) for p in stored] == expected
    assert "overrides" not in result["environment"]["conda"]
    assert compact.conda_pip(result["environment"]) == full["conda"]["pip"]
    assert result["environment_id"] == environment_id(result["environment"])


def test_pip_section_sources(conda_prefix, built):
    result = snapshot(conda_prefix, full=True)
    pip = result["environment"]["pip"]
    full = dict(
        (d["normalized_name"], d) for d in result["environment_full"]["pip"]["distributions"]
    )
    assert full["nbtool"]["conda"] == "nbtool"
    assert full["nbtool"]["installer"] == "conda"
    # The stored form lists only what no conda package owns.
    dists = dict((distinfo.normalize(d["name"]), d) for d in pip["distributions"])
    assert "nbtool" not in dists
    assert sorted(dists) == ["clobberme", "editpkg", "legacy", "orphanpy", "plainpkg", "vcspkg"]
    assert dists["clobberme"] == {"name": "clobberme", "version": "2.0"}  # pip, dist-info, prefix
    assert dists["orphanpy"] == {"name": "orphanpy", "version": "0.5", "installer": "conda"}
    assert full["clobberme"]["installer"] == "pip"
    assert "source" not in dists["plainpkg"]
    edit = dists["editpkg"]["source"]
    assert edit["dir_info"] == {"editable": True}
    assert edit["url"] == built["editable"].as_uri()
    vcs = dists["vcspkg"]["source"]
    assert vcs["vcs_info"]["vcs"] == "git"
    assert vcs["vcs_info"]["commit_id"] == built["commit"]
    assert vcs["vcs_info"]["requested_revision"] == "main"
    assert dists["legacy"]["kind"] == "egg-link"
    assert all(d["location"] == "prefix" for d in compact.distributions(pip))
    assert all("location" not in d and "site" not in d for d in pip["distributions"])
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
    environment = snapshot(pixi_prefix)["environment"]
    conda = environment["conda"]
    assert conda["manager"] == "pixi"
    assert conda["history"]["format"] == "pixi-stub"
    assert conda["from_history"] == []
    assert conda["pixi"]["environment_name"] == "default"
    assert conda["pixi"]["manifest_path"] == "~/project/pixi.toml"
    assert [p["name"] for p in compact.conda_packages(conda)] == ["libdata", "python", "nbtool"]
    assert compact.conda_pip(environment) == []


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
        # conda skips a dist-info without RECORD (its anchor); pip always writes one.
        (extra / "RECORD").write_text("late-1.0.dist-info/METADATA,,\n")
        fourth = capture(options=options, cache=cache)
        assert fourth["unchanged"] is False
        assert fourth["environment_id"] != first["environment_id"]
        assert "late==1.0" in compact.conda_pip(fourth["environment"])
    finally:
        for child in extra.iterdir():
            child.unlink()
        extra.rmdir()
