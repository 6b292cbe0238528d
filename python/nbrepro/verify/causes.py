"""Why a cell's outputs differ now: plain sentences, the likeliest first.

Pure functions over the records nbrepro keeps (``metadata.nbrepro`` of the
notebook and of its cells) for the recording and for the re-run.

The order, from the strongest evidence to the weakest:

1. the cell was edited after it ran (its recorded ``src`` is not the hash of
   its source): the recorded outputs come from other code;
   the recording ran a module loaded before a ``%pip install`` changed it,
   without a restart (``runs[id].stale``): it ran other code than the
   environment recorded for it holds;
   for a figure that differs, the fonts differ (``record.fonts``: the font
   Matplotlib gave a family, or the file of the same font, is not the
   recording's);
2. packages that differ between the two environments and that were imported
   in the kernel when the cell ran (``runs[id].modules`` of either run; the
   kernel's modules, not only the cell's own imports), with both versions;
   then Python, platform and GPU changes;
3. unseeded randomness: the cell drew from a global generator (its fingerprint
   changed during the cell) whose state after the cell differs from the
   recording's;
   then what follows the data (``runs[id].inputs``): an input file the cell,
   or a cell it depends on, read has changed since the recording; the cell,
   or a cell whose names it reads, drew from a generator no seed had fixed;
   it, or such a cell, read the clock or opened network connections;
4. hidden state: the recording did not run the cells above it top to bottom
   once each (execution counts), so it saw state the re-run does not;
5. weaker signs: for the first cell (no run before it to tell whether it
   drew), no seed had been set and some generator's state differs; packages
   differ that were not imported;
6. otherwise "unknown".
"""

from ..drift import compare
from ..record.sides import side_from_environment

PACKAGE_KINDS = (
    "package-upgraded",
    "package-downgraded",
    "package-added",
    "package-removed",
    "package-source-changed",
    "package-build-changed",
)
FACT_KINDS = ("python-changed", "platform-changed", "gpu-changed")
GENERATORS = {
    "python": "Python random",
    "numpy": "NumPy global random",
    "torch_cpu": "PyTorch CPU",
    "torch_cuda": "PyTorch CUDA",
}
MAX_NAMED = 4
MAX_COUNTS = 8
UNKNOWN = "unknown"


def likely_causes(
    recorded_env=None,
    now_env=None,
    recorded_run=None,
    now_run=None,
    recorded_previous_run=None,
    now_previous_run=None,
    edited=False,
    order_problem=None,
    data_causes=(),
    imported_before=(),
    fonts=None,
    weak_signs=True,
):
    """Sentences, likeliest first; ``[UNKNOWN]`` when nothing explains the difference.

    ``*_env``: the environments of the cell's snapshots; ``*_run``: its run
    records; ``*_previous_run``: the run records of the code cell run just
    before it (None for the first); ``edited``: its source changed since it
    ran; ``order_problem``: the sentence ``order_problems`` gave the cell;
    ``imported_before``: what the notebook's earlier cells imported (a cell
    uses what an earlier cell imported, and a run record names only the
    modules its own cell's import statements load); ``fonts``: the sentence
    ``record.fonts.differ`` gave a cell whose figure differs; ``weak_signs``: False
    leaves out the weaker signs (for a cell that raised, which they do not explain).
    """
    strong, weak = [], []
    if edited:
        strong.append(
            "hidden state: the cell was edited after it ran, so its recorded outputs "
            "come from other code"
        )
    for item in stale_modules(recorded_run):
        strong.append(
            "the recording ran %s %s, loaded before %s without a restart; the re-run loads "
            "the installed one"
            % (
                item["distribution"],
                item["loaded"],
                "%s was uninstalled" % item["distribution"]
                if item["installed"] is None
                else "%s %s was installed" % (item["distribution"], item["installed"]),
            )
        )
    if fonts:
        strong.append(fonts)
    if recorded_env is not None and now_env is not None:
        used = used_modules(recorded_run) | used_modules(now_run) | set(imported_before)
        imported, other, facts = drifted(recorded_env, now_env, used)
        if imported:
            strong.append(
                "a drifted package the notebook imported by this cell: " + _names(imported)
            )
        strong.extend(facts)
        if other:
            weak.append(
                "packages the notebook had not imported by this cell differ too: " + _names(other)
            )
    drawn = drawn_generators(recorded_run, now_run, recorded_previous_run, now_previous_run)
    if drawn:
        strong.append(
            "unseeded randomness: this cell drew from the %s generator%s, whose state differs "
            "from the recording's" % (" and ".join(drawn), "s" if len(drawn) > 1 else "")
        )
    for sentence in data_causes:
        if not (drawn and sentence.startswith("unseeded randomness: this cell")):
            strong.append(sentence)
    if order_problem:
        strong.append(order_problem)
    if recorded_previous_run is None and now_previous_run is None:
        # Nothing tells whether the cell drew (Python's generator differs
        # between any two kernels): only the "unseeded" status speaks.
        unseeded = _unseeded(recorded_run, now_run)
        if unseeded:
            weak.insert(0, unseeded)
    return strong + (weak if weak_signs else []) or [UNKNOWN]


