"""One cell's outputs now against the recorded ones: the first difference, or None.

Plain functions over nbformat output dicts (lists of lines or strings).

- Streams are compared per name (stdout, stderr) as one text each: how a
  stream is split into chunks depends on timing. Their order relative to
  displays is not compared either, for the same reason.
- ``execute_result`` and ``display_data`` outputs are compared in order, by
  output type and mimetype set. In each, every ``image/png`` and
  ``image/jpeg`` is compared by its decoded pixels within a tolerance
  (``images.compare_images``: "same image", "visually similar (max diff N)",
  "visually similar (size 544x407, recorded 547x408)" for a figure a few
  pixels smaller or larger whose content lines up, or "different"; by the
  sha256 of its bytes when Pillow is absent, and the note says so); then one
  text view: ``text/plain`` when there is one, else the first of
  ``application/json``, ``text/markdown``, ``text/latex``, ``text/html``,
  ``image/svg+xml`` and any other text type.
  An output's other views are not compared: HTML and JavaScript views embed
  ids that are new on every run, and ``text/plain`` says the same thing.
- JSON views are compared structurally; a widget view's ``model_id`` is new
  on every run and is skipped.
- Errors: the exception name exactly, its message as text.

Text is compared after ``normalize.normalize_text``, cut into numbers and the
parts between them. The parts between must match, except that a run of spaces
or tabs matches any other and spaces next to a number are not compared
(NumPy pads columns to the widest number). Numbers
match when ``abs(now - recorded) <= atol + rtol * abs(recorded)``, NumPy's
``isclose``; nan matches nan, and integers (no point, no exponent) match only
within ``atol``. Defaults: rtol 1e-9, far above the 1e-16 to 1e-12 relative
noise of another BLAS or summation order and far below any rounding a
library change makes visible; atol 0, so that tiny values are still compared
relatively (pass ``--atol`` when values that should be zero print as noise).
"""

import math
import re

from . import images
from .normalize import normalize_text

DEFAULT_RTOL = 1e-9
DEFAULT_ATOL = 0.0
IMAGES = ("image/png", "image/jpeg")
TEXT_PREFERENCE = (
    "text/plain",
    "application/json",
    "text/markdown",
    "text/latex",
    "text/html",
    "image/svg+xml",
)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
EXCERPT = 60

_NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?!\w|\.\d)|\b(?:nan|NaN|inf|Inf)\b"
)
_BLANKS = re.compile(r"[ \t]+")


def as_text(value):
    """nbformat keeps multi-line text as a list of lines or as one string."""
    if isinstance(value, list):
        return "".join(str(part) for part in value)
    return value if isinstance(value, str) else str(value)


def compare_outputs(recorded, now, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL, image_options=None):
    """``(difference or None, notes)``; a difference is ``{"where", "recorded", "now", ...}``.

    ``notes`` says how each image compared ("output 1 image/png: visually similar
    (max diff 12)"). ``image_options``: ``images.compare_images``'s ``tolerance``
    and ``hash_distance``.
    """
    notes = []
    image_options = image_options or {}
    for name in sorted(set(_streams(recorded)) | set(_streams(now))):
        was, is_ = _streams(recorded).get(name, ""), _streams(now).get(name, "")
        found = compare_text(was, is_, rtol, atol)
        if found:
            return dict(found, where=name), notes
    was_errors, now_errors = _errors(recorded), _errors(now)
    for position in range(max(len(was_errors), len(now_errors))):
        found = _compare_error(was_errors, now_errors, position, rtol, atol)
        if found:
            return found, notes
    was_rich, now_rich = _rich(recorded), _rich(now)
    if len(was_rich) != len(now_rich):
        return {
            "where": "displays",
            "recorded": "%d display%s" % (len(was_rich), "" if len(was_rich) == 1 else "s"),
            "now": "%d display%s" % (len(now_rich), "" if len(now_rich) == 1 else "s"),
        }, notes
    for position, (was, is_) in enumerate(zip(was_rich, now_rich)):
        found = _compare_rich(was, is_, rtol, atol, notes, image_options, position + 1)
        if found:
            return dict(found, where="output %d %s" % (position + 1, found["where"])), notes
    return None, notes


def _streams(outputs):
    texts = {}
    for output in outputs:
        if output.get("output_type") == "stream":
            name = output.get("name") or "stdout"
            texts[name] = texts.get(name, "") + as_text(output.get("text", ""))
    return texts


def _errors(outputs):
    return [o for o in outputs if o.get("output_type") == "error"]


