"""What a cell read and imported, relative to the notebook's project (issues 20 and 21),
in one real ipykernel: modules found through sys.path entries inside the project, files
opened inside it, what lies outside it named by the path the cell used, reads that are
no reads (a failed open, a tool's cache) left out, private files named but never hashed."""

import hashlib
import os
import time

import pytest
from kernel_helpers import start_kernel, stop_kernel

from nbrepro.run import kernel as kernel_bridge

pytestmark = pytest.mark.kernel

OPTIONS = {"gpu": False}


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    """proj/ (a git work tree) with notebooks/topic/, a package two folders up, data
    and a stylesheet in sibling folders; a folder beside the project; a cache folder."""
    base = tmp_path_factory.mktemp("layout")
    root = base / "proj"
    folder = root / "notebooks" / "topic"
    folder.mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "mypackage").mkdir()
    (root / "mypackage" / "__init__.py").write_text("")
    (root / "mypackage" / "models.py").write_text("def answer():\n    return 42\n")
    (root / "lib").mkdir()
    (root / "lib" / "helper.py").write_text("X = 41\n")
    (root / "data").mkdir()
    (root / "data" / "x.csv").write_text("a,b\n1,2\n")
    (root / "styles").mkdir()
    (root / "styles" / "custom.css").write_text("body { color: red }\n")
    (root / ".env").write_text("TOKEN=hunter2\n")
    (root / "data" / "id_rsa").write_text("-----BEGIN KEY-----\n")
    beside = base / "shared"
    (beside / "lib").mkdir(parents=True)
    (beside / "lib" / "far.py").write_text("Y = 1\n")
    (beside / "table.csv").write_text("1\n")
    (beside / ".hidden").mkdir()
    (beside / ".hidden" / "data.csv").write_text("2\n")
    cache = base / "cache"
    (cache / "matplotlib").mkdir(parents=True)
    (cache / "matplotlib" / "fontlist.json").write_text("{}")
    return {"base": base, "root": root, "folder": folder, "cache": cache}


@pytest.fixture(scope="module")
def recorded(layout):
    folder = layout["folder"]
    kernel = start_kernel(folder, extra_env={"XDG_CACHE_HOME": str(layout["cache"])})
    try:
        kernel_bridge.collect_in_kernel(kernel.client, OPTIONS, timeout=60)
        cells = [
            "import sys\nsys.path.append('../..')\nfrom mypackage.models import answer\n"
            "sys.path.append('../../lib')\nimport helper",
            "rows = open('../../data/x.csv').read()\ncss = open('../../styles/custom.css').read()",
            "try:\n    open('settings.ini')\nexcept OSError:\n    pass\n"
            "fonts = open(%r).read()" % str(layout["cache"] / "matplotlib" / "fontlist.json"),
            "sys.path.append('../../../shared/lib')\nimport far\n"
            "t = open('../../../shared/table.csv').read()\n"
            "h = open('../../../shared/.hidden/data.csv').read()\n"
            "a = open(%r).read()" % str(layout["base"] / "shared" / "table.csv"),
            "e = open('../../.env').read()\nk = open('../../data/id_rsa').read()",
        ]
        for index, code in enumerate(cells):
            kernel.execute(code, "cell-%d" % index)
        result = kernel_bridge.collect_in_kernel(kernel.client, OPTIONS, timeout=60)
    finally:
        stop_kernel(kernel)
    return [result["runs"][cell["run"]].get("inputs", {}) for cell in result["cells"]]


def test_modules_through_sys_path_entries_inside_the_project(recorded):
    first = recorded[0]
    assert first["notebook_dir"] == "notebooks/topic"
    assert first["local_modules"] == {"helper": "lib/helper.py", "mypackage": "mypackage"}


def test_files_opened_inside_the_project_by_their_project_path(recorded, layout):
    second = recorded[1]
    data = (layout["root"] / "data" / "x.csv").read_bytes()
    assert [(f["path"], f["mode"]) for f in second["files"]] == [
        ("data/x.csv", "r"),
        ("styles/custom.css", "r"),
    ]
    assert second["files"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    assert "outside" not in second


def test_a_failed_open_and_a_tools_cache_are_no_inputs(recorded):
    third = recorded[2]
    assert "files" not in third and "outside" not in third


def test_what_lies_outside_is_counted_and_named_by_the_path_the_cell_used(recorded, layout):
    fourth = recorded[3]
    # Three reads outside: two by a relative path (named), one by an absolute path (counted).
    assert fourth["outside"]["count"] == 3
    named = {item["path"]: item for item in fourth["outside"]["files"]}
    assert set(named) == {"../../../shared/table.csv", "../../../shared/.hidden/data.csv"}
    table = named["../../../shared/table.csv"]
    assert (table["size"], table["sha256"]) == (2, hashlib.sha256(b"1\n").hexdigest())
    hidden = named["../../../shared/.hidden/data.csv"]
    assert hidden == {"path": "../../../shared/.hidden/data.csv", "mode": "r", "private": True}
    assert fourth["outside_modules"]["far"] == "../../../shared/lib/far.py"
    assert str(layout["base"]) not in repr(recorded)  # relative facts only


def test_private_files_are_named_never_hashed(recorded):
    fifth = recorded[4]
    assert fifth["files"] == [
        {"path": ".env", "mode": "r", "private": True},
        {"path": "data/id_rsa", "mode": "r", "private": True},
    ]


def test_reads_under_system_and_hidden_folders_are_counted(tmp_path):
    """README promises that a file outside the folder is counted: /opt, /etc and
    hidden folders were not (issue 20, defect 10)."""
    hidden = tmp_path.parent / (".data-%d" % time.time_ns())
    hidden.mkdir()
    (hidden / "x.csv").write_text("1\n")
    readable = next(
        (p for p in ("/etc/hostname", "/etc/issue") if os.path.isfile(p)),
        None,
    )
    if readable is None:
        pytest.skip("no small readable file under /etc")
    kernel = start_kernel(tmp_path)
    try:
        kernel_bridge.collect_in_kernel(kernel.client, OPTIONS, timeout=60)
        kernel.execute("a = open(%r).read()" % readable, "c1")
        kernel.execute("b = open(%r).read()" % str(hidden / "x.csv"), "c2")
        result = kernel_bridge.collect_in_kernel(kernel.client, OPTIONS, timeout=60)
    finally:
        stop_kernel(kernel)
    first, second = [result["runs"][c["run"]].get("inputs", {}) for c in result["cells"]]
    assert first["outside"] == {"count": 1}
    assert second["outside"] == {"count": 1}
