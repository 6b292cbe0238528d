"""POST /nbrepro/export in a real Jupyter Server, on a notebook `nbrepro run` recorded."""

import json
import os
import zipfile

import nbformat
import pytest
from tornado.httpclient import HTTPClientError

from nbrepro.capture.session import source_id

CELLS = ["import random\nrandom.seed(3)\nvalue = random.random()", "print(value * 2)"]


@pytest.fixture(scope="module")
def recorded(record):
    """A notebook run once by `nbrepro run` (a real kernel), copied into each test's root."""
    path = record(
        [nbformat.v4.new_markdown_cell("# Export me"), *CELLS],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        name="analysis.ipynb",
    )
    return path.read_text(encoding="utf-8")


def gate_only(findings):
    """The findings about the notebook itself: the kernel here runs in the
    project's venv, whose editable nbrepro and torch `+cpu` no index has, so
    every export of it also reports those (test_export_wheels covers them)."""
    return [f for f in findings if f["kind"] != "not-fetchable"]


def top_level(names):
    return sorted(set(name.split("/")[0] for name in names))


def put(root, relative, text):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


async def post(jp_fetch, **body):
    response = await jp_fetch("nbrepro", "export", method="POST", body=json.dumps(body))
    return response.code, json.loads(response.body)


async def refused(jp_fetch, **body):
    with pytest.raises(HTTPClientError) as failure:
        await post(jp_fetch, **body)
    return failure.value.code, json.loads(failure.value.response.body)


def edited(text):
    nb = nbformat.reads(text, as_version=4)
    nb.cells[2].source = "print(value * 3)"
    return nbformat.writes(nb)


async def test_check_only_lists_what_the_gate_finds_and_writes_nothing(
    jp_fetch, jp_root_dir, recorded
):
    put(jp_root_dir, "work/clean.ipynb", recorded)
    put(jp_root_dir, "work/edited.ipynb", edited(recorded))

    code, body = await post(jp_fetch, path="work/clean.ipynb", check_only=True)
    assert code == 200
    assert list(body) == ["findings", "carried", "left_out", "builds", "outputs"]
    assert gate_only(body["findings"]) == []
    assert body["carried"] == body["left_out"] == []  # it reads no file of its folder
    assert body["builds"] == []  # the editable nbrepro of this venv is outside the project
    # The dialog names what an export would write beside the notebook.
    assert body["outputs"] == {"folder": "clean-bundle", "zip": "clean-bundle.zip"}

    code, body = await post(jp_fetch, path="work/edited.ipynb", check_only=True)
    assert code == 200
    kinds = {finding["kind"]: finding for finding in gate_only(body["findings"])}
    assert kinds["edited-after-run"]["cells"] == [3]
    assert "changed after running" in kinds["edited-after-run"]["message"]
    assert sorted(os.listdir(jp_root_dir / "work")) == ["clean.ipynb", "edited.ipynb"]


async def test_a_notebook_without_records_is_refused_with_what_to_do(jp_fetch, jp_root_dir):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1", execution_count=4)]
    put(jp_root_dir, "bare.ipynb", nbformat.writes(nb))
    code, body = await refused(jp_fetch, path="bare.ipynb")
    assert code == 400
    assert "no recorded environment" in body["message"]
    assert "nbrepro run" in body["message"]
    # Issue 14: the dialog's check works on it too, and shows the author's evidence.
    code, body = await post(jp_fetch, path="bare.ipynb", check_only=True)
    assert code == 200
    kinds = [finding["kind"] for finding in body["findings"]]
    assert kinds == ["not-one-pass", "unrecorded", "unrecorded"]
    assert "nbrepro run NOTEBOOK" in body["findings"][1]["message"]
    assert os.listdir(jp_root_dir) == ["bare.ipynb"]


