"""sbom.cdx.json written from templates is the encoded CycloneDX document (issue 10).

``sbom.cyclonedx_json`` writes a plain record's component line from a
template and every other one through ``conda_component`` / ``pip_component``
and json's encoder; its text must be exactly what encoding ``cyclonedx()``'s
dict one item a line (``bundle._json_one_per_line``, what the export wrote
before) gives, for plain and hostile records alike.
"""

import json

import many_packages
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nbrepro.capture import distinfo
from nbrepro.export import bundle, sbom

ARGS = dict(notebook="nb.ipynb", captured_at="2026-01-01T00:00:00Z", tool_version="9.9")


def _environment(nb):
    meta = nb["metadata"]["nbrepro"]
    return meta["snapshots"][meta["current"]]["environment"]


def _both(environment, carried=None):
    """(cyclonedx_json's text, the encoded document), or the errors both raised."""
    from nbrepro.record import envfiles

    try:
        with envfiles.reading_once():
            text = sbom.cyclonedx_json(environment, carried=carried, **ARGS)
    except ValueError as error:  # packageurl refuses an empty name
        text = repr(error)
    try:
        document = sbom.cyclonedx(environment, carried=carried, **ARGS)
    except ValueError as error:
        return text, repr(error)
    return text, bundle._json_one_per_line(document)


@pytest.mark.parametrize("mix", ["mixed", "conda", "pip"])
@pytest.mark.parametrize("odd", [True, False])
def test_the_text_is_the_encoded_document(mix, odd):
    environment = _environment(many_packages.awkward(700, mix, odd))
    names = [d["name"] for d in environment["pip"]["distributions"]][::50]
    carried = {
        distinfo.normalize(name): {"file": "wheels/%s.whl" % i, "sha256": "%064x" % i}
        for i, name in enumerate(names)
    }
    for given_carried in (None, carried):
        text, expected = _both(environment, given_carried)
        assert text == expected
    assert json.loads(text)["components"]


# Mostly plain, so that whole records take the templates.
plain_piece = st.from_regex(sbom._PLAIN_PIECE, fullmatch=True)
piece = st.one_of(
    plain_piece,
    plain_piece,
    plain_piece,
    st.text(alphabet=st.sampled_from('aZ0.-_+!/:@ #%\n"\\\u00e9\x1b'), max_size=8),
)


@st.composite
def conda_record(draw):
    record = {
        "name": draw(piece),
        "version": draw(st.one_of(piece, st.none())),
        "build": draw(st.one_of(piece, st.none())),
        "channel": draw(
            st.sampled_from(["conda-forge", "conda-forge", "pkgs/main", "<unknown>", "", None])
        ),
        "subdir": draw(st.sampled_from(["linux-64", "linux-64", "noarch", "", None, "a b"])),
        "fn": draw(st.sampled_from(["x.conda", "x.tar.bz2", "x.zip", None])),
        "url": draw(
            st.sampled_from(
                [
                    None,
                    "https://conda.anaconda.org/conda-forge/linux-64/x.conda",
                    "https://u:p@h.example/t/tk/c/x.conda?x=1",
                    "file:///c/x.conda",
                    "x y",
                ]
            )
        ),
        "md5": draw(st.sampled_from([None, "%032x" % 7, "%032X" % 7, "%032x\n" % 7, "bad"])),
        "sha256": draw(st.sampled_from([None, "%064x" % 9, "%064X\n" % 9, "nope"])),
    }
    if draw(st.booleans()):
        record["clobbered"] = True
    return record


@st.composite
def pip_distribution(draw):
    dist = {"name": draw(piece), "version": draw(piece)}
    source = draw(
        st.sampled_from(
            [
                None,
                {},
                {"url": "https://h.example/x.whl?token=S"},
                {"url": "https://github.com/a/b", "vcs_info": {"vcs": "git", "commit_id": "c"}},
                {"url": "file:///x", "dir_info": {"editable": True}},
                {"url": "https://h/x.tgz", "archive_info": {"hashes": {"sha256": "%064x" % 3}}},
            ]
        )
    )
    if source is not None:
        dist["source"] = source
    for key, values in (("kind", ["egg-link", "egg-info"]), ("location", ["outside", "user"])):
        if draw(st.booleans()):
            dist[key] = draw(st.sampled_from(values))
    return dist


@settings(max_examples=200, deadline=None)
@given(st.lists(conda_record(), max_size=12), st.lists(pip_distribution(), max_size=12))
def test_any_record_gives_the_encoded_document(records, distributions):
    environment = {
        "python": {"implementation": "cpython", "version": "3.12.1"},
        "conda": {"packages": records} if records else None,
        "pip": {"distributions": distributions},
    }
    text, expected = _both(environment)
    assert text == expected


def test_plain_records_take_the_templates(monkeypatch):
    environment = _environment(many_packages.awkward(300, "mixed", odd=False))
    expected = _both(environment)[1]
    for name in ("conda_component", "pip_component"):
        monkeypatch.setattr(sbom, name, lambda *a, **k: pytest.fail("no template was used"))
    from nbrepro.record import envfiles

    with envfiles.reading_once():
        assert sbom.cyclonedx_json(environment, **ARGS) == expected


def test_a_name_packageurl_cannot_write_gets_no_purl():
    # packageurl-python raised TypeError for a distribution named `/` (a
    # traceback from `nbrepro export`); such a component now has no purl.
    environment = {
        "python": {"implementation": "cpython", "version": "3.12.1"},
        "conda": None,
        "pip": {"distributions": [{"name": "/", "version": "0"}]},
    }
    text, expected = _both(environment)
    assert text == expected
    component = json.loads(text)["components"][1]
    assert component["name"] == "/" and "purl" not in component


@pytest.mark.parametrize(
    "md5, sha256",
    [("%032x" % 7, None), ("%032X" % 7, "%064x" % 9), ("%032x\n" % 7, "%064X\n" % 9), ("x", "y")],
)
def test_a_plain_records_digests_are_the_encoders(md5, sha256):
    # A pattern's `$` lets a digest end in a newline, which JSON must escape.
    record = {
        "name": "numpy",
        "version": "1.26.4",
        "build": "py312h1",
        "channel": "conda-forge",
        "subdir": "linux-64",
        "fn": "numpy-1.26.4-py312h1.conda",
        "url": "https://conda.anaconda.org/conda-forge/linux-64/numpy-1.26.4-py312h1.conda",
        "md5": md5,
        "sha256": sha256,
    }
    environment = {
        "python": {"implementation": "cpython", "version": "3.12.1"},
        "conda": {"packages": [record]},
        "pip": {"distributions": []},
    }
    text, expected = _both(environment)
    assert text == expected and '"purl": "pkg:conda/numpy@1.26.4?build=py312h1' in text
