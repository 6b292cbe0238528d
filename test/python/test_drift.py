"""The drift core: severity rules checked one by one, the readers on real-world
files, bad input. The shared vectors are in test_drift_vectors.py."""

import json
from pathlib import Path

import pytest

from nbrepro import errors
from nbrepro.drift import diff, notebook_context, used_distributions
from nbrepro.drift.supply_chain import edits, near_popular
from nbrepro.drift.versions import compare
from nbrepro.record import envreaders as readers
from nbrepro.record.sides import package_view

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "real-world"
EXPORTS = FIXTURES / "conda-env-export"


def pip(name, version, **extra):
    return dict(name=name, version=version, manager="pip", **extra)


def side(*entries, **facts):
    out = {"packages": {e["name"].lower(): e for e in entries}}
    out.update(facts)
    return out


def only(report):
    assert len(report["differences"]) == 1, report
    return report["differences"][0]


@pytest.mark.parametrize(
    "before, after, used, severity",
    [
        ("1.0", "2.0", None, "high"),
        ("1.0", "1.1", None, "medium"),
        ("1.0.0", "1.0.1", None, "low"),
        ("1.0", "1.0.post1", None, "info"),
        ("1.0", "1.1", True, "high"),
        ("1.0.0", "1.0.1", True, "medium"),
        ("1.0", "2.0", False, "medium"),
        ("1.0", "1.0.post1", False, "info"),  # never below info
    ],
)
def test_version_distance_and_usage(before, after, used, severity):
    context = {} if used is None else {"used": ["pkg"] if used else []}
    item = only(diff(side(pip("pkg", before)), side(pip("pkg", after)), context))
    assert item["severity"] == severity
    assert item["restore"] == {"pip": "pip install pkg==" + before}
    assert ("used" in item) == (used is not None)


def test_added_and_removed():
    report = diff(side(pip("gone", "1.0")), side(pip("new", "1.0")), {"used": ["gone"]})
    severities = {d["kind"]: d["severity"] for d in report["differences"]}
    assert severities == {"package-removed": "high", "package-added": "info"}
    report = diff(side(pip("gone", "1.0")), side(pip("new", "1.0")))
    severities = {d["kind"]: d["severity"] for d in report["differences"]}
    assert severities == {"package-removed": "medium", "package-added": "low"}


def test_python_gpu_platform():
    report = diff(
        side(
            python="3.10.4",
            platform={"os": "linux", "machine": "x86_64", "libc": "glibc 2.31"},
            gpu={"driver": "535.1"},
        ),
        side(
            python="3.11.0",
            platform={"os": "linux", "machine": "x86_64", "libc": "glibc 2.35"},
            gpu={"driver": "550.2"},
        ),
        {"gpu_framework_imported": True},
    )
    found = {(d["kind"], d["severity"]) for d in report["differences"]}
    assert found == {
        ("python-changed", "high"),
        ("platform-changed", "medium"),
        ("gpu-changed", "high"),
    }


def test_versions_both_ways():
    assert compare("1.26.4", "2.0.0") == (-1, "major")
    assert compare("2.0.0", "1.26.4") == (1, "major")
    assert compare("9d", "9e") == (-1, "minor")
    assert compare("2024a", "2024b") == (-1, "patch")  # PEP 440 pre-releases
    assert compare("1.0", "1.0.0") == (0, "same")


def test_typosquats():
    assert near_popular("reqeusts") == ("requests", 1)
    assert near_popular("requests") is None
    assert near_popular("tqm") is None  # too short to judge
    assert edits("numpy", "nupmy", 2) == 1


def test_notebook_context():
    meta = {
        "runs": {
            "a" * 16: {
                "modules": {"np": "numpy", "g": ["Google_Auth", "x"]},
                "frameworks": {"torch": {"version": "2.1"}},
            }
        }
    }
    assert used_distributions(meta) == ["google-auth", "numpy", "x"]
    assert used_distributions({"runs": {}}) is None
    assert notebook_context(meta, ["lib*"]) == {
        "used": ["google-auth", "numpy", "x"],
        "gpu_framework_imported": True,
        "ignore": ["lib*"],
    }