def stale_modules(run):
    """The modules a run kept from before an install (``run.stale``), by distribution."""
    stale = (run.get("stale") if run else None) or {}
    return sorted(stale.values(), key=lambda item: item["distribution"])


def used_modules(run):
    """The distributions a run record's imports map to (a module maps to a
    name, null or, for a shared namespace package, a list of names)."""
    modules = run.get("modules") if run else None
    used = set()
    for value in (modules or {}).values():
        for name in value if isinstance(value, list) else (value,):
            if name:
                used.add(name)
    return used


def drifted(recorded_env, now_env, used):
    """``(imported, other, facts)``: package changes as ``(name, before, after)`` split by
    whether ``used`` names them, and sentences for Python, platform and GPU changes."""
    report = compare(
        side_from_environment(recorded_env),
        side_from_environment(now_env),
        {"used": sorted(used)},
    )
    imported, other, facts = [], [], []
    for item in report["differences"]:
        kind = item["kind"]
        if kind in PACKAGE_KINDS:
            change = (item["name"], item.get("before"), item.get("after"))
            (imported if item.get("used") else other).append(change)
        elif kind == "python-changed":
            facts.append("Python changed: %s → %s" % (item["before"], item["after"]))
        elif kind in FACT_KINDS:
            area = "platform" if kind == "platform-changed" else "GPU"
            facts.append(
                "%s %s changed: %s → %s" % (area, item["name"], item["before"], item["after"])
            )
    return imported, other, facts


def _names(changes):
    texts = []
    for name, before, after in changes[:MAX_NAMED]:
        if before is None:
            texts.append("%s %s added" % (name, after))
        elif after is None:
            texts.append("%s %s removed" % (name, before))
        else:
            texts.append("%s %s → %s" % (name, before, after))
    if len(changes) > MAX_NAMED:
        texts.append("and %d more" % (len(changes) - MAX_NAMED))
    return ", ".join(texts)


def _fingerprints(run):
    seeds = run.get("seeds") if run else None
    return seeds["fingerprints"] if seeds else {}


def drawn_generators(recorded_run, now_run, recorded_previous_run, now_previous_run):
    """Names of the global generators the cell advanced (in either run) whose state
    after the cell differs between the runs. Without the run before it nothing
    tells whether the cell drew, so the first cell gets none."""
    after_then, after_now = _fingerprints(recorded_run), _fingerprints(now_run)
    before_then = _fingerprints(recorded_previous_run) if recorded_previous_run else None
    before_now = _fingerprints(now_previous_run) if now_previous_run else None
    drawn = []
    for key in sorted(set(after_then) & set(after_now)):
        if after_then[key] == after_now[key]:
            continue
        advanced = (before_then is not None and before_then.get(key) != after_then[key]) or (
            before_now is not None and before_now.get(key) != after_now[key]
        )
        if advanced:
            drawn.append(GENERATORS.get(key, key))
    return drawn


def _unseeded(recorded_run, now_run):
    statuses = [
        run["seeds"]["status"] for run in (recorded_run, now_run) if run and run.get("seeds")
    ]
    if "unseeded" not in statuses:
        return None
    then, now = _fingerprints(recorded_run), _fingerprints(now_run)
    changed = [GENERATORS.get(k, k) for k in sorted(set(then) & set(now)) if then[k] != now[k]]
    if not changed:
        return None
    return (
        "unseeded randomness: no seed had been set when this cell ran, and the state of "
        "the %s generator%s differs" % (" and ".join(changed), "s" if len(changed) > 1 else "")
    )


