"""Re-execute a notebook and compare every code cell with its recording.

The re-run goes through ``runner.run_notebook`` on a copy with outputs and
records cleared, so it records its own environment snapshot and run records
exactly as ``nbrepro run`` and JupyterLab do; the likely causes compare those
with the recording's.

The report (``--json`` prints it)::

    {"notebook": path, "kernel": name, "python": path | null,
     "tolerance": {"rtol": float, "atol": float, "image_tolerance": int,
                   "image_hash_distance": int},
     "cells": [{"cell": n, "status": STATUS, "difference": {...} | null,
                "causes": [sentence, ...], "notes": [sentence, ...]}, ...],
     "summary": {STATUS: count, ...}, "warnings": [...], "failure": text | null,
     "exit_status": 0 | 1}

``cell`` counts all cells from 1, as ``nbrepro run`` does. STATUS is one of
``same``, ``different``, ``error`` (the cell raised, now or in the recording),
``not recorded`` (it never ran in the recording) and ``not run`` (the re-run
stopped before it). A difference holds ``where`` (stdout, stderr, error,
``output N <mimetype>``...), ``recorded`` and ``now`` (short excerpts) and,
when known, ``line``, ``detail`` and ``path`` (in a JSON view).
"""

import copy
import os

from ..capture.session import source_id
from ..record import document, fonts, metadata
from ..record.order import RAISES, errors_ran_past, raised
from ..run import runner
from . import images, paths
from .causes import (
    UNKNOWN,
    dependencies,
    follow_data,
    likely_causes,
    order_problems,
    used_modules,
)
from .compare import DEFAULT_ATOL, DEFAULT_RTOL, IMAGES, compare_outputs

STATUSES = ("same", "different", "error", "not recorded", "not run")


def fresh_copy(nb):
    """``nb`` without outputs, execution counts or nbrepro records, ready to run again."""
    copied = copy.deepcopy(nb)
    copied.metadata.pop(metadata.KEY, None)
    for cell in copied.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop(metadata.KEY, None)
    return copied


def verify_notebook(
    doc,
    workdir,
    kernel_name,
    timeout=None,
    python=None,
    rtol=DEFAULT_RTOL,
    atol=DEFAULT_ATOL,
    log=None,
    progress=None,
    image_options=None,
    env=None,
    project=None,
):
    """Run a fresh copy of notebook ``doc`` (read at the door, ``runner.read_notebook``)
    in ``workdir`` (the notebook's folder) and return the report (module docstring).
    ``project`` (a ``record.project.Project``) is where its input files are looked up
    (default: a project that is ``workdir``); ``env``: variables added to the kernel's."""
    report, _ = rerun_and_compare(
        doc,
        workdir,
        kernel_name,
        timeout=timeout,
        python=python,
        rtol=rtol,
        atol=atol,
        log=log,
        progress=progress,
        image_options=image_options,
        env=env,
        project=project,
    )
    return report


def rerun_and_compare(
    doc,
    workdir,
    kernel_name,
    timeout=None,
    python=None,
    rtol=DEFAULT_RTOL,
    atol=DEFAULT_ATOL,
    log=None,
    progress=None,
    image_options=None,
    env=None,
    project=None,
    starting=None,
    kernel_started=None,
):
    """``verify_notebook``'s report and the re-run notebook it compared with
    (read at the door); ``starting(cell_index)`` is called before each cell runs,
    ``kernel_started(km)`` once the kernel runs."""
    from ..record import inputs as recorded
    from ..record import project as projects

    changed, input_warnings = recorded.changed_inputs(doc.nb, doc.meta, project or workdir)
    rerun = fresh_copy(doc.nb)
    # A recording that ran on past errors (nbrepro run --allow-errors) is re-run
    # the same way, or everything after its first error would be "not run".
    went_on = bool(errors_ran_past(doc.nb))
    outcome = runner.run_notebook(
        rerun,
        workdir,
        kernel_name,
        timeout=timeout,
        log=log,
        python=python,
        progress=progress,
        env=env,
        starting=starting,
        allow_errors=went_on,
        kernel_started=kernel_started,
    )
    if python and images.pillow() is None:
        # No Pillow here: the re-run's interpreter may compare the figures.
        image_options = dict(image_options or {}, python=python)
    report = {"notebook": None, "kernel": kernel_name, "python": python}
    # The re-run is read at the door too: the same model on both sides.
    now = document.notebook_from_value(outcome.nb, "the re-run")
    folders = project_paths(doc, now, project or projects.of_folder(workdir))
    report.update(compare_notebooks(doc, now, rtol, atol, changed, image_options, went_on, folders))
    report["failure"] = outcome.failure
    report["rerun"] = outcome.nb  # the executed notebook (not part of the JSON report)
    if went_on and not report["summary"]["not run"]:
        report["failure"] = None  # errors the recording ran past too, compared cell by cell
    report["warnings"] = input_warnings + list(outcome.warnings) + report["warnings"]
    if report["failure"]:
        report["exit_status"] = 1
    return report, now


