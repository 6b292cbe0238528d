"""A drift report as a readable table for the terminal."""

from ..capture.urls import redact_text
from .terminal import escape

ARROW = " -> "


def format_report(report, limit=None):
    """Columns severity, kind, name, before -> after, used; then counts and problems."""
    rows = []
    for item in report["differences"][:limit]:
        change = item.get("before", "")
        if "after" in item:
            change = (change + ARROW if change else "") + item["after"]
        used = {True: "yes", False: "no"}.get(item.get("used"), "")
        # Escaped and redacted before the widths are measured and the cells
        # clipped: names come from untrusted files, a clipped URL hides its end.
        rows.append(
            tuple(
                escape(redact_text(str(text)))
                for text in (item["severity"], item["kind"], item.get("name", ""), change, used)
            )
        )
    lines = []
    if rows:
        header = ("SEVERITY", "KIND", "NAME", "BEFORE -> AFTER", "USED")
        widths = [min(max(len(r[i]) for r in rows + [header]), 48) for i in range(5)]
        for row in [header] + rows:
            cells = [_clip(text, widths[i]).ljust(widths[i]) for i, text in enumerate(row)]
            lines.append("  ".join(cells).rstrip())
    hidden = len(report["differences"]) - len(rows)
    if hidden > 0:
        lines.append("... and %d more (--json lists all)" % hidden)
    counts = report["counts"]
    if report["differences"]:
        lines.append(
            "drift: %s (%d high, %d medium, %d low, %d info)"
            % (report["severity"], counts["high"], counts["medium"], counts["low"], counts["info"])
        )
    elif not report.get("inputs"):
        lines.append("no drift")
    conda = report.get("conda_files")
    if conda:
        if conda["before"] == conda["after"]:
            lines.append("conda files of both: " + escape(conda["before"]))
        else:
            for side, label in (("before", "the recorded environment"), ("after", "the other")):
                text = conda[side] or "none (no conda environment)"
                lines.append("conda files of %s: %s" % (label, escape(text)))
    for item in report.get("inputs") or ():
        lines.append(escape(redact_text(str(item.get("message") or item.get("path")))))
    for problem in report["problems"]:
        lines.append("problem: " + escape(str(problem)))
    return "\n".join(lines) + "\n"


def _clip(text, width):
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 3] + "..."
