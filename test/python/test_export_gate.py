"""The export gate: what a reviewer would object to, found before the bundle is written."""

import copy
import json
import re
from pathlib import Path

import pytest

from nbrepro import errors
from nbrepro.capture.session import source_id
from nbrepro.export import gate

# The export dialog's titles of each kind (TypeScript), held equal to the gate's.
FINDING_WORDS = Path(__file__).resolve().parents[2] / "src" / "vocabulary" / "findings.ts"

ENV_A = "aaaaaaaaaaaaaaaa"
ENV_B = "bbbbbbbbbbbbbbbb"


# A real recording (the fuzz suite's seed): the gate reads metadata through the
# door, which drops environments that do not match the schema.
SEED = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "fuzz" / "pip.ipynb").read_text()
)["metadata"]["nbrepro"]


def environment(numpy="2.0.0"):
    env = copy.deepcopy(SEED["snapshots"][SEED["current"]]["environment"])
    env["pip"]["distributions"] = [{"name": "numpy", "version": numpy}]
    return env


def code(source, count, env=ENV_A, recorded_source=None):
    cell = {
        "cell_type": "code",
        "source": source,
        "metadata": {},
        "outputs": [],
        "execution_count": count,
    }
    if count is not None and env is not None:
        cell["metadata"]["nbrepro"] = {
            "env": env,
            "src": source_id(recorded_source if recorded_source is not None else source),
        }
    return cell


def notebook(cells, current=ENV_A, snapshots=None):
    snapshots = snapshots or {ENV_A: environment()}
    return {
        "cells": cells,
        "metadata": {
            "nbrepro": {
                "schema_version": 1,
                "current": current,
                "snapshots": {
                    key: {"environment": env, "captured_at": "2026-11-21T10:00:00Z"}
                    for key, env in snapshots.items()
                },
                "runs": {},
            }
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def kinds(findings):
    return [f["kind"] for f in findings]


def test_a_clean_top_to_bottom_run_has_no_findings():
    nb = notebook(
        [{"cell_type": "markdown", "source": "# t", "metadata": {}}, code("a = 1", 1), code("a", 2)]
    )
    assert gate.check(nb) == []


def test_never_run_cells_are_named_by_their_position():
    nb = notebook([code("a = 1", 1), code("b = 2", None), code("   ", None)])
    (finding,) = gate.check(nb)
    assert finding["kind"] == "never-run"
    assert finding["cells"] == [2]  # the blank cell is not code worth running
    assert "cell 2 never ran" in finding["message"]


def test_out_of_order_execution_is_found():
    nb = notebook([code("a = 1", 2), code("b = a", 1), code("c = b", 3)])
    findings = gate.check(nb)
    assert kinds(findings) == ["out-of-order"]
    assert findings[0]["cells"] == [2]
    assert "restart the kernel" in findings[0]["message"]


def test_gaps_in_the_counts_mean_not_one_pass():
    nb = notebook([code("a = 1", 1), code("b = a", 4)])
    findings = gate.check(nb)
    assert kinds(findings) == ["not-one-pass"]
    assert "(1, 4)" in findings[0]["message"]
    assert "2 executions" in findings[0]["message"]


def test_an_empty_cell_the_author_ran_keeps_one_pass_one_pass():
    """Counts 1, 2, 3 where the 2nd cell is empty: one run from the top (issue 21)."""
    nb = notebook([code("a = 1", 1), code("", 2), code("b = a", 3)])
    assert kinds(gate.check(nb)) == []
    nb = notebook([code("a = 1", 1), code("", 2), code("b = a", 4)])
    assert kinds(gate.check(nb)) == ["not-one-pass"]


def test_a_cell_edited_after_it_ran():
    nb = notebook([code("a = 2", 1, recorded_source="a = 1"), code("a", 2)])
    findings = gate.check(nb)
    assert kinds(findings) == ["edited-after-run"]
    assert findings[0]["cells"] == [1]


def test_source_as_a_list_of_lines_hashes_like_a_string():
    cell = code("a = 1\nb = 2", 1)
    cell["source"] = ["a = 1\n", "b = 2"]
    assert gate.check(notebook([cell])) == []


def test_a_cell_that_ran_without_nbrepro():
    nb = notebook([code("a = 1", 1), code("b = 2", 2, env=None)])
    assert kinds(gate.check(nb)) == ["unrecorded"]


def test_outputs_from_two_environments_and_the_drift_between_them():
    snapshots = {ENV_A: environment("2.0.0"), ENV_B: environment("1.26.4")}
    nb = notebook([code("import numpy", 1), code("a = 1", 2, env=ENV_B)], snapshots=snapshots)
    nb["metadata"]["nbrepro"]["runs"] = {"r" * 16: {"modules": {"numpy": "numpy"}}}
    findings = gate.check(nb)
    assert kinds(findings) == ["mixed-snapshots", "drift"]
    assert findings[0]["cells"] == [1, 2]
    assert "numpy 2.0.0 → 1.26.4" in findings[1]["message"]
    # the bundle rebuilds what produced the latest outputs, not the vouched-for one
    assert gate.environment_of(nb)[0] == ENV_B


def test_drift_without_mixed_outputs():
    snapshots = {ENV_A: environment("2.0.0"), ENV_B: environment("2.1.0")}
    nb = notebook([code("a = 1", 1, env=ENV_B)], snapshots=snapshots)
    assert kinds(gate.check(nb)) == ["drift"]


def test_no_recorded_environment_cannot_be_exported():
    nb = notebook([code("a = 1", 1, env=None)], current=None, snapshots={})
    with pytest.raises(errors.NotExportable, match="nbrepro run"):
        gate.environment_of(nb)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda nb: nb.update(cells="not a list"),
        lambda nb: nb["cells"].append("a string cell"),
        lambda nb: nb["cells"][0].update(execution_count="3"),
        lambda nb: nb["cells"][0].update(source=None),
        lambda nb: nb["cells"][0].update(metadata={"nbrepro": {"env": "<img>", "src": 5}}),
        lambda nb: nb["metadata"].update(nbrepro=[1, 2]),
        lambda nb: nb.update(metadata=None),
    ],
)
def test_malformed_notebooks_give_findings_not_exceptions(mutate):
    nb = notebook([code("a = 1", 1), code("b = 2", 2)])
    broken = copy.deepcopy(nb)
    mutate(broken)
    assert isinstance(gate.check(broken), list)


