"""The report pages of a batch verification: static HTML that opens from disk.

``index.html`` has one row per bundle (verdict, cells same / different / error,
the causes, build and run times, links to its page and its verification
record); each bundle's page (``bundles/<slug>/index.html``) has its cells, the
text of the outputs that differ side by side, and the images of both runs side
by side (PNG and JPEG, written as files beside the page).

Everything shown comes from bundles, which are untrusted: every value is
written escaped (HTML, and control characters such as terminal escapes shown
as ``\\x1b``), never as markup; links and file names are made here, from the
slugs. The pages load nothing: no script, no network (a Content-Security-Policy
says so to the browser as well).
"""

import base64
import binascii
import html
import re
from pathlib import Path

MAX_TEXT = 4000
MAX_IMAGE = 16 * 1024 * 1024
IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:1.5em;color:#1b1b1b}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:4px 6px;
vertical-align:top;text-align:left}th{background:#f3f3f3}pre{white-space:pre-wrap;
word-break:break-word;margin:0;font-size:12px;max-height:24em;overflow:auto}
.verified{color:#116611;font-weight:600}.different{color:#a35200;font-weight:600}
.unusable,.cannot-rebuild{color:#b00020;font-weight:600}.same{color:#116611}
.side{display:grid;grid-template-columns:1fr 1fr;gap:8px}.side img{max-width:100%;
border:1px solid #ddd}.muted{color:#666}
"""
CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def esc(value):
    """Text for HTML: control characters shown as escapes, then HTML-escaped."""
    text = "" if value is None else str(value)
    text = _CONTROL.sub(
        lambda m: (
            "\\x%02x" % ord(m.group()) if ord(m.group()) < 256 else "\\u%04x" % ord(m.group())
        ),
        text,
    )
    return html.escape(text, quote=True)


def _page(title, body):
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" content="%s">\n'
        "<title>%s</title>\n<style>%s</style></head>\n<body>\n%s\n</body></html>\n"
        % (CSP, esc(title), STYLE, body)
    )


def _seconds(value):
    return "" if value is None else "%.1f s" % value


def _verdict_class(verdict):
    return (verdict or "unusable").replace(" ", "-")


def write_index(results, report_dir):
    summary = results["summary"]
    rows = []
    for part in results["bundles"]:
        counts = part.get("summary") or {}
        env = part.get("environment") or {}
        build = part["seconds"].get("build")
        if env.get("key") and env.get("reused"):
            build_text = "reused (%s)" % _seconds(build or 0.0)
        else:
            build_text = _seconds(build)
        links = ['<a class="page" href="%s">page</a>' % esc(part["page"])]
        if part.get("attestation"):
            links.append('<a class="record" href="%s">record</a>' % esc(part["attestation"]))
        causes = part.get("causes") or ([part["message"]] if part.get("message") else [])
        rows.append(
            '<tr class="bundle" data-slug="%s"><td><a href="%s">%s</a></td>'
            '<td class="%s verdict">%s</td><td class="num">%s</td><td class="num">%s</td>'
            '<td class="num">%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>'
            % (
                esc(part["slug"]),
                esc(part["page"]),
                esc(part["name"]),
                _verdict_class(part["verdict"]),
                esc(part["verdict"]),
                counts.get("same", ""),
                counts.get("different", ""),
                counts.get("error", ""),
                "<br>".join(esc(c) for c in causes[:5]),
                esc(build_text),
                esc(_seconds(part["seconds"].get("run"))),
                " ".join(links),
            )
        )
    body = (
        '<h1>nbrepro verification</h1>\n<p class="summary">%d bundles: %d verified, '
        "%d different, %d unusable, %d cannot be rebuilt here. Written by %s at %s; "
        'the data is in <a href="results.json">results.json</a>.</p>\n'
        '<table id="bundles"><thead><tr><th>bundle</th><th>verdict</th><th>same</th>'
        "<th>different</th><th>error</th><th>causes</th><th>rebuild</th><th>run</th>"
        "<th>links</th></tr></thead><tbody>\n%s\n</tbody></table>"
        % (
            summary["bundles"],
            summary["verified"],
            summary["different"],
            summary["unusable"],
            summary["cannot rebuild"],
            esc(results["created_by"]),
            esc(results["created_at"]),
            "\n".join(rows),
        )
    )
    (Path(report_dir) / "index.html").write_text(_page("nbrepro verification", body), "utf-8")


def _outputs(cell):
    """[(kind, text or bytes, extension)] of one cell's outputs, in order."""
    found = []
    for output in cell.get("outputs") or []:
        kind = output.get("output_type")
        if kind == "stream":
            found.append(("text", _joined(output.get("text")), None))
        elif kind == "error":
            found.append(("text", "%s: %s" % (output.get("ename"), output.get("evalue")), None))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data") or {}
            image = next((m for m in IMAGE_TYPES if m in data), None)
            if image:
                try:
                    raw = base64.b64decode(_joined(data[image]), validate=False)
                except (binascii.Error, ValueError):
                    raw = None
                if raw and len(raw) <= MAX_IMAGE:
                    found.append(("image", raw, IMAGE_TYPES[image]))
                    continue
            if "text/plain" in data:
                found.append(("text", _joined(data["text/plain"]), None))
    return found


def _joined(value):
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return "" if value is None else str(value)


def _side(label, outputs, folder, prefix):
    parts = ["<div><h4>%s</h4>" % esc(label)]
    if not outputs:
        parts.append('<p class="muted">no output</p>')
    for number, (kind, value, extension) in enumerate(outputs, 1):
        if kind == "image":
            name = "%s-%d.%s" % (prefix, number, extension)
            (Path(folder) / name).write_bytes(value)
            parts.append('<img alt="%s output %d" src="%s">' % (esc(label), number, esc(name)))
        else:
            text = value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "\n[... cut]"
            parts.append("<pre>%s</pre>" % esc(text))
    parts.append("</div>")
    return "".join(parts)


def _notebook(path):
    from .. import errors
    from ..record import document

    if path is None or not Path(path).is_file():
        return None
    try:
        return document.read_notebook(path).nb
    except errors.NbreproError:
        return None


def write_bundle_page(part, folder, opened):
    """``folder/index.html`` for one bundle, with its images beside it."""
    recorded = _notebook(opened.notebook) if opened is not None else None
    rerun = _notebook(Path(folder) / "rerun.ipynb") if part.get("rerun") else None
    lines = [
        '<p><a href="../../index.html">all bundles</a></p>',
        "<h1>%s</h1>" % esc(part["name"]),
        '<p>verdict: <span class="%s verdict">%s</span>; notebook %s; source %s</p>'
        % (
            _verdict_class(part["verdict"]),
            esc(part["verdict"]),
            esc(part.get("notebook") or "?"),
            esc(part["source"]),
        ),
    ]
    if part.get("message"):
        lines.append('<p class="message">%s</p>' % esc(part["message"]))
    env = part.get("environment") or {}
    if env.get("key"):
        lines.append(
            "<p>environment %s (%s, Python %s, %s): %s; rebuild %s, run %s</p>"
            % (
                esc(env["key"]),
                esc(env.get("method")),
                esc(env.get("python")),
                esc(env.get("platform")),
                "reused from the cache" if env.get("reused") else "built",
                esc(_seconds(part["seconds"].get("build"))),
                esc(_seconds(part["seconds"].get("run"))),
            )
        )
    links = []
    if part.get("rerun"):
        links.append('<a href="rerun.ipynb">the re-run notebook</a>')
    if part.get("attestation"):
        links.append(
            '<a class="record" href="%s">the verification record</a>'
            % esc(Path(part["attestation"]).name)
        )
    if links:
        lines.append("<p>%s</p>" % " · ".join(links))
    for title, items in (("warnings", part.get("warnings")),):
        if items:
            lines.append(
                "<h2>%s</h2><ul>%s</ul>"
                % (title, "".join("<li>%s</li>" % esc(item) for item in items))
            )
    checks = (part.get("preflight") or {}).get("checks") or []
    if checks:
        lines.append(
            "<h2>preflight</h2><table><tbody>%s</tbody></table>"
            % "".join(
                "<tr><td>%s</td><td>%s</td><td>%s</td></tr>"
                % (esc(c["check"]), esc(c["verdict"]), esc(c["reason"]))
                for c in checks
            )
        )
    if part.get("cells"):
        lines.append("<h2>cells</h2>")
        lines.append(
            '<table id="cells"><thead><tr><th>cell</th><th>status</th>'
            "<th>what differs, likely causes, notes</th></tr></thead><tbody>"
        )
        for entry in part["cells"]:
            lines.append(_cell_row(entry, recorded, rerun, folder))
        lines.append("</tbody></table>")
    (Path(folder) / "index.html").write_text(_page(part["name"], "\n".join(lines)), "utf-8")


def _cell_row(entry, recorded, rerun, folder):
    number = entry["cell"]
    details = []
    difference = entry.get("difference")
    if difference:
        details.append(
            "<p>%s: recorded <code>%s</code>, now <code>%s</code>%s</p>"
            % (
                esc(difference.get("where")),
                esc(difference.get("recorded")),
                esc(difference.get("now")),
                " (%s)" % esc(difference["detail"]) if difference.get("detail") else "",
            )
        )
    if entry.get("causes"):
        details.append("<p>likely: %s</p>" % "; ".join(esc(c) for c in entry["causes"]))
    if entry.get("notes"):
        details.append('<p class="muted">%s</p>' % "; ".join(esc(n) for n in entry["notes"]))
    then = _cell_at(recorded, number)
    now = _cell_at(rerun, number)
    then_outputs, now_outputs = _outputs(then or {}), _outputs(now or {})
    has_images = any(kind == "image" for kind, _, _ in then_outputs + now_outputs)
    if entry["status"] != "same" or has_images:
        details.append(
            '<div class="side">%s%s</div>'
            % (
                _side("recorded", then_outputs, folder, "cell-%d-recorded" % number),
                _side("re-run", now_outputs, folder, "cell-%d-rerun" % number),
            )
        )
    return '<tr class="cell" id="cell-%d"><td>%d</td><td class="%s">%s</td><td>%s</td></tr>' % (
        number,
        number,
        _verdict_class(entry["status"]),
        esc(entry["status"]),
        "".join(details),
    )


def _cell_at(nb, number):
    if nb is None:
        return None
    cells = nb.get("cells") or []
    return cells[number - 1] if 0 < number <= len(cells) else None
