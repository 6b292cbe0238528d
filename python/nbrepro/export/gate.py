"""Is a notebook fit to export? The checks a reviewer would make first.

``check(nb)`` returns findings, each ``{"kind", "message", "cells"}`` with
1-based cell numbers as JupyterLab shows them. Kinds:

- ``stopped``: the last cell that ran raised (and is not tagged
  ``raises-exception``) and no cell below it ran: the recording stopped there.
- ``never-run``: a code cell with source but no execution count; its outputs
  are not in the notebook, so nothing can verify them.
- ``out-of-order``: execution counts that go down in notebook order, so a
  cell's outputs came from state a top-to-bottom run does not rebuild.
- ``not-one-pass``: counts that go up but skip (cells re-run or deleted):
  the outputs may depend on executions the notebook no longer shows.
- ``edited-after-run``: the cell's source differs from the source it ran
  (``metadata.nbrepro.src``, the hash the kernel recorded).
- ``unrecorded``: a cell ran without nbrepro, so what it ran on is unknown.
- ``mixed-snapshots``: outputs from more than one environment.
- ``stale-modules``: cells that ran a module loaded before a ``%pip install``
  changed it, without a restart (``runs[id].stale``): the environment
  recorded for them is not all the kernel ran.
- ``drift``: the environment the outputs came from differs from the one the
  notebook vouches for (``metadata.nbrepro.current``).
- ``unseeded``: cells that drew from a global random generator no seed had
  fixed (``runs[id].inputs.drew`` and ``seeds.status``), each with the call
  that would fix it.
- ``missing-inputs`` and ``large-inputs`` (export only, from the notebook's
  folder: ``carry.py``): local modules or input files the recording needed
  that the bundle cannot carry, and input data over the size limit.
- ``not-fetchable``: a pip package no public index has that the bundle does
  not carry (``export.wheels``; the bundle adds these, not ``check``).

``environment_of(nb)`` picks the environment the bundle rebuilds: the one the
most recently executed recorded cell ran on, since that produced the outputs
a reviewer will verify. Warnings only: ``--strict`` makes any finding fatal.
"""

import functools
import json
from pathlib import Path

from .. import errors
from ..capture.session import source_id
from ..drift import compare, notebook_context
from ..drift import words as drift_words
from ..record import document, seeding
from ..record import metadata as notebook
from ..record.order import (
    MAX_LISTED,
    author_findings,
    errors_ran_past,
    finding,
    listed_cells,
    order_findings,
    raised,
)
from ..record.sides import side_from_environment

# Every finding kind, in the order ``check`` reports them. Their titles, for
# people, are in src/data/finding-titles.json: the export dialog
# (src/vocabulary/findings.ts) and the bundle README show the same words (tests hold the
# kinds, the file and the dialog together).
KINDS = (
    "metadata",
    "stopped",
    "raised",
    "never-run",
    "out-of-order",
    "not-one-pass",
    "edited-after-run",
    "unrecorded",
    "mixed-snapshots",
    "stale-modules",
    "drift",
    "unseeded",
    "missing-inputs",
    "large-inputs",
    "not-fetchable",
)
TITLES_FILE = "finding-titles.json"


