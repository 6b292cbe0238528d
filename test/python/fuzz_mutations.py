"""Mutations of real recorded files for the fuzz suite (test_fuzz.py).

Each mutator takes ``draw(choices)`` (pick one of a list) and
``integer(low, high)``, so that hypothesis drives it in the property tests
(``data.draw``) and ``random.Random`` drives it where hypothesis cannot (the
server test). The values are the ones the attack audit of issue 10 found
crashes with, and their neighbours.
"""

import json
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "fuzz"
NOTEBOOKS = ("pip.ipynb", "conda.ipynb")
ENVIRONMENT_FILES = (
    "snapshot.json",
    "environment.yml",
    "explicit.txt",
    "requirements.txt",
    "pip.ipynb",
)
# Written as text in place of the placeholder: JSON this deep cannot be dumped.
DEEP = "__nbrepro_deep__"
HOSTILE = (
    None,
    True,
    0,
    -1,
    1.5,
    float("nan"),
    float("inf"),
    2**70,
    "",
    "x",
    "none",
    "numpy",
    "#egg=x",
    "a\nb",
    "1.0\nRUN rm -rf /",
    "\x1b[31mred\x1b[0m",
    "\ud800",
    "x\ud800y",
    "<img src=x onerror=alert(1)>",
    "../../../etc/passwd",
    "$(touch pwned)",
    "https://user:p@ss@host/pkg.tar.gz?token=SECRET",
    "é" * 3,
    "x" * 3000,
    [],
    {},
    [1, "a", None],
    {"name": 1.5, "version": float("nan")},
    ["3", "11"],
    DEEP,
)
DEEP_LEVELS = (150, 500, 1000, 3000)


def _children(value):
    if isinstance(value, dict):
        return list(value)
    if isinstance(value, list):
        return list(range(len(value)))
    return []


def _pick_path(value, draw, integer, start=()):
    """A path into ``value``: walk down from ``start``, stopping at random."""
    path = list(start)
    node = value
    for key in start:
        node = node[key]
    while True:
        keys = _children(node)
        if not keys or integer(0, 4) == 0:
            return path, node
        key = draw(keys)
        path.append(key)
        node = node[key]


def _set(value, path, new):
    node = value
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = new


def _starts(value):
    """Where mutations begin, weighted towards nbrepro's metadata."""
    starts = [()]
    metadata = value.get("metadata") if isinstance(value, dict) else None
    meta = metadata.get("nbrepro") if isinstance(metadata, dict) else None
    if isinstance(meta, dict):
        starts += [("metadata", "nbrepro")] * 6
        snapshots = meta.get("snapshots")
        for key, snapshot in snapshots.items() if isinstance(snapshots, dict) else ():
            if isinstance(snapshot, dict) and isinstance(snapshot.get("environment"), dict):
                starts += [("metadata", "nbrepro", "snapshots", key, "environment")] * 6
        runs = meta.get("runs")
        for key, run in runs.items() if isinstance(runs, dict) else ():
            if isinstance(run, dict):
                starts += [("metadata", "nbrepro", "runs", key)] * 3
    if isinstance(value, dict) and isinstance(value.get("cells"), list):
        starts.append(("cells",))
    if isinstance(value, dict) and isinstance(value.get("environment"), dict):
        starts += [("environment",)] * 6
    return starts


def mutate_json(value, draw, integer):
    """Mutate a parsed JSON document in place, 1 to 3 times; returns the depth
    to write in place of DEEP."""
    for _ in range(integer(1, 3)):
        path, node = _pick_path(value, draw, integer, draw(_starts(value)))
        action = draw(("replace", "replace", "replace", "delete", "add", "duplicate"))
        if not path:
            action = "add"
        if action == "replace":
            _set(value, path, _copy(draw(HOSTILE)))
        elif action == "delete":
            parent = value
            for key in path[:-1]:
                parent = parent[key]
            del parent[path[-1]]
        elif action == "add" and isinstance(node, dict):
            node[draw(("extra", "name", "version", "\ud800", "gpu", "python"))] = _copy(
                draw(HOSTILE)
            )
        elif action == "add" and isinstance(node, list):
            node.insert(integer(0, len(node)), _copy(draw(HOSTILE)))
        elif action == "duplicate" and isinstance(node, (dict, list)) and path:
            parent = value
            for key in path[:-1]:
                parent = parent[key]
            if isinstance(parent, list):
                parent.append(_copy(node))
    return draw(DEEP_LEVELS)


def _copy(value):
    return json.loads(json.dumps(value)) if isinstance(value, (dict, list)) else value


def dump_json(value, depth):
    text = json.dumps(value, indent=1, ensure_ascii=True, allow_nan=True)
    return text.replace('"%s"' % DEEP, "[" * depth + "]" * depth).encode("utf-8")


TEXT_LINES = (
    "",
    "numpy",
    "numpy==",
    "numpy==1.26.4",
    "-e .",
    "-e file:///tmp/x#egg=x",
    "#egg=x",
    "--hash=sha256:00",
    "dependencies:",
    "dependencies: x",
    "  - python=3.11\u0000",
    "  - pip:",
    "  - {pip: 3}",
    "  - [a, b]",
    "channels: x",
    "@EXPLICIT",
    "https://conda.anaconda.org/conda-forge/linux-64/numpy-1.26.4-py311_0.conda#00",
    "https://host/x",
    "# platform: linux-64",
    "\x1b[2J\x1b[31mnumpy==1.0",
    "name: " + "[" * 200,
    "x" * 20000,
    "{",
    "\ufeff{}",
)
WHOLE_FILES = (
    b"",
    b"   \n\n",
    b"\xff\xfe\x00binary",
    b"\x00" * 100,
    b"{}",
    b"[]",
    b"null",
    b'{"cells": 3, "nbformat": 4}',
    b'{"nbformat": 3, "worksheets": "x"}',
    b'{"environment": "x"}',
    b'{"packages": {"x": 1}}',
    b"dependencies:\n" + b"- " * 3000 + b"x\n",
    b"dependencies: " + b"[" * 3000 + b"]" * 3000 + b"\n",
    b"[" * 3000 + b"]" * 3000,
    b'{"a": ' * 1000 + b"1" + b"}" * 1000,
    b"garbage line that is no requirement\n" * 2000,
)


def mutate_text(data, draw, integer):
    """Line-level mutations of a text file, or a whole hostile file."""
    if integer(0, 9) == 0:
        return draw(WHOLE_FILES)
    lines = data.decode("utf-8").split("\n")
    for _ in range(integer(1, 4)):
        action = draw(("replace", "insert", "delete", "truncate", "bytes"))
        index = integer(0, max(len(lines) - 1, 0))
        if action == "replace" and lines:
            lines[index] = draw(TEXT_LINES)
        elif action == "insert":
            lines.insert(index, draw(TEXT_LINES))
        elif action == "delete" and lines:
            del lines[index]
        elif action == "truncate" and lines:
            lines = lines[: index + 1]
        elif action == "bytes":
            return "\n".join(lines).encode("utf-8")[: integer(0, 4000)] + draw(
                (b"", b"\xff", b"\xc3", b"\x00")
            )
    return "\n".join(lines).encode("utf-8")


def mutated(name, draw, integer):
    """The bytes of a mutated copy of seed file ``name``."""
    data = (SEEDS / name).read_bytes()
    if name.endswith((".ipynb", ".json")) and integer(0, 7) != 0:
        value = json.loads(data)
        depth = mutate_json(value, draw, integer)
        return dump_json(value, depth)
    return mutate_text(data, draw, integer)
