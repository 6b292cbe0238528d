"""Reading `conda-meta/*.json` records without paying for their file lists.

A record's `files` and `paths_data` hold one entry per installed file and make
up nearly all of its size (a 6 MB record takes ~37 ms to `json.loads`). Both
conda and rattler write these files pretty-printed, so a top-level key always
starts a line with exactly the file's first indentation; we cut the two heavy
values out at those line starts and parse the rest. From the cut-out `files`
we only need site-packages anchor paths (conda's pip rule), which a byte
search finds. Anything unusual falls back to a full `json.loads`.

Kernel-side code: standard library only, Python 3.8 grammar.
"""

import json
import os
import re

from .safeio import open_regular

HEAVY_KEYS = (b"files", b"paths_data")
# Fields we keep from a record, named as conda names them.
KEEP_FIELDS = (
    "name",
    "version",
    "build",
    "build_number",
    "channel",
    "subdir",
    "fn",
    "url",
    "md5",
    "sha256",
    "size",
    "noarch",
    "package_type",
    "requested_spec",
    "requested_specs",
    "depends",
    "python_site_packages_path",
    "timestamp",
    # What lock files (conda-lock.yml, pixi.lock) carry besides the above.
    "constrains",
    "license",
    "license_family",
    "features",
    "track_features",
)
_FIRST_KEY_RE = re.compile(rb"\{\r?\n([ \t]+)\"")
_TRAILING_COMMA_RE = re.compile(rb",(\s*\}\s*)$")
# conda's anchor file endings (conda/core/prefix_data.py get_conda_anchor_files_and_records)
_ANCHOR_END_RE = re.compile(rb"\.(?:dist-info[/\\]+RECORD|egg-info[/\\]+PKG-INFO|egg-info)\"")


class RecordError(Exception):
    pass


def _split_heavy(data):
    """Return (light_json_bytes, files_value_bytes) or None when not pretty-printed."""
    match = _FIRST_KEY_RE.match(data)
    if not match:
        return None
    marker = b"\n" + match.group(1) + b'"'
    # Top-level keys: a line start with exactly the first key's indentation
    # (deeper lines start with more whitespace; strings hold no raw newlines).
    starts = []
    position = match.start(1) - 1
    while position >= 0:
        key_start = position + len(marker)
        key_end = data.find(b'"', key_start)
        if key_end < 0:
            return None
        starts.append((position, data[key_start:key_end]))
        position = data.find(marker, key_end)
    end = data.rfind(b"}")
    pieces = [data[: starts[0][0]]]
    files_value = b""
    for index, (start, key) in enumerate(starts):
        stop = starts[index + 1][0] if index + 1 < len(starts) else end
        if key in HEAVY_KEYS:
            if key == b"files":
                files_value = data[start:stop]
            continue
        pieces.append(data[start:stop])
    pieces.append(b"\n" + data[end:])
    light = b"".join(pieces)
    light = _TRAILING_COMMA_RE.sub(rb"\1", light)
    return light, files_value


def anchor_candidates(files_value):
    """Paths in a `files` JSON array that end like a Python distribution anchor."""
    found = []
    for match in _ANCHOR_END_RE.finditer(files_value):
        end = match.end() - 1
        start = files_value.rfind(b'"', 0, end)
        if start < 0:
            continue
        raw = files_value[start : end + 1]
        if b"site-packages" not in raw:
            continue
        try:
            path = json.loads(raw.decode("utf-8", "surrogateescape"))
        except ValueError:
            continue
        found.append(path.replace("\\", "/"))
    return found


def parse_record(data):
    """Parse one record's bytes into (fields, anchor_candidates, files_count_or_None)."""
    split = None
    try:
        split = _split_heavy(data)
    except Exception:
        split = None
    if split is not None:
        light, files_value = split
        try:
            record = json.loads(light.decode("utf-8"))
        except ValueError:
            record = None
        if isinstance(record, dict):
            return record, anchor_candidates(files_value)
    try:
        record = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise RecordError("not valid JSON (%s)" % (error,)) from None
    if not isinstance(record, dict):
        raise RecordError("not a JSON object")
    files = record.get("files") or []
    anchors = []
    if isinstance(files, list):
        for path in files:
            if isinstance(path, str) and "site-packages" in path:
                path = path.replace("\\", "/")
                if path.endswith((".dist-info/RECORD", ".egg-info/PKG-INFO", ".egg-info")):
                    anchors.append(path)
    return record, anchors


def load_records(ctx, meta_dir, probe="conda"):
    """Read every record in `meta_dir`; cached per (file name, mtime_ns, size).

    Returns a list of dicts with the kept fields plus `_anchors` and `_file`,
    in file-name order. Bad records become problems and are left out, as
    conda itself leaves out a record whose name does not match its contents.
    """
    cache = ctx.cache.setdefault("conda_records", {})
    records = []
    seen = set()
    try:
        entries = sorted(os.scandir(meta_dir), key=lambda entry: entry.name)
    except OSError as error:
        ctx.problem(probe, "cannot list conda-meta: %s" % (error.strerror or error,), meta_dir)
        return records
    for entry in entries:
        name = entry.name
        if not name.endswith(".json") or name.startswith("._"):
            continue
        try:
            stat = entry.stat()
        except OSError as error:
            ctx.problem(probe, "cannot stat record: %s" % (error.strerror or error,), name)
            continue
        key = (meta_dir, name, stat.st_mtime_ns, stat.st_size)
        seen.add(key)
        cached = cache.get(key)
        if cached is not None:
            if cached.get("_error"):
                ctx.problem(probe, cached["_error"], name)
            else:
                records.append(cached)
            continue
        record = _read_one(os.path.join(meta_dir, name), name)
        cache[key] = record
        if record.get("_error"):
            ctx.problem(probe, record["_error"], name)
        else:
            records.append(record)
    # Forget records of files that are gone, so the cache does not grow forever.
    for key in [k for k in cache if k[0] == meta_dir and k not in seen]:
        del cache[key]
    return records


def _read_one(path, name):
    try:
        with open_regular(path) as handle:
            data = handle.read()
    except OSError as error:
        return {"_error": "cannot read record: %s" % (error.strerror or error,)}
    try:
        raw, anchors = parse_record(data)
    except RecordError as error:
        return {"_error": "corrupt record, %s; conda would refuse this environment" % error}
    record = {}
    for field in KEEP_FIELDS:
        value = raw.get(field)
        if value is not None:
            record[field] = value
    missing = [f for f in ("name", "version", "build") if not isinstance(record.get(f), str)]
    if missing:
        return {"_error": "record lacks %s" % ", ".join(missing)}
    # conda ignores a record whose file name is not name-version-build (PrefixData).
    stem = name[:-5]
    if stem != "%s-%s-%s" % (record["name"], record["version"], record["build"]):
        return {
            "_error": "record file name does not match its name-version-build; conda ignores it"
        }
    if not isinstance(record.get("depends"), list):
        record["depends"] = []
    record["_anchors"] = anchors
    record["_file"] = name
    return record