# ------------------------------------------------------------ readers


@pytest.mark.parametrize("path", sorted(EXPORTS.glob("*.yml")), ids=lambda p: p.name)
def test_every_real_world_export_reads(path):
    source = readers.read_file(path)
    assert source.form == "environment.yml"
    assert source.problems == []
    assert len(source.side["packages"]) > 5


def test_no_builds_and_full_export_compare_equal():
    full = readers.read_file(EXPORTS / "ztf-ubuntu.yml").side
    no_builds = readers.read_file(EXPORTS / "ztf-ubuntu-no-builds.yml").side
    assert full["packages"]["numpy"]["build"]
    assert "build" not in no_builds["packages"]["numpy"]
    assert diff(full, no_builds)["differences"] == []


def test_from_history_specs_are_unpinned_or_prefixes():
    packages = readers.read_file(EXPORTS / "egocentric-from-history.yml").side["packages"]
    assert packages["python"]["version"] == "3.9.*"
    assert packages["numpy"]["version"] is None


def test_pip_section_wins_over_conda():
    source = readers.read_text(
        "name: x\ndependencies:\n  - numpy=1.26.4=py311_0\n  - pip:\n    - numpy==2.0.0\n"
    )
    assert source.side["packages"]["numpy"] == {
        "name": "numpy",
        "version": "2.0.0",
        "manager": "pip",
    }


def test_explicit_lock():
    source = readers.read_file(FIXTURES / "conda-explicit" / "cinpla-windows.txt")
    assert source.form == "explicit"
    assert source.side["platform"] == {"os": "windows", "machine": "x86_64", "libc": None}
    assert source.side["channels"] == ["defaults"]
    assert source.side["packages"]["zlib"] == {
        "name": "zlib",
        "version": "1.2.11",
        "build": "h62dcd97_4",
        "manager": "conda",
        "channel": "defaults",
    }


def test_requirements_txt():
    text = (
        "--index-url https://pypi.example.org/simple\n"
        "numpy==1.26.4  # pinned\n"
        "pandas>=2\n"
        "-e git+https://github.com/me/tool#egg=tool\n"
        "mylib @ git+https://github.com/me/mylib@abc\n"
        "requests==2.31.0 \\\n    --hash=sha256:0000\n"
        "-r other.txt\n"
    )
    source = readers.read_text(text, "requirements.txt")
    packages = source.side["packages"]
    assert packages["numpy"]["version"] == "1.26.4"
    assert packages["pandas"]["version"] is None
    assert packages["tool"]["source"] == "editable git+https://github.com/me/tool#egg=tool"
    assert packages["mylib"]["source"] == "git+https://github.com/me/mylib@abc"
    assert packages["requests"]["version"] == "2.31.0"
    assert source.side["channels"] == ["https://pypi.example.org/simple"]
    assert source.problems == ["requirements.txt line 8: -r is not followed; skipped"]


def test_snapshot_json(tmp_path):
    path = tmp_path / "snap.json"
    path.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "environment": {
                    "python": {"version": "3.11.7"},
                    "platform": {},
                    "conda": None,
                    "pip": {"distributions": [{"name": "attrs", "version": "23.1.0"}]},
                },
            }
        )
    )
    source = readers.read_file(path)
    assert source.form == "snapshot"
    assert source.side["packages"]["attrs"]["version"] == "23.1.0"
    assert source.side["python"] == "3.11.7"


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "looks like JSON but does not parse"),
        ("[1, 2]", "JSON but not an object"),
        ('{"a": 1}', "neither a notebook nor an nbrepro snapshot"),
        ("name: x\nchannels: []\n", "YAML without a dependencies list"),
        ('{"cells": [], "metadata": {}}', "has no recorded environment"),
        ("this is :: not\nanything @ all ((\n", "is none of"),
    ],
)
def test_unreadable_input_says_why(text, message):
    with pytest.raises(errors.InputError, match=message):
        readers.read_text(text)


