"""The house's layout: the package root holds only its doors, and a wing
imports only the wings below it (README's "Map of the house").

Imports are read from the source (lazy imports inside functions too), so an
arrow that runs back up fails here before anyone has to find it by hand.
"""

import ast
import functools
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "python" / "nbrepro"

# Lowest first. A wing may import its own modules and any wing of a lower rank;
# two wings of one rank know nothing of each other.
RANKS = {
    "errors": 0,
    "_version": 0,
    "capture": 1,
    "record": 2,
    "drift": 3,
    "run": 3,
    "export": 4,
    "verify": 5,
    "integrations": 6,
    "cli": 7,
    "server": 7,
}
# The package's own doors: Jupyter's extension points and ``python -m nbrepro``.
ROOT_MODULES = {"__init__.py", "__main__.py", "errors.py", "_version.py"}


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "labextension" in path.parts:
            continue
        yield path


def dotted(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return parts, is_package


@functools.lru_cache(maxsize=None)
def parsed(path):
    """The module's syntax tree, parsed once for all the tests here."""
    return ast.parse(path.read_text(encoding="utf-8"))


def imports_of(path, nodes=None):
    """Every nbrepro module ``path`` imports, as dotted parts, with the line; only
    those of the given statements (and what they hold) when ``nodes`` is given."""
    parts, is_package = dotted(path)
    here = parts if is_package else parts[:-1]
    found = []
    roots = [parsed(path)] if nodes is None else nodes
    for node in (inner for root in roots for inner in ast.walk(root)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                target = base + (node.module.split(".") if node.module else [])
            elif (node.module or "").split(".")[0] == "nbrepro":
                target = node.module.split(".")
            else:
                continue
            for alias in node.names:
                candidate = target + [alias.name]
                module = PACKAGE.parent.joinpath(*candidate)
                is_module = module.with_suffix(".py").is_file() or module.is_dir()
                found.append((candidate if is_module else target, node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "nbrepro":
                    found.append((alias.name.split("."), node.lineno))
    return found


def wing(parts):
    """The wing of a module given as dotted parts (``["nbrepro", "drift", "diff"]``)."""
    if len(parts) == 1:
        return None  # the package itself (its version, its extension points)
    return parts[1][:-3] if parts[1].endswith(".py") else parts[1]


def test_the_package_root_holds_only_its_doors():
    loose = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in ROOT_MODULES)
    assert loose == [], "put these in the wing their layer names: %s" % loose
    wings = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert set(wings) <= set(RANKS), "a new wing needs a rank in this test: %s" % wings


def test_a_wing_imports_only_the_wings_below_it():
    wrong = []
    for path in modules():
        parts, _ = dotted(path)
        mine = wing(parts)
        if mine is None or mine == "__main__":
            continue
        for target, line in imports_of(path):
            theirs = wing(target)
            if theirs is None:
                if target == ["nbrepro"]:
                    continue  # `from .. import __version__`
            if theirs in (mine, None) or theirs == "_version":
                continue
            if RANKS[theirs] >= RANKS[mine]:
                wrong.append(
                    "%s:%d imports %s (%s, rank %d -> %s, rank %d)"
                    % (
                        path.relative_to(PACKAGE),
                        line,
                        ".".join(target),
                        mine,
                        RANKS[mine],
                        theirs,
                        RANKS[theirs],
                    )
                )
    assert wrong == [], "arrows that run up or sideways:\n" + "\n".join(wrong)


def test_there_is_no_import_cycle_between_modules():
    """Module-level imports only: a lazy import inside a function is how a cycle
    is broken on purpose, and the wing rule above already bounds those."""
    graph = {}
    for path in modules():
        parts, _ = dotted(path)
        top = [n for n in parsed(path).body if isinstance(n, (ast.Import, ast.ImportFrom))]
        targets = {".".join(target) for target, _line in imports_of(path, top)}
        graph[".".join(parts)] = targets - {".".join(parts)}
    seen, stack, cycles = set(), [], []

    def visit(name):
        if name in stack:
            cycles.append(stack[stack.index(name) :] + [name])
            return
        if name in seen:
            return
        seen.add(name)
        stack.append(name)
        for nxt in sorted(graph.get(name, ())):
            if nxt in graph:
                visit(nxt)
        stack.pop()

    for name in sorted(graph):
        visit(name)
    assert cycles == [], "import cycles: %s" % [" -> ".join(c) for c in cycles]


# What reads an untrusted file's bytes: only the door (record/) may call these.
DOOR_READERS = {"read_bytes", "decode", "parse_json", "parse_yaml", "sniff"}


def test_untrusted_files_are_read_only_at_the_door():
    """Notebooks, snapshots, environment files and bundle manifests enter through
    record/ (``document``, ``envreaders``, ``manifest``); a wing above it that
    reads a file's bytes itself is a second door."""
    wrong = []
    for path in modules():
        parts, _ = dotted(path)
        if wing(parts) in ("record", "capture", None):
            continue
        for node in ast.walk(parsed(path)):
            used = None
            if isinstance(node, ast.Attribute) and node.attr in DOOR_READERS:
                if isinstance(node.value, ast.Name) and node.value.id == "document":
                    used = node.attr
            elif isinstance(node, ast.ImportFrom) and (node.module or "").endswith("document"):
                used = ", ".join(a.name for a in node.names if a.name in DOOR_READERS) or None
            if used:
                wrong.append("%s:%d uses %s" % (path.relative_to(PACKAGE), node.lineno, used))
    assert wrong == [], "read these through the door in record/:\n" + "\n".join(wrong)