def _rich(outputs):
    return [o for o in outputs if o.get("output_type") in ("execute_result", "display_data")]


def _compare_error(was_errors, now_errors, position, rtol, atol):
    if position >= len(was_errors) or position >= len(now_errors):
        was = was_errors[position]["ename"] if position < len(was_errors) else "no error"
        is_ = now_errors[position]["ename"] if position < len(now_errors) else "no error"
        return {"where": "error", "recorded": was, "now": is_}
    was, is_ = was_errors[position], now_errors[position]
    if was.get("ename") != is_.get("ename"):
        return {"where": "error", "recorded": was.get("ename"), "now": is_.get("ename")}
    found = compare_text(as_text(was.get("evalue", "")), as_text(is_.get("evalue", "")), rtol, atol)
    return dict(found, where="error message") if found else None


def _compare_rich(was, is_, rtol, atol, notes, image_options, position):
    if was.get("output_type") != is_.get("output_type"):
        return {"where": "type", "recorded": was.get("output_type"), "now": is_.get("output_type")}
    was_data, now_data = was.get("data") or {}, is_.get("data") or {}
    if set(was_data) != set(now_data):
        return {
            "where": "mimetypes",
            "recorded": ", ".join(sorted(was_data)),
            "now": ", ".join(sorted(now_data)),
        }
    for mimetype in IMAGES:
        if mimetype in was_data:
            result = images.compare_images(was_data[mimetype], now_data[mimetype], **image_options)
            notes.append("output %d %s: %s" % (position, mimetype, image_verdict(result)))
            if result["verdict"] == images.DIFFERENT:
                return {
                    "where": mimetype,
                    "recorded": result["recorded"],
                    "now": result["now"],
                    "detail": image_verdict(result),
                }
    mimetype = text_view(was_data)
    if mimetype is None:
        return None
    if mimetype == "application/json" or mimetype.endswith("+json"):
        skip = ("model_id",) if mimetype == WIDGET_VIEW else ()
        found = compare_json(was_data[mimetype], now_data[mimetype], rtol, atol, skip)
    else:
        found = compare_text(as_text(was_data[mimetype]), as_text(now_data[mimetype]), rtol, atol)
    return dict(found, where=mimetype) if found else None


def image_verdict(result):
    """ "same image", "visually similar (max diff N, ...)" or "different (...)"."""
    if result["max_diff"] is None:
        if result["verdict"] == images.SAME:
            return images.SAME
        if result["how"].startswith("by pixels"):
            return "%s (size %s, recorded %s)" % (
                result["verdict"],
                result["now"],
                result["recorded"],
            )
        return "different, compared %s" % result["how"]
    figures = "max diff %d, hash distance %d of %d, thumbnail diff %d" % (
        result["max_diff"],
        result["hash_distance"],
        images.HASH_SIZE * images.HASH_SIZE,
        result["thumb_diff"],
    )
    if result["verdict"] == images.SAME:
        return "same image (same pixels, other bytes)"
    return "%s (%s)" % (result["verdict"], figures)


def text_view(data):
    """The one mimetype of a bundle that is compared as text, or None."""
    for mimetype in TEXT_PREFERENCE:
        if mimetype in data:
            return mimetype
    for mimetype in sorted(data):
        if mimetype not in IMAGES and (
            mimetype.startswith("text/") or mimetype.endswith(("+json", "+xml", "/javascript"))
        ):
            return mimetype
    return None


def compare_json(recorded, now, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL, skip=(), path="$"):
    """The first structural difference of two JSON values, numbers within tolerance."""
    if _is_number(recorded) and _is_number(now):
        if numbers_match(recorded, now, rtol, atol):
            return None
        return {"path": path, "recorded": repr(recorded), "now": repr(now)}
    if isinstance(recorded, dict) and isinstance(now, dict):
        for key in sorted(set(recorded) | set(now), key=str):
            if key in skip:
                continue
            if key not in recorded or key not in now:
                return {
                    "path": "%s.%s" % (path, key),
                    "recorded": "absent" if key not in recorded else "present",
                    "now": "absent" if key not in now else "present",
                }
            found = compare_json(recorded[key], now[key], rtol, atol, skip, "%s.%s" % (path, key))
            if found:
                return found
        return None
    if isinstance(recorded, list) and isinstance(now, list):
        if len(recorded) != len(now):
            return {
                "path": path,
                "recorded": "%d items" % len(recorded),
                "now": "%d items" % len(now),
            }
        for index, (was, is_) in enumerate(zip(recorded, now)):
            found = compare_json(was, is_, rtol, atol, skip, "%s[%d]" % (path, index))
            if found:
                return found
        return None
    if isinstance(recorded, str) and isinstance(now, str):
        found = compare_text(recorded, now, rtol, atol)
        return dict(found, path=path) if found else None
    if recorded == now and type(recorded) is type(now):
        return None
    return {"path": path, "recorded": _clip(repr(recorded)), "now": _clip(repr(now))}


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def numbers_match(recorded, now, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL):
    """NumPy's isclose with the recorded value as reference; nan matches nan."""
    if isinstance(recorded, int) and isinstance(now, int):
        return abs(now - recorded) <= atol
    if math.isnan(recorded) or math.isnan(now):
        return math.isnan(recorded) and math.isnan(now)
    if math.isinf(recorded) or math.isinf(now):
        return recorded == now
    return abs(now - recorded) <= atol + rtol * abs(recorded)