def order_problems(counts):
    """{position: sentence} for the cells whose recording ran after something other than
    the cells above it, top to bottom, once each.

    ``counts``: the recorded execution counts of the notebook's non-empty code
    cells in order (None for a cell that did not run); positions index it. A
    top-to-bottom run gives 1, 2, 3, ...; from the first cell where that does
    not hold, every later cell may have seen state the re-run will not build.
    """
    first = next((p for p, count in enumerate(counts) if count != p + 1), None)
    if first is None:
        return {}
    shown = range(max(0, first + 1 - MAX_COUNTS), first + 1)
    sentence = (
        "hidden state: the recording did not run the cells above it top to bottom once each "
        "(execution counts %s where a fresh run gives %s)"
        % (_counts(counts[i] for i in shown), _counts(i + 1 for i in shown))
    )
    return {position: sentence for position in range(first, len(counts))}


def _counts(values):
    return ", ".join("-" if value is None else "[%d]" % value for value in values)


# -- causes that follow the data ------------------------------------------------------


def dependencies(runs, sources=None):
    """For each position, {earlier position: [names]} of the cells it depends on,
    directly or through other cells: a cell depends on the latest earlier cell that
    bound a name it reads, and on the latest earlier cell that wrote a file it opened
    or names in its source (``!cat out.csv``; shown as ``file out.csv``).
    ``runs``: the recorded run records in notebook order, each with the names its
    cell binds and reads (``runner.with_names``); ``sources``: the cells' sources,
    in the same order."""
    direct = []
    definer, writer = {}, {}
    for position, run in enumerate(runs):
        inputs = run["inputs"]
        mine = {}
        for name in inputs.get("reads", ()):
            if name in definer:
                mine.setdefault(definer[name], []).append(name)
        source = sources[position] if sources else ""
        opened = set(_paths(inputs, "r"))
        for path, q in writer.items():
            if path in opened or (path in source):
                mine.setdefault(q, []).append("file " + path)
        direct.append(mine)
        for name in inputs.get("defines", ()):
            definer[name] = position
        for path in _paths(inputs, "w"):
            writer[path] = position
    closed = []
    for mine in direct:
        everything = {q: list(names) for q, names in mine.items()}
        for q in sorted(mine, reverse=True):
            for r, names in closed[q].items():
                everything.setdefault(r, list(names))
        closed.append(everything)
    return closed


def _paths(inputs, mode):
    return [item["path"] for item in inputs.get("files", ()) if item["mode"] == mode]


def follow_data(position, runs, numbers, changed_inputs, depends=None):
    """Sentences for the cell at ``position``: changed inputs it or a cell it depends
    on read, unseeded draws, clock and network use, in that order. ``numbers``: the
    cells' 1-based numbers; ``changed_inputs``: {path: "changed" | "missing"}."""
    depends = depends if depends is not None else dependencies(runs)[position]
    sources = [(position, None)] + [(q, depends[q]) for q in sorted(depends, reverse=True)]
    changed, drew, clock, network = [], [], [], []
    for q, names in sources:
        inputs = runs[q]["inputs"]
        who = "this cell" if names is None else "cell %d" % numbers[q]
        via = (
            "" if names is None else "; this cell depends on its %s" % ", ".join(names[:MAX_NAMED])
        )
        for item in inputs.get("files", ()):
            path = item["path"]
            if item["mode"] == "r" and path in (changed_inputs or {}):
                how = "is gone" if changed_inputs[path] == "missing" else "changed"
                text = "input data %s: %s (read by %s%s)" % (how, path, who, via)
                if text not in changed:
                    changed.append(text)
        outside = (inputs.get("outside") or {}).get("count") or 0
        if outside:
            text = (
                "input data outside the project: %s read %d file%s by a path nbrepro does not "
                "record (absolute, or above the home folder), which the bundle does not carry "
                '(its README lists it under "Files the bundle lacks")%s'
                % (who, outside, "" if outside == 1 else "s", via)
            )
            if text not in changed:
                changed.append(text)
        seeds = runs[q].get("seeds")
        status = seeds["status"] if seeds else None
        generators = [GENERATORS.get(k, k) for k in inputs.get("drew", ())]
        if generators and status != "seeded":
            drew.append(
                "unseeded randomness: %s drew from the %s generator%s with no seed set%s"
                % (who, " and ".join(generators), "s" if len(generators) > 1 else "", via)
            )
        calls = inputs.get("clock", ())
        if calls:
            clock.append(
                "time dependence: %s reads the clock (%s)%s"
                % (who, ", ".join(calls[:MAX_NAMED]), via)
            )
        if inputs.get("network", 0) > 0:
            network.append(
                "network dependence: %s connected to the network (%d connection%s)%s"
                % (who, inputs["network"], "" if inputs["network"] == 1 else "s", via)
            )
    return changed + drew[:MAX_NAMED] + clock[:MAX_NAMED] + network[:MAX_NAMED]
