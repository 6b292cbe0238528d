"""sbom.cdx.json: CycloneDX 1.6, checked by cyclonedx-python-lib's strict schema
validator, with package URLs read back by packageurl-python."""

import json
from pathlib import Path

import pytest
from capture import conftest as capture_env
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packageurl import PackageURL

from nbrepro.capture import capture, compact
from nbrepro.export import sbom

# The real prefix py-rattler and pip build for the capture tests (session fixtures).
built = capture_env.built
conda_prefix = capture_env.conda_prefix
CAPTURED_AT = "2026-03-01T12:00:00Z"


def snapshot(prefix=None):
    options = {"gpu": False, "config_channels": ["defaults"]}
    if prefix is not None:
        options["prefix"] = str(prefix)
    return capture(options=options)["environment"]


def validate(bom):
    """The schema validator's error, or None; it must also reject a broken BOM."""
    return JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(bom))


def by_name(bom):
    return dict((c["name"], c) for c in bom["components"])


def test_conda_environment_bom_is_valid_cyclonedx(conda_prefix, built):
    environment = snapshot(conda_prefix)
    bom = sbom.cyclonedx(
        environment, notebook="analysis.ipynb", captured_at=CAPTURED_AT, tool_version="0.1.0"
    )
    assert validate(bom) is None
    broken = dict(bom, components=[dict(bom["components"][1], type="not-a-type")])
    assert validate(broken) is not None

    assert bom["specVersion"] == "1.6" and bom["version"] == 1
    assert bom["serialNumber"].startswith("urn:uuid:")
    assert bom["metadata"]["timestamp"] == CAPTURED_AT
    assert bom["metadata"]["component"]["name"] == "analysis.ipynb"
    assert bom["metadata"]["tools"]["components"][0]["name"] == "nbrepro"
    components = by_name(bom)
    records = dict((r["name"], r) for r in compact.conda_packages(environment["conda"]))
    # clobberme's conda files were overwritten by pip: the pip one is what is there.
    assert components["clobberme"]["purl"] == "pkg:pypi/clobberme@2.0"
    libdata = components["libdata"]
    purl = PackageURL.from_string(libdata["purl"])
    assert (purl.type, purl.name, purl.version) == ("conda", "libdata", "2.0")
    assert purl.qualifiers == {
        "build": "h1",
        "channel": built["channel"].as_uri(),
        "subdir": "linux-64",
        "type": "tar.bz2",
    }
    assert libdata["hashes"] == [{"alg": "MD5", "content": records["libdata"]["md5"]}]
    assert "externalReferences" not in libdata  # a local channel is no public URL
    assert PackageURL.from_string(components["nbtool"]["purl"]).qualifiers["subdir"] == "noarch"
    assert components["orphanpy"]["purl"].startswith("pkg:conda/orphanpy@0.5?")
    assert components["editpkg"]["properties"] == [
        {"name": "nbrepro:source", "value": "an editable install of a local folder"}
    ]
    assert components["cpython"]["cpe"].startswith("cpe:2.3:a:python:python:3.")
    refs = [c["bom-ref"] for c in bom["components"]]
    assert len(refs) == len(set(refs))
    assert bom["dependencies"][0] == {"ref": "notebook", "dependsOn": refs}
    for component in bom["components"]:
        assert PackageURL.from_string(component["purl"]).to_string() == component["purl"]
        assert component["bom-ref"] == component["purl"]


def test_venv_bom_is_valid_and_reproducible():
    environment = snapshot()
    args = dict(notebook="a.ipynb", captured_at=CAPTURED_AT, tool_version="0.1.0")
    bom = sbom.cyclonedx(environment, **args)
    assert validate(bom) is None
    assert sbom.cyclonedx(environment, **args) == bom
    assert (
        sbom.cyclonedx(environment, **dict(args, notebook="b.ipynb"))["serialNumber"]
        != (bom["serialNumber"])
    )
    given = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
    assert sbom.cyclonedx(environment, serial=given, **args)["serialNumber"] == given
    components = by_name(bom)
    assert components["numpy"]["purl"].startswith("pkg:pypi/numpy@")
    assert components["PyYAML"]["purl"].startswith("pkg:pypi/pyyaml@")  # normalised