async def test_paths_outside_the_root_are_refused(jp_fetch, jp_root_dir, tmp_path, recorded):
    outside = put(tmp_path / "outside", "secret.ipynb", recorded)
    (jp_root_dir / "sub").mkdir()
    os.symlink(outside, jp_root_dir / "link.ipynb")
    os.symlink(outside.parent, jp_root_dir / "sub" / "escape")
    attempts = {
        "../outside/secret.ipynb": "leads out",
        "sub/../../outside/secret.ipynb": "leads out",
        "sub\\..\\..\\outside\\secret.ipynb": "leads out",
        str(outside): "absolute path",
        "C:/Users/x/secret.ipynb": "absolute path",
        "link.ipynb": "outside Jupyter's root",
        "sub/escape/secret.ipynb": "outside Jupyter's root",
        "sub/notes.txt": "not a notebook",
        "": "no notebook path",
    }
    for path, words in attempts.items():
        for check_only in (True, False):
            code, body = await refused(jp_fetch, path=path, check_only=check_only)
            assert code == 400, path
            assert words in body["message"], (path, body)
    assert sorted(os.listdir(outside.parent)) == ["secret.ipynb"]

    code, body = await refused(jp_fetch, path="sub/missing.ipynb", check_only=True)
    assert code == 404 and "no notebook at 'sub/missing.ipynb'" in body["message"]
    code, body = await refused(jp_fetch, path="x.ipynb", format="tar")
    assert code == 400 and "format must be" in body["message"]


async def test_a_link_inside_the_root_is_followed(jp_fetch, jp_root_dir, recorded):
    put(jp_root_dir, "real/analysis.ipynb", recorded)
    os.symlink(jp_root_dir / "real" / "analysis.ipynb", jp_root_dir / "alias.ipynb")
    code, body = await post(jp_fetch, path="alias.ipynb", check_only=True)
    assert code == 200 and gate_only(body["findings"]) == []


async def test_export_requires_authentication(jp_fetch):
    with pytest.raises(HTTPClientError) as failure:
        await jp_fetch(
            "nbrepro",
            "export",
            method="POST",
            body=json.dumps({"path": "x.ipynb", "check_only": True}),
            headers={"Authorization": "token wrong"},
        )
    assert failure.value.code == 403


async def test_export_writes_a_folder_beside_the_notebook_then_409_then_force(
    jp_fetch, jp_root_dir, recorded
):
    put(jp_root_dir, "work/My Analysis.ipynb", recorded)
    code, body = await post(jp_fetch, path="work/My Analysis.ipynb")
    assert code == 200, body
    assert body["output"] == "work/My_Analysis-bundle"
    assert body["format"] == "folder"
    assert gate_only(body["findings"]) == []
    assert isinstance(body["untranslated"], list)
    folder = jp_root_dir / "work" / "My_Analysis-bundle"
    on_disk = sorted(os.listdir(folder))
    assert on_disk == top_level(body["files"])
    for name in ("manifest.json", "run.sh", "My_Analysis.py", "My_Analysis.ipynb"):
        assert name in on_disk
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["script"] == "My_Analysis.py"
    script = (folder / "My_Analysis.py").read_text()
    assert "random.seed(3)" in script and "print(value * 2)" in script
    written = nbformat.read(str(folder / "My_Analysis.ipynb"), as_version=4)
    assert [c.source for c in written.cells if c.cell_type == "code"] == CELLS
    assert os.access(folder / "run.sh", os.X_OK)

    (folder / "marker").write_text("left by the first export")
    code, body = await refused(jp_fetch, path="work/My Analysis.ipynb")
    assert code == 409
    assert body["output"] == "work/My_Analysis-bundle"
    assert "already exists" in body["message"]
    assert (folder / "marker").exists()

    code, body = await post(jp_fetch, path="work/My Analysis.ipynb", force=True)
    assert code == 200
    assert not (folder / "marker").exists()
    assert sorted(os.listdir(jp_root_dir / "work")) == ["My Analysis.ipynb", "My_Analysis-bundle"]


async def test_force_never_replaces_a_folder_that_is_not_a_bundle(jp_fetch, jp_root_dir, recorded):
    put(jp_root_dir, "nb.ipynb", recorded)
    put(jp_root_dir, "nb-bundle/thesis.tex", "precious")
    code, body = await refused(jp_fetch, path="nb.ipynb", force=True)
    assert code == 400
    assert "not an nbrepro bundle" in body["message"]
    assert (jp_root_dir / "nb-bundle" / "thesis.tex").read_text() == "precious"