def project_paths(recorded, rerun, where):
    """The folders to take out of each side's outputs (``paths.Paths``): the
    project's and the interpreter's, the re-run's as they are (``where``, a
    ``record.project.Project``: the bundle or the notebook's project), the
    recording's as its outputs spell them (nothing of them is stored)."""
    from ..record import inputs as needed

    found = needed.needs(recorded.nb, recorded.meta, where.notebook_dir)
    relatives = [where.notebook_dir] + list(found.modules.values()) + list(found.inputs)
    relatives += sorted(found.outputs) + list(found.ran)
    then_texts = [t for c in recorded.code_cells for t in paths.texts(c.cell.get("outputs"))]
    then_roots = paths.find_by_suffix(then_texts, relatives)
    now_roots = paths.now_folders(where.root)
    now_cells = {c.number: c for c in rerun.code_cells}
    for cell in recorded.code_cells:
        other = now_cells.get(cell.number)
        if other is None:
            continue
        pairs = zip(paths.texts(cell.cell.get("outputs")), paths.texts(other.cell.get("outputs")))
        for then_text, now_text in pairs:
            for root in paths.line_up(then_text, now_text, now_roots):
                if root not in then_roots and len(then_roots) < paths.MAX_ROOTS:
                    then_roots.append(root)
    then_prefixes, now_prefixes = [], []
    for snapshot in recorded.meta["snapshots"].values():
        python = (snapshot.get("environment") or {}).get("python") or {}
        for key in ("prefix", "base_prefix"):
            then_prefixes += paths.find_prefix(then_texts, python.get(key))
    for snapshot in rerun.meta["snapshots"].values():
        python = (snapshot.get("environment") or {}).get("python") or {}
        for key in ("prefix", "base_prefix"):
            value = python.get(key)
            if isinstance(value, str) and value:
                now_prefixes += paths.now_folders(os.path.expanduser(value))
    return paths.Paths(
        [(root, paths.PROJECT) for root in then_roots]
        + [(prefix, paths.PYTHON) for prefix in then_prefixes],
        [(root, paths.PROJECT) for root in now_roots]
        + [(prefix, paths.PYTHON) for prefix in now_prefixes],
    )


