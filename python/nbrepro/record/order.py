"""The order the cells of a notebook ran in: one pass from the top, or not.

``nbrepro run`` keeps the author's order (``author_order``) before it re-runs
a notebook; the export gate reports it (``order_findings``,
``author_findings``). Findings are ``{"kind", "cells", "message"}`` with cell
numbers as JupyterLab shows them.
"""

from . import document

MAX_LISTED = 8


def listed_cells(cells):
    """``cell 3`` or ``cells 1, 2 and 4 more``: cell numbers as a finding lists them."""
    listed = ", ".join(str(n) for n in cells[:MAX_LISTED])
    if len(cells) > MAX_LISTED:
        listed += " and %d more" % (len(cells) - MAX_LISTED)
    return ("cell " if len(cells) == 1 else "cells ") + listed


def finding(kind, cells, message):
    """A finding as the export gate and ``nbrepro run`` report it."""
    return {"kind": kind, "cells": list(cells), "message": message}


def order_findings(counted):
    """The ``out-of-order`` or ``not-one-pass`` finding (a list of at most one)
    for ``[(cell number, execution count), ...]`` of the cells that ran."""
    down = [n for (_, before), (n, count) in zip(counted, counted[1:]) if count <= before]
    if down:
        return [
            finding(
                "out-of-order",
                down,
                "%s ran before a cell above them (execution counts go down): the outputs "
                "may depend on state a top-to-bottom run does not rebuild; restart the "
                "kernel and run all cells" % listed_cells(down),
            )
        ]
    if not counted:
        return []
    counts = [count for _n, count in counted]
    expected = list(range(counts[0], counts[0] + len(counts)))
    if counts == expected and counts[0] == 1:
        return []
    skipped = counts[-1] - len(counts)
    return [
        finding(
            "not-one-pass",
            [n for n, _count in counted],
            "the execution counts (%s) are not one run from the top: %d execution%s "
            "the notebook does not show may have shaped the outputs; restart the "
            "kernel and run all cells"
            % (short_counts(counts), skipped, "" if skipped == 1 else "s"),
        )
    ]


def author_order(nb):
    """``metadata.nbrepro.author_order`` for notebook ``nb`` as it is now (before
    ``nbrepro run`` re-executes it), or None when its counts show no order problem."""
    cells = [(c.number, c.count) for c in document.code_cells(nb)]
    found = order_findings(document.execution_counts(nb))
    if not found:
        return None
    return {
        "cells": [n for n, _count in cells],
        "counts": [count for _n, count in cells],
        "finding": found[0]["kind"],
    }


def author_findings(order):
    """The order finding ``nbrepro run`` kept from before it re-ran the notebook."""
    if not order:
        return []
    pairs = [
        "cell %d: %s" % (n, "-" if c is None else c)
        for n, c in zip(order["cells"], order["counts"])
    ]
    listed = ", ".join(pairs[:MAX_LISTED]) + (", …" if len(pairs) > MAX_LISTED else "")
    counted = [(n, c) for n, c in zip(order["cells"], order["counts"]) if c is not None]
    again = order_findings(counted)
    cells = again[0]["cells"] if again else []
    why = (
        "execution counts go down at %s" % listed_cells(cells)
        if order["finding"] == "out-of-order"
        else "the cells were not run once from the top"
    )
    return [
        finding(
            order["finding"],
            cells,
            "before nbrepro re-ran it, the author's execution counts were %s: %s, so the "
            "outputs the author saw may not be what a top-to-bottom run gives" % (listed, why),
        )
    ]


def short_counts(counts):
    if len(counts) <= MAX_LISTED:
        return ", ".join(str(c) for c in counts)
    return ", ".join(str(c) for c in counts[:MAX_LISTED]) + ", …"


RAISES = "raises-exception"


def raised(cell):
    """The exception a cell's outputs show it raised, or None: an error output, or
    a UsageError, which IPython writes as a stderr stream."""
    outputs = cell.get("outputs") if isinstance(cell.get("outputs"), list) else []
    for output in outputs:
        if not isinstance(output, dict):
            continue
        if output.get("output_type") == "error":
            return str(output.get("ename") or "an exception")[:100]
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            text = output.get("text")
            if isinstance(text, list):
                text = "".join(t for t in text if isinstance(t, str))
            if isinstance(text, str) and text.lstrip().startswith("UsageError:"):
                return "UsageError"
    return None


def errors_ran_past(nb):
    """``[(cell number, exception name)]`` of the cells that raised while a later
    cell still ran (``nbrepro run --allow-errors``, or an author who went on),
    leaving out cells tagged ``raises-exception``, whose error is meant."""
    cells = document.code_cells(nb)
    last = max((c.count for c in cells if c.count is not None), default=None)
    out = []
    for cell in cells:
        if cell.count is None or cell.count == last:
            continue
        tags = (cell.cell.get("metadata") or {}).get("tags")
        if isinstance(tags, list) and RAISES in tags:
            continue
        name = raised(cell.cell)
        if name:
            out.append((cell.number, name))
    return out
