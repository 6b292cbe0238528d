"""environment.yml written without PyYAML's representer is PyYAML's text (issue 10).

``envfiles.plain_yaml`` writes the environment.yml of a large environment
itself, when every string is one both of PyYAML's emitters write unquoted;
for anything else it answers None and PyYAML writes the file. Both answers
are held here to what ``yaml.dump`` (pure Python, and libyaml's where PyYAML
has it) writes for the same data.
"""

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nbrepro.record import envfiles

OPTIONS = dict(sort_keys=False, default_flow_style=False, allow_unicode=True)
DUMPERS = [yaml.SafeDumper] + ([yaml.CSafeDumper] if hasattr(yaml, "CSafeDumper") else [])

plain = st.from_regex(envfiles._PLAIN_YAML, fullmatch=True)
# Near-plain strings: the plain alphabet and what makes a string need quotes.
awkward = st.text(alphabet=st.sampled_from("aZ09_.=<>!~+/:-# ,'\"\t\n@&*%?[]{}|`\\\u00e9\u2028"))
strings = st.one_of(
    plain,
    plain,
    awkward,
    st.text(max_size=20),
    st.sampled_from(
        [
            "yes",
            "No",
            "null",
            "~",
            "1.5",
            "1e3",
            "0x1F",
            "0o17",
            "1_000",
            "1:20",
            "2001-01-01",
            ".inf",
            "=",
            "<<",
            "a:",
            "a:b",
            "a" * 150,
            "x" * 99,
            "x" * 100,
            "true",
            "ON",
            "off",
        ]
    ),
)


def environment(text, shaped=False):
    """environment.yml's mappings; ``shaped``: only the shapes the export
    writes (one-key mappings of non-empty lists in dependencies), else any."""
    least, keys = (1, (1, 1)) if shaped else (0, (0, 2))
    section = st.dictionaries(
        text, st.lists(text, min_size=least, max_size=4), min_size=keys[0], max_size=keys[1]
    )
    return st.fixed_dictionaries(
        {"name": text, "channels": st.lists(text, min_size=least, max_size=4)},
        optional={
            "dependencies": st.lists(st.one_of(text, section), min_size=least, max_size=6),
            "variables": st.dictionaries(text, text, min_size=least, max_size=3),
        },
    )


@settings(max_examples=400, deadline=None)
@given(environment(strings))
@example({"name": "nb", "channels": ["conda-forge"], "dependencies": ["a=1", {"pip": ["b==2"]}]})
@example({"name": "nb", "dependencies": [], "variables": {"K" * 120: "v"}})
def test_plain_yaml_is_what_pyyaml_writes(data):
    text = envfiles.plain_yaml(data)
    if text is not None:
        for dumper in DUMPERS:
            assert text == yaml.dump(data, Dumper=dumper, **OPTIONS)


@settings(max_examples=200, deadline=None)
@given(environment(plain, shaped=True))
def test_plain_strings_take_the_fast_path_unless_they_read_as_another_type(data):
    text = envfiles.plain_yaml(data)
    for dumper in DUMPERS:
        dumped = yaml.dump(data, Dumper=dumper, **OPTIONS)
        assert text is None or text == dumped
    if text is None:
        # Only what a writer must quote (`yes`, `1.5`) or a long key falls back.
        dumped = yaml.dump(data, Dumper=yaml.SafeDumper, **OPTIONS)
        assert "'" in dumped or "? " in dumped


@pytest.mark.parametrize(
    "value", ["yes", "1.5", "null", "a: b", "x #y", "caf\u00e9", "-lead", "a:", "sp ace", ""]
)
def test_a_string_to_quote_goes_to_pyyaml(value):
    data = {"name": "nb", "channels": ["conda-forge"], "dependencies": ["a=1", value]}
    assert envfiles.plain_yaml(data) is None
    data = {"name": "nb", "dependencies": ["pip", {"pip": ["b==1", value]}]}
    assert envfiles.plain_yaml(data) is None


def test_the_bundle_files_use_it_for_a_plain_environment(monkeypatch):
    environment = {
        "python": {"version": "3.11.4"},
        "pip": {"distributions": [{"name": "d%d" % i, "version": "1.%d" % i} for i in range(50)]},
    }
    expected = yaml.safe_dump(envfiles.venv_environment_dict(environment, "nb"), **OPTIONS)
    monkeypatch.setattr(yaml, "dump", lambda *a, **k: pytest.fail("PyYAML was asked"))
    assert envfiles.bundle_environment_yml(environment, "nb") == expected
    assert "\n- pip:\n  - d0==1.0\n" in expected
