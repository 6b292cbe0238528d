"""What every test gets: the markers that say what it starts, a guard that holds them
true, and the fixtures built once per session (harness.py says how)."""

import json
import os
from pathlib import Path

import kernel_helpers
import pytest
from harness import (
    KINDS,
    NO_COMPILE,
    ProcessWatch,
    Recorder,
    Shelf,
    Venvs,
    unexpected_skip,
    unmarked,
    uses,
)

pytest_plugins = ("pytest_jupyter.jupyter_server",)

# Every pip the tests run (run.sh's venv builds, a kernel's %pip, Snakemake's deploy
# scripts) leaves compiling to Python's first import: see harness.NO_COMPILE.
os.environ.setdefault("PIP_NO_COMPILE", NO_COMPILE)

_watch = ProcessWatch()
_failed = pytest.StashKey[bool]()
_seconds = pytest.StashKey[float]()


@pytest.fixture
def jp_server_config(jp_server_config):
    return {
        "ServerApp": {
            "jpserver_extensions": {"nbrepro": True},
            "allow_unauthenticated_access": False,
        }
    }


@pytest.fixture(autouse=True, scope="session")
def _private_environment_cache(tmp_path_factory):
    """Environments built from bundles (nbrepro verify, run.sh) go into a cache of
    the test session's own, never the user's ~/.cache/nbrepro."""
    import os

    folder = tmp_path_factory.mktemp("nbrepro-cache")
    old = os.environ.get("NBREPRO_CACHE_DIR")
    os.environ["NBREPRO_CACHE_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("NBREPRO_CACHE_DIR", None)
    else:
        os.environ["NBREPRO_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def shelf(tmp_path_factory):
    return Shelf(tmp_path_factory)


@pytest.fixture(scope="session")
@uses("venv")
def venvs(shelf):
    """``venvs.get(*requirements)``: a venv built once per session (harness.Venvs)."""
    return Venvs(shelf)


@pytest.fixture(scope="session")
@uses("kernel")
def record(shelf, tmp_path_factory):
    """``record(cells, ...)``: a notebook recorded by ``nbrepro run``, a fresh copy each
    call, recorded once per session for each distinct content (harness.Recorder)."""
    return Recorder(shelf, tmp_path_factory)


@pytest.fixture
@uses("kernel")
def kernel(tmp_path):
    """A fresh python3 kernel of this interpreter (kernel_helpers.start_kernel)."""
    started = kernel_helpers.start_kernel(tmp_path)
    yield started
    kernel_helpers.stop_kernel(started)


# -- markers that mean something ------------------------------------------------------


# Rough cost of a test for the order they run in: building venvs and running pip take
# tens of seconds, a kernel a few, the rest well under one. durations.json holds the
# measured seconds (setup + call + teardown) of the longest tests, which beat the guess:
# regenerate it with `python test/python/durations.py LOG` from a run with --durations=60.
COST = {"venv": 30.0, "kernel": 5.0}
DURATIONS = json.loads((Path(__file__).parent / "durations.json").read_text())


def _cost(item):
    known = DURATIONS.get(item.nodeid)
    if known is not None:
        return known
    return max([COST.get(k, 0.0) for k in KINDS if item.get_closest_marker(k)] + [0.1])


def _fixturedefs(item):
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return []
    return [d for name in item.fixturenames for d in info.name2fixturedefs.get(name, ())]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Markers, then the order and grouping pytest-xdist works with.

    - A test that uses a fixture marked ``uses(...)`` (through any chain of fixtures)
      gets those markers.
    - Tests that share a module-scoped fixture are one xdist group (``--dist
      loadgroup`` keeps a group on one worker, so the fixture is made once); the
      other tests go to whichever worker is free. Session-scoped things built once
      for all workers live on the shelf (harness.Shelf).
    - The costliest work comes first, so that no worker is left with a long test at
      the end while the other one idles. A unit of work is an xdist group (its tests
      keep their order) or a test of no group; its cost is its tests' measured or
      guessed seconds (``_cost``).
    """
    units = {}
    for item in items:
        kinds = set()
        wide = False
        for fixturedef in _fixturedefs(item):
            kinds |= getattr(fixturedef.func, "nbrepro_uses", frozenset())
            wide = wide or fixturedef.scope in ("module", "class", "package")
        for kind in sorted(kinds):
            if item.get_closest_marker(kind) is None:
                item.add_marker(kind)
        if wide and item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
        group = item.get_closest_marker("xdist_group")
        key = ("group", _group_name(group)) if group else ("test", item.nodeid)
        unit = units.setdefault(key, [0.0, []])
        unit[0] += _cost(item)
        unit[1].append(item)
    ordered = sorted(units.values(), key=lambda unit: -unit[0])
    items[:] = [item for _cost, unit in ordered for item in unit]
    if getattr(config.option, "loadgroup", False):  # on the workers of --dist loadgroup
        for key, (_total, unit) in units.items():
            if key[0] == "group":
                for item in unit:
                    _join_group(item, key[1])


def _group_name(marker):
    return marker.kwargs.get("name", marker.args[0] if marker.args else "default")


def _join_group(item, group):
    """Put ``item`` in its xdist group: ``--dist loadgroup`` reads the group from the
    test's id, ``path::test@group``. pytest-xdist 3.8 appends it to ``item._nodeid``,
    which pytest 9 no longer reads (``Node.nodeid`` is ``str(item._id)``), so every
    group was split over the workers and each made its module's fixtures again."""
    nodeid = "%s@%s" % (item.nodeid, group)
    if hasattr(item, "_id"):
        from _pytest.nodeid import coerce_node_id

        item._id = coerce_node_id(nodeid)
    item._nodeid = nodeid


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _watch.start()
    try:
        return (yield)
    finally:
        _watch.stop()


def _fail_an_unexpected_skip(report):
    """Under scripts/test.sh (NBREPRO_EVERY_TEST=1) a skip fails unless its reason is a
    fact of the machine (harness.MACHINE_FACTS): the full command runs every test."""
    if not (report.skipped and os.environ.get("NBREPRO_EVERY_TEST")):
        return False
    if hasattr(report, "wasxfail"):
        return False
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    message = unexpected_skip(reason)
    if message is None:
        return False
    report.outcome = "failed"
    report.longrepr = message
    return True


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    """A module skipped whole (pytest.importorskip at its top) is held to the same rule."""
    report = yield
    _fail_an_unexpected_skip(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Fail a test that started a kernel, a venv build or pip, or a browser without the
    marker that says so: the fast lane (-m "not kernel and not venv and not browser")
    must never start one. Fail an unexpected skip under scripts/test.sh."""
    report = yield
    item.stash[_seconds] = item.stash.get(_seconds, 0.0) + report.duration
    if _fail_an_unexpected_skip(report):
        return report
    if not _watch.supported:
        return report
    found = _watch.found()
    log = os.environ.get("NBREPRO_MARKS_LOG")
    if log and report.when == "teardown":
        # what each test started and what it is marked: to find marks that are too wide
        line = {
            "test": item.nodeid,
            "started": sorted(found),
            "marked": [k for k in KINDS if item.get_closest_marker(k) is not None],
            "seconds": round(item.stash[_seconds], 2),
        }
        with open(log, "a") as handle:
            handle.write(json.dumps(line) + "\n")
    message = unmarked(found, [k for k in KINDS if item.get_closest_marker(k) is not None])
    if message and not item.stash.get(_failed, False):
        item.stash[_failed] = True
        report.outcome = "failed"
        report.longrepr = message
    return report