def test_hostile_names_and_urls_stay_data():
    hostile = "<script>alert('x')</script> \"q\" ../../etc/passwd"
    digest = "ab" * 32
    environment = {
        "python": {"implementation": "cpython", "version": "3.11.7"},
        "conda": None,
        "pip": {
            "site_dirs": [],
            "main_site": 0,
            "distributions": [
                {"name": hostile, "version": "1.0"},
                {
                    "name": "fromurl",
                    "version": "2",
                    "source": {
                        "url": "https://user:secret@example.org/fromurl-2.tar.gz",
                        "archive_info": {"hashes": {"sha256": digest}},
                    },
                },
                {
                    "name": "fromgit",
                    "version": "3",
                    "source": {
                        "url": "https://token@github.com/o/r.git",
                        "vcs_info": {"vcs": "git", "commit_id": "c" * 40},
                    },
                },
            ],
        },
    }
    bom = sbom.cyclonedx(environment, notebook=hostile, captured_at=CAPTURED_AT, tool_version="1")
    assert validate(bom) is None
    components = by_name(bom)
    assert components[hostile]["name"] == hostile
    # Its package URL would read back as another package: there is none.
    assert "purl" not in components[hostile]
    assert components[hostile]["bom-ref"].startswith("component-")
    odd = sbom.pip_component({"name": "a b<c>", "version": "1 ?#@2"})
    assert (
        PackageURL.from_string(odd["purl"]).to_dict()
        == PackageURL(type="pypi", name="a b<c>", version="1 ?#@2").to_dict()
    )
    assert bom["metadata"]["component"]["name"] == hostile
    assert components["fromurl"]["hashes"] == [{"alg": "SHA-256", "content": digest}]
    assert components["fromurl"]["externalReferences"] == [
        {"type": "distribution", "url": "https://example.org/fromurl-2.tar.gz"}
    ]
    assert components["fromgit"]["externalReferences"] == [
        {"type": "vcs", "url": "git+https://github.com/o/r.git@" + "c" * 40}
    ]
    text = json.dumps(bom)
    assert "secret" not in text and "token@" not in text


@pytest.mark.parametrize("digest", ["", "xyz", "ab" * 10])
def test_malformed_hashes_are_left_out(digest):
    record = {
        "name": "p",
        "version": "1",
        "build": "0",
        "channel": "conda-forge",
        "subdir": "linux-64",
        "fn": "p-1-0.conda",
        "url": "https://conda.anaconda.org/conda-forge/linux-64/p-1-0.conda",
        "md5": digest,
    }
    component = sbom.conda_component(record)
    assert "hashes" not in component
    assert (
        component["purl"] == "pkg:conda/p@1?build=0&channel=conda-forge&subdir=linux-64&type=conda"
    )
    assert component["externalReferences"][0]["url"] == record["url"]


def test_a_carried_wheel_is_listed_with_its_file_and_sha256():
    environment = {
        "python": {"implementation": "cpython", "version": "3.11.9"},
        "conda": None,
        "pip": {
            "distributions": [
                {
                    "name": "projpkg",
                    "normalized_name": "projpkg",
                    "version": "1.0",
                    "location": "prefix",
                    "source": {"url": "file:///src/projpkg", "dir_info": {"editable": True}},
                }
            ]
        },
    }
    carried = {"projpkg": {"file": "wheels/projpkg-1.0-py3-none-any.whl", "sha256": "ab" * 32}}
    bom = sbom.cyclonedx(
        environment,
        notebook="analysis.ipynb",
        captured_at=CAPTURED_AT,
        tool_version="0.1.0",
        carried=carried,
    )
    assert validate(bom) is None
    component = by_name(bom)["projpkg"]
    assert component["hashes"] == [{"alg": "SHA-256", "content": "ab" * 32}]
    properties = dict((p["name"], p["value"]) for p in component["properties"])
    assert properties["nbrepro:carried"] == "wheels/projpkg-1.0-py3-none-any.whl"
    assert properties["nbrepro:carried:sha256"] == "ab" * 32
    assert properties["nbrepro:source"] == "an editable install of a local folder"


def test_plain_purls_are_formatted_as_packageurl_formats_them():
    """sbom formats plain purls itself (10^5 packages export in under 2 s);
    every purl of the real fuzz seeds, and edge cases, must read the same."""
    from packageurl import PackageURL

    from nbrepro.capture import compact, distinfo
    from nbrepro.export.sbom import _plain_purl

    seeds = Path(__file__).resolve().parents[1] / "fixtures" / "fuzz"
    cases = []
    for name in ("conda.ipynb", "pip.ipynb"):
        meta = json.loads((seeds / name).read_text())["metadata"]["nbrepro"]
        environment = meta["snapshots"][meta["current"]]["environment"]
        for record in compact.conda_packages(environment.get("conda") or {"packages": []}):
            qualifiers = {"build": record["build"], "subdir": record["subdir"], "type": "conda"}
            cases.append(("conda", record["name"], record["version"], qualifiers))
        for dist in environment["pip"]["distributions"]:
            cases.append(("pypi", distinfo.normalize(dist["name"]), dist["version"], {}))
    cases += [
        ("pypi", "a.b", "1.0.post1", {}),
        ("pypi", "x", "1.0+local", {}),
        ("conda", "Numpy_X", "1.0", {"channel": "conda-forge", "build": "py_0"}),
        ("conda", "a", "1!2.0", {}),
        ("generic", "cpython", "3.11.7", {}),
        ("pypi", "UPPER", "1", {}),
    ]
    plain = 0
    for kind, name, version, qualifiers in cases:
        fields = {"type": kind, "name": name, "version": version, "qualifiers": qualifiers}
        ours = _plain_purl(fields)
        if ours is not None:
            plain += 1
            assert ours == PackageURL(**fields).to_string(), fields
    assert plain >= len(cases) - 4 >= 20
