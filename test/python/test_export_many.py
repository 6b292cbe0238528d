"""One export reads each record once (issue 10: 10^5 packages).

The bundle's environment.yml, conda lock, requirements.txt and SBOM all read
the same conda records and pip distributions; a build parses each conda
package string once and decides each distribution's requirement once. The
timing itself is bench/export_bench.py --packages 100000 (CPU time varies too
much on a shared machine to assert here); these counts hold the work that
timing depends on, and fail when a pass is added back.
"""

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from nbrepro.capture import compact
from nbrepro.export import bundle
from nbrepro.record import document, envfiles

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "fuzz" / "conda.ipynb"


def _big(conda_count, pip_count):
    nb = json.loads(SEED.read_text())
    meta = nb["metadata"]["nbrepro"]
    environment = meta["snapshots"][meta["current"]]["environment"]
    environment["conda"]["platform"] = "linux-64"
    environment["conda"]["packages"] = [
        "conda-forge/linux-64/pkg%d-1.%d.0-h%d_0.conda#%032x" % (i, i % 7, i, i)
        for i in range(conda_count)
    ]
    environment["pip"]["distributions"] = [
        {"name": "dist%d" % i, "version": "2.%d" % (i % 9)} for i in range(pip_count)
    ]
    text = json.dumps(nb)
    return document.notebook_from_text(text, "big.ipynb", raw=text.encode("utf-8"))


def test_a_build_parses_each_record_once(monkeypatch):
    doc = _big(500, 400)
    parsed, decided = [], []
    real_parse, real_entry = compact.parse_package, envfiles._pip_entry

    def parse(text, *rest):
        parsed.append(text)
        return real_parse(text, *rest)

    def entry(distribution):
        decided.append(distribution["name"])
        return real_entry(distribution)

    monkeypatch.setattr(compact, "parse_package", parse)
    monkeypatch.setattr(envfiles, "_pip_entry", entry)
    built = bundle.build(doc, "big.ipynb", now="2026-01-01T00:00:00Z")
    assert len(parsed) == len(set(parsed)) == 500
    assert sorted(decided) == sorted(set(decided))
    assert "dist399==2.3" in built.files["requirements.txt"].decode()
    assert b"pkg499=1.2.0" in built.files["environment.yml"]


def test_outside_a_build_nothing_is_remembered():
    doc = _big(3, 2)
    environment = doc.meta["snapshots"][doc.meta["current"]]["environment"]
    first, second = envfiles.packages(environment["conda"]), envfiles.packages(environment["conda"])
    assert first == second and first[0] is not second[0]
    with envfiles.reading_once():
        first, second = (envfiles.packages(environment["conda"]) for _ in range(2))
        assert first[0] is second[0] and first is not second


@pytest.mark.skipif(not hasattr(yaml, "CSafeDumper"), reason="PyYAML without libyaml")
@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.from_regex(envfiles._SAME_IN_LIBYAML, fullmatch=True), min_size=1, max_size=30),
    st.from_regex(envfiles._SAME_IN_LIBYAML, fullmatch=True),
)
def test_libyaml_writes_plain_strings_as_pyyaml_does(lines, name):
    data = {"name": name, "channels": ["conda-forge"], "dependencies": ["pip", {"pip": lines}]}
    assert envfiles._dumper_for(data) is yaml.CSafeDumper
    options = dict(sort_keys=False, default_flow_style=False, allow_unicode=True)
    assert yaml.dump(data, Dumper=yaml.CSafeDumper, **options) == yaml.safe_dump(data, **options)


def test_a_venv_environment_yml_is_pyyamls_text():
    environment = {
        "python": {"version": "3.11.4"},
        "pip": {"distributions": [{"name": "d%d" % i, "version": "1.%d" % i} for i in range(50)]},
    }
    for extra in ((), ("x @ https://h/x.whl",), ("caf\u00e9",)):
        data = envfiles.venv_environment_dict(environment, "nb", extra_pip=extra)
        text = envfiles.bundle_environment_yml(environment, "nb", extra_pip=extra)
        assert text == yaml.safe_dump(
            data, sort_keys=False, default_flow_style=False, allow_unicode=True
        )