async def test_zip_export(jp_fetch, jp_root_dir, recorded):
    put(jp_root_dir, "nb.ipynb", recorded)
    code, body = await post(jp_fetch, path="nb.ipynb", format="zip")
    assert code == 200
    assert body["output"] == "nb-bundle.zip" and body["format"] == "zip"
    with zipfile.ZipFile(jp_root_dir / "nb-bundle.zip") as archive:
        names = archive.namelist()
    assert sorted(names) == sorted("nb/" + name for name in body["files"])
    assert "nb/manifest.json" in names and "nb/run.sh" in names
    # The reply carries the README the zip holds: the toast shows it.
    with zipfile.ZipFile(jp_root_dir / "nb-bundle.zip") as archive:
        assert body["readme"] == archive.read("nb/README.md").decode("utf-8")
    assert "run.sh" in body["readme"]


async def test_strict_stops_on_findings_and_writes_nothing(jp_fetch, jp_root_dir, recorded):
    put(jp_root_dir, "nb.ipynb", edited(recorded))
    code, body = await refused(jp_fetch, path="nb.ipynb", strict=True)
    assert code == 422
    assert "strict" in body["message"]
    assert [f["kind"] for f in gate_only(body["findings"])] == ["edited-after-run"]
    assert os.listdir(jp_root_dir) == ["nb.ipynb"]

    # Without strict the same findings are warnings, returned with the bundle.
    code, body = await post(jp_fetch, path="nb.ipynb")
    assert code == 200
    assert [f["kind"] for f in gate_only(body["findings"])] == ["edited-after-run"]
    manifest = json.loads((jp_root_dir / "nb-bundle" / "manifest.json").read_text())
    assert manifest["findings"] == body["findings"]


def test_fixture_cells_carry_the_hash_the_gate_checks(recorded):
    """The gate compares the recorded hash with the source; make sure the fixture has one."""
    nb = nbformat.reads(recorded, as_version=4)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.metadata["nbrepro"]["src"] for c in code_cells] == [source_id(c) for c in CELLS]


def with_input(text, path="data/x.csv"):
    """The recording, as if cell 2 had read ``path`` (the run record the audit hook writes)."""
    nb = nbformat.reads(text, as_version=4)
    runs = nb.metadata["nbrepro"]["runs"]
    run_id = nb.cells[1].metadata["nbrepro"]["run"]
    runs[run_id]["inputs"] = {"files": [{"path": path, "mode": "r", "size": 4}]}
    return nbformat.writes(nb)


async def test_check_only_names_inputs_the_bundle_would_lack(jp_fetch, jp_root_dir, recorded):
    put(jp_root_dir, "work/needs.ipynb", with_input(recorded))
    code, body = await post(jp_fetch, path="work/needs.ipynb", check_only=True)
    assert code == 200
    (finding,) = [f for f in body["findings"] if f["kind"] == "missing-inputs"]
    assert finding["cells"] == [2] and "data/x.csv (read by cell 2) is gone" in finding["message"]

    put(jp_root_dir, "work/data/x.csv", "a,b\n")
    code, body = await post(jp_fetch, path="work/needs.ipynb", check_only=True, data_limit=2)
    assert [f["kind"] for f in body["findings"] if "inputs" in f["kind"]] == ["large-inputs"]
    code, body = await post(jp_fetch, path="work/needs.ipynb", data_limit=2)
    assert code == 200 and "data/x.csv" not in body["files"]
    code, body = await post(jp_fetch, path="work/needs.ipynb", data_limit=1000, force=True)
    assert "data/x.csv" in body["files"]


@pytest.mark.parametrize("limit", [-1, "50M", True, 2**41, 1.5])
async def test_a_bad_data_limit_is_refused(jp_fetch, jp_root_dir, recorded, limit):
    put(jp_root_dir, "a.ipynb", recorded)
    code, body = await refused(jp_fetch, path="a.ipynb", data_limit=limit)
    assert code == 400 and "data_limit" in body["message"]


@pytest.mark.parametrize("limit", ["50", -1, True, [1], 2.5, 2**41])
async def test_a_wheel_limit_that_is_no_size_is_refused(jp_fetch, jp_root_dir, recorded, limit):
    put(jp_root_dir, "nb.ipynb", recorded)
    code, body = await refused(jp_fetch, path="nb.ipynb", check_only=True, wheel_limit=limit)
    assert code == 400 and "wheel_limit" in body["message"]
    assert os.listdir(jp_root_dir) == ["nb.ipynb"]


