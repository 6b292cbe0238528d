"""What every test gets: the markers that say what it starts, a guard that holds them
true, and the fixtures built once per session (harness.py says how)."""

import json
import os

import kernel_helpers
import pytest
from harness import KINDS, ProcessWatch, Recorder, Shelf, Venvs, uses

pytest_plugins = ("pytest_jupyter.jupyter_server",)

WHY = {
    "kernel": "starts a real kernel",
    "venv": "builds a virtual environment or runs pip",
    "browser": "starts a browser",
}
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


def pytest_collection_modifyitems(config, items):
    """A test that uses a fixture marked ``uses(...)`` (through any chain of fixtures)
    gets those markers."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        kinds = set()
        for name in item.fixturenames:
            for fixturedef in info.name2fixturedefs.get(name, ()) if info else ():
                kinds |= getattr(fixturedef.func, "nbrepro_uses", frozenset())
        for kind in sorted(kinds):
            if item.get_closest_marker(kind) is None:
                item.add_marker(kind)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _watch.start()
    try:
        return (yield)
    finally:
        _watch.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Fail a test that started a kernel, a venv build or pip, or a browser without the
    marker that says so: the fast lane (-m "not kernel and not venv and not browser")
    must never start one."""
    report = yield
    item.stash[_seconds] = item.stash.get(_seconds, 0.0) + report.duration
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
    missing = [kind for kind in KINDS if kind in found and item.get_closest_marker(kind) is None]
    if missing and not item.stash.get(_failed, False):
        item.stash[_failed] = True
        lines = ["this test %s, but is not marked so:" % " and ".join(WHY[k] for k in missing)]
        for kind in missing:
            for argv in found[kind][:3]:
                lines.append("  %s: %s" % (kind, " ".join(argv)[:300]))
        lines.append(
            "mark it (@pytest.mark.%s), or mark the fixture that does it with "
            "@harness.uses(%s)" % (missing[0], ", ".join(repr(k) for k in missing))
        )
        report.outcome = "failed"
        report.longrepr = "\n".join(lines)
    return report