@functools.lru_cache(maxsize=None)
def titles():
    """``{kind: title}``: the words the export dialog shows for each kind, read
    from nbrepro/data/ in the wheel, from src/data/ in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (
        here.parent / "data" / TITLES_FILE,
        here.parents[2] / "src" / "data" / TITLES_FILE,
    ):
        if candidate.is_file():
            return json.loads(candidate.read_text(encoding="utf-8"))["titles"]
    raise FileNotFoundError("nbrepro's %s is missing; reinstall nbrepro" % TITLES_FILE)


def title(kind):
    """The title of a finding kind; the kind itself for one without a title."""
    return titles().get(kind, kind)


# The call that fixes each global generator's stream, and its name in sentences.
SEED_CALLS = {
    "numpy": ("NumPy global", "numpy.random.seed(0)"),
    "python": ("Python random", "random.seed(0)"),
    "torch_cpu": ("PyTorch CPU", "torch.manual_seed(0)"),
    "torch_cuda": ("PyTorch CUDA", "torch.manual_seed(0)"),
}


def code_cells(nb):
    """(number, cell, source, count, record) for each code cell with source."""
    return [(c.number, c.cell, c.source, c.count, c.record) for c in document.code_cells(nb)]


def metadata_of(nb):
    """``(meta, problems)`` of notebook ``nb``, read at the door (schema-checked)."""
    metadata = nb.get("metadata") if isinstance(nb, dict) else None
    return document.read_meta(metadata.get(notebook.KEY) if isinstance(metadata, dict) else None)


def environment_of(nb, meta=None):
    """(snapshot id, snapshot) the bundle rebuilds; errors.NotExportable when none is recorded."""
    meta = meta if meta is not None else metadata_of(nb)[0]
    latest = None
    for number, _cell, _source_text, count, record in code_cells(nb):
        if record and record["env"] in meta["snapshots"]:
            key = (count if count is not None else -1, number)
            if latest is None or key > latest[0]:
                latest = (key, record["env"])
    snapshot_id = latest[1] if latest else meta["current"]
    if snapshot_id is None:
        raise errors.NotExportable(
            "the notebook has no recorded environment (metadata.nbrepro is empty): run it "
            "in JupyterLab with nbrepro, or with `nbrepro run NOTEBOOK`, then export"
        )
    return snapshot_id, meta["snapshots"][snapshot_id]


def check(nb, meta=None):
    """The findings for notebook ``nb`` (a dict as nbformat reads it)."""
    if meta is None:
        meta, _problems = metadata_of(nb)
    cells = code_cells(nb)
    findings = []

    stopped = _stopped_at(cells)
    if stopped is not None:
        number, ename = stopped
        findings.append(
            finding(
                "stopped",
                [number],
                "recording stopped at cell %d: %s; the cells below it did not run, so the "
                "notebook's story ends there" % (number, ename),
            )
        )

    went_on = errors_ran_past(nb)
    if went_on:
        names = sorted(set(name for _n, name in went_on))
        findings.append(
            finding(
                "raised",
                [n for n, _name in went_on],
                "%s raised %s in the recording, which ran on past %s (nbrepro run "
                "--allow-errors): verify runs past them too, and a cell that raises the same "
                "exception again counts as the same"
                % (
                    listed_cells([n for n, _name in went_on]),
                    " and ".join(names) if len(names) <= 3 else ", ".join(names[:3]) + ", …",
                    "it" if len(went_on) == 1 else "them",
                ),
            )
        )

    never = [n for n, _c, _s, count, _r in cells if count is None]
    if never:
        findings.append(
            finding(
                "never-run",
                never,
                "%s never ran: the bundle runs them, but there are no outputs to compare"
                % listed_cells(never),
            )
        )

    findings.extend(order_findings(document.execution_counts(nb)))
    findings.extend(author_findings(meta.get("author_order")))

    edited = [
        n
        for n, _c, source, count, record in cells
        if record is not None and count is not None and record["src"] != source_id(source)
    ]
    if edited:
        findings.append(
            finding(
                "edited-after-run",
                edited,
                "%s changed after running: the outputs shown came from other code"
                % listed_cells(edited),
            )
        )

    unrecorded = [n for n, _c, _s, count, record in cells if count is not None and not record]
    if unrecorded:
        findings.append(
            finding(
                "unrecorded",
                unrecorded,
                "%s ran without nbrepro recording its environment" % listed_cells(unrecorded),
            )
        )

    envs = {}
    for n, _c, _s, count, record in cells:
        if record and count is not None:
            envs.setdefault(record["env"], []).append(n)
    if len(envs) > 1:
        findings.append(
            finding(
                "mixed-snapshots",
                sorted(n for numbers in envs.values() for n in numbers),
                "the outputs come from %d different environments (%s): re-run all cells "
                "in one kernel"
                % (
                    len(envs),
                    "; ".join(
                        "%s in %s" % (listed_cells(numbers), env) for env, numbers in envs.items()
                    ),
                ),
            )
        )

    stale = stale_runs(nb, meta)
    if stale:
        findings.append(
            finding(
                "stale-modules",
                [cell["number"] for cell in stale],
                "%s; the bundle installs the versions installed now, so a re-run may give "
                "other outputs"
                % "; ".join("%s %s" % (cells, text) for cells, text in seeding.stale_lines(stale)),
            )
        )

    drift = drift_report(nb, meta)
    if drift is not None and drift["differences"]:
        findings.append(finding("drift", [], drift_message(drift)))

    unseeded = unseeded_draws(nb, meta)
    if unseeded:
        findings.append(unseeded_finding(unseeded))
    return findings


def unseeded_draws(nb, meta):
    """[(cell number, [generator key, ...])] for recorded cells that drew from a global
    generator while no seed had been set (the cell's ``seeds.status`` is not seeded).
    ``meta`` is the door's model: every run matches the schema, where ``inputs``
    and ``seeds`` are optional."""
    out = []
    for number, _cell, _source, count, record in code_cells(nb):
        run = meta["runs"].get(record.get("run")) if record and count is not None else None
        if run is None:
            continue
        drew = (run.get("inputs") or {}).get("drew")
        if drew and (run.get("seeds") or {}).get("status") != "seeded":
            out.append((number, drew))
    return out


def stale_runs(nb, meta):
    """``[{"number", "run"}]`` of the recorded cells whose run kept a module from
    before an install (``runs[id].stale``, a %pip install without a restart)."""
    out = []
    for number, _cell, _source, count, record in code_cells(nb):
        run = meta["runs"].get(record.get("run")) if record and count is not None else None
        if run is not None and run.get("stale"):
            out.append({"number": number, "run": run})
    return out


def unseeded_finding(unseeded):
    parts, calls = [], []
    for number, drew in unseeded[:MAX_LISTED]:
        names = [SEED_CALLS.get(k, (k, None))[0] for k in drew]
        fixes = [SEED_CALLS[k][1] for k in drew if k in SEED_CALLS]
        parts.append(
            "cell %d (%s%s)"
            % (number, " and ".join(names), ": " + "; ".join(fixes) if fixes else "")
        )
        calls.extend(f for f in fixes if f not in calls)
    more = " and %d more" % (len(unseeded) - MAX_LISTED) if len(unseeded) > MAX_LISTED else ""
    return finding(
        "unseeded",
        [number for number, _drew in unseeded],
        "%s drew from a random generator no seed had fixed, so a re-run gives other numbers: "
        "%s%s; seed once at the top (%s), or pass a seeded numpy.random.default_rng(0) along"
        % (listed_cells([n for n, _ in unseeded]), ", ".join(parts), more, "; ".join(calls)),
    )


def _stopped_at(cells):
    """(cell number, exception name) where a run stopped, or None."""
    ran = [item for item in cells if item[3] is not None]
    if not ran or len(ran) == len(cells):
        return None
    number, cell, _source, _count, _record = max(ran, key=lambda item: item[3])
    if any(n > number and count is not None for n, _c, _s, count, _r in cells):
        return None
    if number == cells[-1][0]:
        return None
    tags = (cell.get("metadata") or {}).get("tags") if isinstance(cell, dict) else None
    if isinstance(tags, list) and "raises-exception" in tags:
        return None
    name = raised(cell)  # an error output, or a UsageError's stderr stream
    return (number, name) if name else None


def findings(nb, read=None):
    """Everything the export reports before writing: problems reading the
    metadata, then ``check``. errors.NotExportable when there is no environment.
    ``read`` is ``(meta, problems)`` when the caller read them already."""
    meta, problems = read if read is not None else metadata_of(nb)
    environment_of(nb, meta)
    metadata = [finding("metadata", [], problem) for problem in problems]
    return metadata + check(nb, meta)


def check_findings(nb, read=None):
    """``findings`` for a check that writes nothing: a notebook nbrepro never
    recorded gets its findings too (its execution counts are the author's
    evidence), and one more that says export needs a recording first.
    ``read`` is ``(meta, problems)`` when the caller read them already."""
    meta, problems = read if read is not None else metadata_of(nb)
    out = [finding("metadata", [], problem) for problem in problems]
    try:
        environment_of(nb, meta)
    except errors.NotExportable:
        out.append(
            finding(
                "unrecorded",
                [],
                "nbrepro never recorded this notebook's environment, so it cannot be "
                "exported yet: run it with `nbrepro run NOTEBOOK` (or in JupyterLab with "
                "nbrepro), then export",
            )
        )
    found = check(nb, meta)
    return sorted(out + found, key=lambda finding: KINDS.index(finding["kind"]))


def drift_report(nb, meta):
    """The drift from the vouched-for environment to the one the outputs came
    from, or None when they are the same (or either is unknown)."""
    current = meta.get("current")
    try:
        used_id, used = environment_of(nb, meta)
    except errors.NotExportable:
        return None
    if current is None or current == used_id:
        return None
    problems = []
    before = side_from_environment(
        meta["snapshots"][current]["environment"], None, problems, "snapshot " + current
    )
    after = side_from_environment(used["environment"], None, problems, "snapshot " + used_id)
    return compare(before, after, notebook_context(meta), problems)


def drift_message(report):
    """The drift finding in the words of the panel and the toast
    (drift/words.py): severities as serious / moderate / minor / for
    information, each change named the same way everywhere."""
    top = report["differences"][:3]
    more = len(report["differences"]) - len(top)
    return (
        "the outputs came from an environment that differs from the one the notebook "
        "vouches for (%s; %s%s): the bundle rebuilds the one the outputs came from; "
        "accept it in JupyterLab (nbrepro: Accept current environment) if that is intended"
        % (
            drift_words.severity_counts(report["counts"]),
            "; ".join(drift_words.change(item) for item in top),
            " and %d more" % more if more > 0 else "",
        )
    )