def _parse(token):
    if re.fullmatch(r"[-+]?\d+", token):
        return int(token)
    return float(token)


def tokens(text):
    """``[text, number, text, ..., text]`` as ``(is_number, token, offset)``; always odd length."""
    out, position = [], 0
    for match in _NUMBER.finditer(text):
        out.append((False, text[position : match.start()], position))
        out.append((True, match.group(), match.start()))
        position = match.end()
    out.append((False, text[position:], position))
    return out


def compare_text(recorded, now, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL):
    """None when the normalised texts match; else the first difference with excerpts.

    When the excerpts around the first difference read the same (one text goes
    on where the other ends), the first line found on one side only is shown.
    """
    if recorded == now:
        return None  # the common case, without the cost of normalising
    was, is_ = normalize_text(recorded), normalize_text(now)
    if was == is_:
        return None
    found = _first_difference(was, is_, rtol, atol)
    if found is not None and found["recorded"] == found["now"]:
        return _first_differing_line(was, is_, found["line"], rtol, atol, found)
    return found


def _first_differing_line(was, is_, line, rtol, atol, found):
    """The first line at or after ``line`` that only one side has, or that differs."""
    was_lines, now_lines = _lines(was), _lines(is_)
    for index in range(line - 1, max(len(was_lines), len(now_lines))):
        a = was_lines[index] if index < len(was_lines) else None
        b = now_lines[index] if index < len(now_lines) else None
        if a is None or b is None:
            absent = "(no line %d)" % (index + 1)
            return {
                "recorded": _clip(a) if a is not None else absent,
                "now": _clip(b) if b is not None else absent,
                "line": index + 1,
            }
        inner = _first_difference(a, b, rtol, atol) if a != b else None
        if inner is not None:
            return dict(inner, line=index + 1)
    return found


def _lines(text):
    lines = text.split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()  # the line end of the last line starts no line
    return lines


def _first_difference(was, is_, rtol, atol):
    was_tokens, now_tokens = tokens(was), tokens(is_)
    for (number, a, a_at), (_, b, b_at) in zip(was_tokens, now_tokens):
        if number:
            if not numbers_match(_parse(a), _parse(b), rtol, atol):
                return _excerpts(was, a_at, is_, b_at, "%s vs %s" % (a, b))
        elif _layout(a) != _layout(b):
            common = _common_prefix(a, b)
            return _excerpts(was, a_at + common, is_, b_at + common)
    if len(was_tokens) == len(now_tokens):
        return None
    # One side has more numbers: the texts part where the shorter one ends.
    last = min(len(was_tokens), len(now_tokens)) - 1
    return _excerpts(was, was_tokens[last][2], is_, now_tokens[last][2])


def _layout(part):
    """A text part as compared: blank runs as one space, none next to a number."""
    return _BLANKS.sub(" ", part).strip(" ")


def _common_prefix(a, b):
    count = 0
    for x, y in zip(a, b):
        if x != y:
            break
        count += 1
    return count


def _excerpts(was, was_at, is_, now_at, detail=None):
    found = {"recorded": _around(was, was_at), "now": _around(is_, now_at)}
    found["line"] = was.count("\n", 0, was_at) + 1
    if detail:
        found["detail"] = detail
    return found


def _around(text, offset):
    """The line holding ``offset``, cut to EXCERPT characters around it."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    line = text[start : end if end >= 0 else len(text)]
    column = offset - start
    if len(line) <= EXCERPT:
        return line
    left = max(0, min(column - EXCERPT // 3, len(line) - EXCERPT))
    return (
        ("…" if left else "")
        + line[left : left + EXCERPT]
        + ("…" if left + EXCERPT < len(line) else "")
    )


def _clip(text):
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"