def compare_notebooks(
    recorded,
    rerun,
    rtol=DEFAULT_RTOL,
    atol=DEFAULT_ATOL,
    changed=None,
    image_options=None,
    went_on=False,
    folders=None,
):
    """The report for two executed copies of the same notebook, both read at the
    door (``document.Notebook``; pure). ``changed``: the input files that differ
    from the recording's (``record.inputs.changed_inputs``); ``image_options``:
    ``images.compare_images``'s ``tolerance`` and ``hash_distance``; ``went_on``:
    the recording ran on past errors, so a cell that raises the same exception
    again is the same; ``folders``: the project's and interpreter's folders to
    take out of each side's outputs (``paths.Paths``, ``project_paths``)."""
    then_meta, now_meta = recorded.meta, rerun.meta
    warnings = list(recorded.problems)
    code = recorded.code_cells
    now_cells = {cell.number: cell for cell in rerun.code_cells}
    order = order_problems([cell.count for cell in code])
    then_runs = [with_names(then_meta["runs"].get(_run_id(c.record)), c.source) for c in code]
    numbers = [cell.number for cell in code]
    depends = dependencies(then_runs, [cell.source for cell in code])
    then_fonts = fonts.states(then_meta["runs"].get(_run_id(c.record)) for c in code)
    now_fonts = fonts.states(
        now_meta["runs"].get(_run_id(now_cells[c.number].record)) if c.number in now_cells else None
        for c in code
    )
    cells = []
    previous = {"then": None, "now": None}
    imported = set()
    for position, then in enumerate(code):
        now = now_cells.get(then.number)
        now_cell = now.cell if now else rerun.nb["cells"][then.number - 1]
        now_record = now.record if now else None
        entry = _compare_cell(then.cell, now_cell, rtol, atol, image_options, went_on, folders)
        then_run = then_meta["runs"].get(_run_id(then.record))
        now_run = now_meta["runs"].get(_run_id(now_record))
        font_change = None
        if _figure_changed(entry):
            font_change = fonts.differ(then_fonts[position], now_fonts[position])
            if font_change and entry["status"] == "same":
                entry["notes"].append(font_change)
        if entry["status"] in ("different", "error"):
            causes = likely_causes(
                recorded_env=_environment(then_meta, then.record),
                now_env=_environment(now_meta, now_record),
                recorded_run=then_run,
                now_run=now_run,
                recorded_previous_run=previous["then"],
                now_previous_run=previous["now"],
                edited=then.record is not None and then.record["src"] != source_id(then.source),
                order_problem=order.get(position),
                data_causes=follow_data(
                    position, then_runs, numbers, changed or {}, depends[position]
                ),
                imported_before=imported,
                fonts=font_change,
                weak_signs=entry["status"] == "different",
            )
            # A cell that raised now and not in the recording (or raised
            # another exception) gets the causes the records know; "unknown"
            # adds nothing to the exception's own words.
            if entry["status"] == "different" or causes != [UNKNOWN]:
                entry["causes"] = causes
        imported |= used_modules(then_run) | used_modules(now_run)
        previous = {"then": then_run, "now": now_run}
        cells.append(dict({"cell": then.number}, **entry))
    summary = dict.fromkeys(STATUSES, 0)
    for entry in cells:
        summary[entry["status"]] += 1
    failed = summary["different"] or summary["error"] or summary["not run"]
    return {
        "tolerance": dict({"rtol": rtol, "atol": atol}, **_images(image_options)),
        "cells": cells,
        "summary": summary,
        "warnings": warnings,
        "failure": None,
        "exit_status": 1 if failed else 0,
    }


def _figure_changed(entry):
    """Whether an image of the cell is not the same image (different, or only similar),
    or what differs is Matplotlib's word on fonts (``findfont: Font family ... not found``)."""
    difference = entry["difference"]
    if difference:
        if str(difference.get("where", "")).split(" ")[-1] in IMAGES:
            return True
        said = "%s %s" % (difference.get("recorded"), difference.get("now"))
        if difference.get("where") in ("stderr", "stdout") and "findfont:" in said:
            return True
    return any(": visually similar (" in note for note in entry["notes"])


def _run_id(record):
    return record.get("run") if record else None


def with_names(run, source):
    """The cell's run record with the names it binds and reads and its clock calls,
    read from its source (as the recording ran it, unless it was edited since)."""
    from ..capture.inputs import cell_names

    run = dict(run or {})
    run["inputs"] = dict(run.get("inputs") or {}, **cell_names(source))
    return run