@pytest.mark.parametrize("value", ["yes", 1, None, [True]])
async def test_build_wheels_is_true_or_false(jp_fetch, jp_root_dir, recorded, value):
    """Issue 20, defect 4: whether the export may run the builds its check named."""
    put(jp_root_dir, "nb.ipynb", recorded)
    code, body = await refused(jp_fetch, path="nb.ipynb", build_wheels=value)
    assert code == 400 and "build_wheels must be true or false" in body["message"]


def test_two_forced_exports_at_once_both_succeed_and_leave_no_hidden_copy(
    tmp_path, recorded, monkeypatch
):
    """Issue 20, defect 13: forced exports of one notebook at once (the server runs
    each request in a thread: two tabs, a double click) could answer 400 and
    leave a hidden full copy of the old bundle for the server's lifetime (its
    temporary name carries the server's own pid, which the stale-file sweep
    keeps). Here the first export pauses right after moving the old bundle
    aside, for as long as the second needs to write, as a slow disk would."""
    import threading

    from nbrepro.errors import ExportError
    from nbrepro.export import bundle as bundles

    path = put(tmp_path, "nb.ipynb", recorded)
    target = tmp_path / "nb-bundle"
    bundles.export(path, target)
    replace, moved, second_done, failures = os.replace, threading.Event(), threading.Event(), []

    def pausing_replace(source, destination):
        replace(source, destination)
        if str(source) == str(target) and not moved.is_set():  # the old bundle, moved aside
            moved.set()
            second_done.wait(3)

    def export(done=None):
        try:
            bundles.export(path, target, force=True)
        except ExportError as error:
            failures.append(error)
        finally:
            if done is not None:
                done.set()

    monkeypatch.setattr(os, "replace", pausing_replace)
    first = threading.Thread(target=export)
    first.start()
    assert moved.wait(30)
    second = threading.Thread(target=export, args=(second_done,))
    second.start()
    first.join(60)
    second.join(60)
    assert failures == []
    assert sorted(os.listdir(tmp_path)) == ["nb-bundle", "nb.ipynb"]
    assert (target / "manifest.json").is_file()


def test_a_zip_that_appears_after_the_check_is_never_replaced(tmp_path, recorded, monkeypatch):
    """Issue 20, defect 13: without force, export checked that the zip was not
    there, then renamed its new zip over whatever was there by then."""
    from nbrepro.errors import ExportError
    from nbrepro.export import bundle as bundles

    path = put(tmp_path, "nb.ipynb", recorded)
    target = tmp_path / "nb-bundle.zip"
    checked = bundles._check_target

    def someone_writes_it_right_after_the_check(output, force):
        checked(output, force)
        output.write_bytes(b"the user's own zip")

    monkeypatch.setattr(bundles, "_check_target", someone_writes_it_right_after_the_check)
    with pytest.raises(ExportError, match="exists"):
        bundles.export(path, target)
    assert target.read_bytes() == b"the user's own zip"
    assert sorted(os.listdir(tmp_path)) == ["nb-bundle.zip", "nb.ipynb"]


def test_an_export_during_a_jupyter_save_reads_the_saved_notebook(tmp_path, recorded):
    """Issue 20, defect 13: Jupyter's contents manager saves in place (a backup
    copy, then the file written), so an export while it wrote read half a
    notebook (400). The save here is jupyter_server's own atomic_writing,
    holding the file half written for a second."""
    import threading
    import time

    from jupyter_server.services.contents.fileio import atomic_writing

    from nbrepro.server import requests

    path = put(tmp_path, "nb.ipynb", recorded)
    text = edited(recorded)
    half = threading.Event()

    def save():
        with atomic_writing(str(path)) as handle:
            handle.write(text[: len(text) // 2])
            handle.flush()
            half.set()
            time.sleep(1.0)
            handle.write(text[len(text) // 2 :])

    saver = threading.Thread(target=save)
    saver.start()
    try:
        assert half.wait(30)
        checked = requests.check_notebook(path)
    finally:
        saver.join()
    kinds = {finding["kind"] for finding in checked["findings"]}
    assert "edited-after-run" in kinds  # what the save wrote, read whole