def test_long_lists_of_cells_are_shortened_in_messages():
    nb = notebook([code("x = %d" % i, None) for i in range(30)])
    (finding,) = gate.check(nb)
    assert len(finding["cells"]) == 30
    assert "and 22 more" in finding["message"]


def test_the_front_end_titles_every_kind_the_gate_reports():
    source = FINDING_WORDS.read_text()
    titled = set(re.findall(r"case '([a-z-]+)':", source))
    assert titled == set(gate.KINDS)


def test_the_dialog_and_the_readme_give_each_kind_the_same_title():
    """src/data/finding-titles.json holds the words; the dialog's switch (literal
    strings, for translation) must say the same, kind by kind."""
    source = FINDING_WORDS.read_text()
    in_dialog = dict(re.findall(r"case '([a-z-]+)':\s*return trans\.__\('([^']+)'\);", source))
    assert tuple(gate.titles()) == gate.KINDS
    assert in_dialog == gate.titles()
    assert gate.title("not-one-pass") == "Not one run from the top"


def test_findings_come_in_the_order_of_kinds():
    snapshots = {ENV_A: environment("2.0.0"), ENV_B: environment("1.26.4")}
    nb = notebook(
        [
            code("a = 1", 3, recorded_source="a = 0"),
            code("b = 2", 5, env=ENV_B),
            code("c = 3", None),
            code("d = 4", 4, env=None),
        ],
        snapshots=snapshots,
    )
    found = [f["kind"] for f in gate.findings(nb)]
    assert found == sorted(found, key=gate.KINDS.index)
    assert set(found) == {
        "never-run",
        "out-of-order",
        "edited-after-run",
        "unrecorded",
        "mixed-snapshots",
        "drift",
    }


def test_a_recording_that_stopped_at_an_error_says_where():
    failed = code("1 / 0", 2)
    failed["outputs"] = [{"output_type": "error", "ename": "ZeroDivisionError", "evalue": "x"}]
    cells = [code("a = 1", 1), failed, code("b = 2", None)]
    findings = gate.check(notebook(cells))
    assert kinds(findings) == ["stopped", "never-run"]
    assert findings[0]["cells"] == [2]
    assert findings[0]["message"].startswith("recording stopped at cell 2: ZeroDivisionError")
    failed["metadata"]["tags"] = ["raises-exception"]  # an error the author meant
    assert kinds(gate.check(notebook(cells))) == ["never-run"]
    failed["metadata"]["tags"] = []
    cells[2] = code("b = 2", 3)  # the run went on past the error (--allow-errors)
    findings = gate.check(notebook(cells))
    assert kinds(findings) == ["raised"]
    assert findings[0]["cells"] == [2]
    assert findings[0]["message"].startswith(
        "cell 2 raised ZeroDivisionError in the recording, which ran on past it"
    )


def test_a_missing_magic_stopped_the_recording_too():
    """IPython writes a UsageError as a stderr stream, not an error output (issue 21)."""
    failed = code("%nosuchmagic", 2)
    failed["outputs"] = [
        {
            "output_type": "stream",
            "name": "stderr",
            "text": "UsageError: Line magic function `%nosuchmagic` not found.\n",
        }
    ]
    cells = [code("a = 1", 1), failed, code("b = 2", None)]
    findings = gate.check(notebook(cells))
    assert kinds(findings) == ["stopped", "never-run"]
    assert findings[0]["message"].startswith("recording stopped at cell 2: UsageError")
    failed["outputs"][0]["name"] = "stdout"  # the same words printed by the cell: no stop
    assert kinds(gate.check(notebook(cells))) == ["never-run"]


def test_cells_that_ran_a_module_kept_from_before_an_install_are_named():
    """A %pip install without a restart: the kernel ran six 1.16.0 for cells 3 and 4
    while the environment recorded for them holds 1.17.0."""
    stale = {"six": {"distribution": "six", "loaded": "1.16.0", "installed": "1.17.0"}}
    cells = [code("import six", 1), code("%pip install six==1.17.0", 2), code("six.x", 3)]
    for cell in cells:
        cell["metadata"]["nbrepro"]["run"] = "1" * 16
    nb = notebook(cells)
    nb["metadata"]["nbrepro"]["runs"] = {"1" * 16: {}}
    assert gate.check(nb) == []
    cells[1]["metadata"]["nbrepro"]["run"] = cells[2]["metadata"]["nbrepro"]["run"] = "2" * 16
    nb["metadata"]["nbrepro"]["runs"]["2" * 16] = {"stale": stale}
    (found,) = gate.check(nb)
    assert found["kind"] == "stale-modules" and found["cells"] == [2, 3]
    assert found["message"] == (
        "cells 2, 3 ran six 1.16.0, loaded before six 1.17.0 was installed without a "
        "restart: restart the kernel and run them again; the bundle installs the versions "
        "installed now, so a re-run may give other outputs"
    )
    assert gate.title("stale-modules") == "Packages changed without a restart"