def _compare_cell(then_cell, now_cell, rtol, atol, image_options=None, went_on=False, folders=None):
    entry = {"status": "same", "difference": None, "causes": [], "notes": []}
    then_outputs, now_outputs = then_cell.get("outputs") or [], now_cell.get("outputs") or []
    if then_cell.get("execution_count") is None and not then_outputs:
        entry["status"] = "not recorded"
        return entry
    raised_then, raised_now = raised(then_cell), raised(now_cell)
    tags = then_cell.get("metadata", {}).get("tags") or []
    if raised_then and raised_then == raised_now and RAISES in tags:
        # The author marked the cell as one that raises, and it raised the same.
        entry["notes"].append("raised %s, as the cell's %s tag says" % (raised_now, RAISES))
        return entry
    if raised_then and raised_then == raised_now and went_on:
        # A recording that ran past its errors: the same exception is the same
        # outcome; what the cell printed before it still has to match.
        difference, notes = _compare(
            _without_errors(then_outputs),
            _without_errors(now_outputs),
            rtol,
            atol,
            image_options,
            folders,
        )
        entry["notes"] = ["raised %s, as in the recording" % raised_now] + notes
        if difference is not None:
            entry["status"] = "different"
            entry["difference"] = difference
        return entry
    if raised_then or raised_now:
        entry["status"] = "error"
        if raised_then == raised_now:
            entry["notes"].append("raised %s, now and in the recording" % raised_now)
        else:
            if raised_now:
                entry["notes"].append("raised %s now" % raised_now)
            if raised_then:
                entry["notes"].append("raised %s in the recording" % raised_then)
        return entry
    if now_cell.get("execution_count") is None:
        entry["status"] = "not run"
        return entry
    difference, notes = _compare(then_outputs, now_outputs, rtol, atol, image_options, folders)
    entry["notes"] = notes
    if difference is not None:
        entry["status"] = "different"
        entry["difference"] = difference
    return entry


def _compare(then_outputs, now_outputs, rtol, atol, image_options, folders):
    """``compare_outputs`` after the project's and interpreter's folders are taken out
    of both sides (``folders``), with a note when only they differed."""
    if folders is None:
        return compare_outputs(then_outputs, now_outputs, rtol, atol, image_options)
    then_moved = rewrite_outputs(then_outputs, folders, "recorded")
    now_moved = rewrite_outputs(now_outputs, folders, "now")
    difference, notes = compare_outputs(then_moved, now_moved, rtol, atol, image_options)
    if difference is None and (then_moved != then_outputs or now_moved != now_outputs):
        if compare_outputs(then_outputs, now_outputs, rtol, atol, image_options)[0]:
            notes.append(PATHS_NOTE)
    return difference, notes


PATHS_NOTE = "project paths normalised"


def rewrite_outputs(outputs, folders, side):
    """A copy of ``outputs`` with ``side``'s project and interpreter folders replaced
    in every text (streams, error messages and tracebacks, text and JSON views)."""

    def text(value):
        if isinstance(value, list):
            return [folders.rewrite(part, side) for part in value]
        return folders.rewrite(value, side)

    def deep(value):
        if isinstance(value, str):
            return folders.rewrite(value, side)
        if isinstance(value, list):
            return [deep(item) for item in value]
        if isinstance(value, dict):
            return {key: deep(item) for key, item in value.items()}
        return value

    out = []
    for output in outputs:
        if not isinstance(output, dict):
            out.append(output)
            continue
        copied = dict(output)
        kind = output.get("output_type")
        if kind == "stream":
            copied["text"] = text(output.get("text", ""))
        elif kind == "error":
            copied["evalue"] = text(output.get("evalue", ""))
            copied["traceback"] = text(output.get("traceback") or [])
        elif kind in ("execute_result", "display_data"):
            data = dict(output.get("data") or {})
            for mimetype, value in data.items():
                if mimetype not in ("image/png", "image/jpeg"):
                    data[mimetype] = deep(value) if isinstance(value, (dict,)) else text(value)
            copied["data"] = data
        out.append(copied)
    return out


def _images(options):
    options = options or {}
    return {
        "image_tolerance": options.get("tolerance", images.DEFAULT_TOLERANCE),
        "image_hash_distance": options.get("hash_distance", images.DEFAULT_HASH_DISTANCE),
    }


def _without_errors(outputs):
    return [o for o in outputs if o.get("output_type") != "error"]


def _environment(meta, record):
    snapshot = meta["snapshots"].get(record["env"]) if record else None
    return snapshot["environment"] if snapshot else None