def test_binary_file(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(errors.InputError, match="not UTF-8"):
        readers.read_file(path)


# ------------------------------------------------------------ bad input


def test_ten_megabyte_package_list_is_read_partially():
    packages = []
    while len(packages) * 100 < 10 * 1024 * 1024:
        i = len(packages)
        packages.append(
            "conda-forge/linux-64/package-number-%d-1.0.%d-py311h%s_0.conda#%s"
            % (i, i, "0" * 40, "a" * 32)
        )
    environment = {"conda": {"packages": packages}, "pip": {"distributions": []}}
    problems = []
    assert len(package_view(environment, problems)) == 20000
    assert problems == [
        "environment.conda.packages has more than 20000 entries; the rest were ignored"
    ]
    report = diff({"environment": environment}, {"environment": {"conda": {"packages": []}}})
    assert len(report["differences"]) == 20000
    assert len(report["problems"]) == 1


@pytest.mark.parametrize("value", [None, 42, "text", [], {"packages": []}, {"environment": "x"}])
def test_never_raises(value):
    report = diff(value, value, value)
    assert report["schema_version"] == 1


# ------------------------------------------------------------ one door


def test_sides_the_door_made_are_compared_as_given(monkeypatch, capsys):
    """Sides are read once, at the door (record/sides.py, record/envreaders.py):
    `nbrepro diff`, `nbrepro check --against`, the export gate and verify's
    likely causes compare them as made, and report what reading them again did."""
    import copy
    import importlib

    from nbrepro import cli
    from nbrepro.export import gate
    from nbrepro.verify import causes

    vectors = Path(__file__).resolve().parent.parent / "vectors" / "drift"
    expected = json.loads((vectors / "16-ztf-windows-vs-ubuntu.json").read_text("utf-8"))
    nb = json.loads((FIXTURES.parent / "fuzz" / "pip.ipynb").read_text("utf-8"))
    meta = nb["metadata"]["nbrepro"]
    recorded = meta["snapshots"][meta["current"]]
    moved = copy.deepcopy(recorded)
    moved["environment"]["pip"]["distributions"][0]["version"] = "0.0.1"
    meta["snapshots"]["b" * 16] = moved
    for cell in nb["cells"]:
        if cell["metadata"].get("nbrepro"):
            cell["metadata"]["nbrepro"]["env"] = "b" * 16
    a_name = recorded["environment"]["pip"]["distributions"][0]["name"]

    def refuse(value, where, problems):
        raise AssertionError("%s was read again after the door" % where)

    monkeypatch.setattr(importlib.import_module("nbrepro.drift.diff"), "read_side", refuse)
    windows, ubuntu = str(EXPORTS / "ztf-windows.yml"), str(EXPORTS / "ztf-ubuntu.yml")
    assert cli.main(["diff", windows, ubuntu, "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == expected["expected"]
    notebook = FIXTURES.parent / "fuzz" / "pip.ipynb"
    assert cli.main(["check", str(notebook), "--against", ubuntu, "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["differences"]
    assert [f["kind"] for f in gate.check(nb) if f["kind"] == "drift"] == ["drift"]
    imported, other, _facts = causes.drifted(
        recorded["environment"], moved["environment"], {a_name}
    )
    assert [change[0] for change in imported + other] == [a_name]


def test_an_archive_source_names_its_sha256_as_the_typescript_view_does():
    """Same bytes, same package (issue 21): the sha256 is part of an archive's source."""
    from nbrepro.record.sides import describe_source

    url = "file:///home/a/dist/x-1.0-py3-none-any.whl"
    digest = "AB" * 32
    expected = url + "#sha256=" + digest.lower()
    assert describe_source({"url": url, "archive_info": {"hashes": {"sha256": digest}}}) == expected
    assert describe_source({"url": url, "archive_info": {"hash": "sha256=" + digest}}) == expected
    assert describe_source({"url": url, "archive_info": {"hash": "md5=00"}}) == url
