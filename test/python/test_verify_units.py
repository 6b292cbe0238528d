"""``nbrepro verify``'s pure parts: normalising, comparing, likely causes, bundles."""

import base64
import hashlib
import json
import struct
import zipfile
import zlib

import pytest

from nbrepro import cli
from nbrepro.record import manifest
from nbrepro.verify import bundle, causes, compare
from nbrepro.verify.normalize import final_state, normalize_text


def png(rgb):
    """A real 1x1 RGB PNG (what a plotting library would display)."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" + bytes(rgb)))
        + chunk(b"IEND", b"")
    )


def display(data, kind="display_data"):
    out = {"output_type": kind, "data": data, "metadata": {}}
    if kind == "execute_result":
        out["execution_count"] = 3
    return out


def stream(text, name="stdout"):
    return {"output_type": "stream", "name": name, "text": text}


# ------------------------------------------------------------ normalising


@pytest.mark.parametrize(
    "recorded, now",
    [
        ("<object object at 0x7f9c908c73a0>", "<object object at 0x7fe011223344>"),
        ("0x7ffd5a3c9e10", "0x7ffc00000000"),
        ("2026-11-21 19:14:41.137611", "2027-01-02 03:04:05.000001"),
        ("at 2026-11-21T19:14:41Z done", "at 2026-11-22T00:00:00Z done"),
        (
            "datetime.datetime(2026, 11, 21, 19, 14, 41, 137611)",
            "datetime.datetime(2027, 1, 2, 3, 4)",
        ),
        ("Sat Nov 21 19:14:41 2026", "Mon Jan  4 01:02:03 2027"),
        (
            "CPU times: user 3 ms, sys: 1 ms, total: 4 ms\nWall time: 4.2 ms",
            "CPU times: user 9 µs, sys: 0 ns, total: 9 µs\nWall time: 11 µs",
        ),
        (
            "81.2 ns ± 0.3 ns per loop (mean ± std. dev. of 7 runs, 10,000,000 loops each)",
            "79 ns ± 1.1 ns per loop (mean ± std. dev. of 7 runs, 10,000,000 loops each)",
        ),
        ("fitted in 3.2s", "fitted in 12.75 s"),
        ("wrote /tmp/tmpa1b2c3/out.csv", "wrote /tmp/tmpzz9/out.csv"),
        (
            "  0%|   | 0/3 [00:00<?, ?it/s]\r100%|###| 3/3 [00:01<00:00,  2.9it/s]",
            "100%|###| 3/3 [00:00<00:00, 812.3it/s]",
        ),
        ("x  \n\n", "x"),
    ],
)
def test_what_legitimately_varies_is_normalised(recorded, now):
    assert normalize_text(recorded) == normalize_text(now)
    assert compare.compare_text(recorded, now) is None


@pytest.mark.parametrize(
    "recorded, now",
    [
        ("0xff", "0xfe"),  # a short hex literal is data
        ("2026-11-21", "2026-11-22"),  # a bare date is data
        ("numpy 1.26.4", "numpy 1.26.5"),  # versions are text, compared exactly
        ("done", "Done"),
        ("/home/me/out.csv", "/home/you/out.csv"),
    ],
)
def test_data_is_not_normalised_away(recorded, now):
    assert compare.compare_text(recorded, now) is not None


def test_carriage_returns_keep_the_final_state_and_crlf_is_a_line_end():
    assert final_state("a\rb\rc\nd\r\ne") == "c\nd\ne"


# ------------------------------------------------------------ numbers


def test_numbers_compare_within_tolerance():
    assert compare.compare_text("0.1", "0.1000000000001") is None  # 1e-12 relative
    found = compare.compare_text("0.1", "0.1000000000001", rtol=0, atol=0)
    assert found["detail"] == "0.1 vs 0.1000000000001"
    assert compare.compare_text("mean 0.5 of 3", "mean 0.6 of 3", rtol=0.25) is None
    assert compare.compare_text("mean 0.5", "mean 0.6", rtol=0.01)["detail"] == "0.5 vs 0.6"
    assert compare.compare_text("x 0", "x 1e-13", atol=1e-12) is None
    assert compare.compare_text("nan inf -inf", "nan inf -inf") is None
    assert compare.compare_text("nan", "0.0") is not None
    assert compare.compare_text("1.0", "1") is None
    # integers: exact, unless within atol
    assert compare.compare_text("n = 100000000", "n = 100000001", rtol=1e-6) is not None
    assert compare.compare_text("n = 100000000", "n = 100000001", atol=1) is None


def test_number_layout_and_count():
    # NumPy pads columns to the widest number: the padding is not compared.
    assert compare.compare_text("[0.1        0.2       ]", "[0.1 0.2]") is None
    found = compare.compare_text("[1 2 3]", "[1 2]")
    assert found["recorded"] == "[1 2 3]" and found["now"] == "[1 2]"


def test_first_difference_is_shown_compactly():
    recorded = "line one\n" + "a" * 100 + " 1.5 " + "b" * 100
    found = compare.compare_text(recorded, recorded.replace("1.5", "1.7"))
    assert found["line"] == 2 and found["detail"] == "1.5 vs 1.7"
    assert "1.5" in found["recorded"] and "1.7" in found["now"]
    assert len(found["recorded"]) <= compare.EXCERPT + 2


# ------------------------------------------------------------ outputs


def test_streams_are_compared_per_name_whatever_the_chunks():
    recorded = [stream("a\nb"), stream("warn\n", "stderr"), stream("\nc\n")]
    now = [stream("a\n"), stream("b\nc\n"), stream("warn\n", "stderr")]
    assert compare.compare_outputs(recorded, now) == (None, [])
    found, _ = compare.compare_outputs(recorded, [stream("a\nb\nc\n")])
    assert found["where"] == "stderr"


def test_images_are_compared_by_pixels():
    red, blue = png((255, 0, 0)), png((0, 0, 255))
    encoded = base64.b64encode(red).decode()
    # Line breaks inside the base64 text do not matter: the decoded bytes do.
    wrapped = [encoded[:20] + "\n", encoded[20:]]
    recorded = [display({"image/png": encoded, "text/plain": "<Figure>"})]
    found, notes = compare.compare_outputs(
        recorded, [display({"image/png": wrapped, "text/plain": "<Figure>"})]
    )
    assert found is None and notes == ["output 1 image/png: same image"]

    now = [display({"image/png": base64.b64encode(blue).decode(), "text/plain": "<Figure>"})]
    found, notes = compare.compare_outputs(recorded, now)
    assert found["where"] == "output 1 image/png"
    assert found["detail"].startswith("different (max diff 255,")
    assert found["recorded"].startswith("1x1 dhash ")


def test_images_fall_back_to_their_bytes_without_pillow(monkeypatch):
    from nbrepro.verify import images

    monkeypatch.setattr(images, "pillow", lambda: None)
    red, blue = png((255, 0, 0)), png((0, 0, 255))
    recorded = [display({"image/png": base64.b64encode(red).decode()})]
    now = [display({"image/png": base64.b64encode(blue).decode()})]
    found, notes = compare.compare_outputs(recorded, now)
    assert found["detail"] == "different, compared by content hash (Pillow is not installed)"
    assert found["recorded"] == "sha256 " + hashlib.sha256(red).hexdigest()[:12]
    assert found["now"] == "sha256 " + hashlib.sha256(blue).hexdigest()[:12]
    assert compare.compare_outputs(recorded, recorded) == (
        None,
        ["output 1 image/png: same image"],
    )


def test_rich_outputs():
    plain = display(
        {"text/plain": "array([0.5])", "text/html": "<b id='x1'>0.5</b>"}, "execute_result"
    )
    other_html = display(
        {"text/plain": "array([0.5])", "text/html": "<b id='x2'>0.5</b>"}, "execute_result"
    )
    assert compare.compare_outputs([plain], [other_html])[0] is None  # text/plain wins
    found, _ = compare.compare_outputs([plain], [display(plain["data"])])
    assert found == {"where": "output 1 type", "recorded": "execute_result", "now": "display_data"}
    found, _ = compare.compare_outputs(
        [plain], [display({"text/plain": "array([0.5])"}, "execute_result")]
    )
    assert found["where"] == "output 1 mimetypes"
    found, _ = compare.compare_outputs([plain], [])
    assert found["recorded"] == "1 display" and found["now"] == "0 displays"
    svg = display({"image/svg+xml": "<svg><!-- 2026-11-21 19:14:41 --><path d='M 0.5 1'/></svg>"})
    assert (
        compare.compare_outputs(
            [svg],
            [
                display(
                    {"image/svg+xml": "<svg><!-- 2027-01-01 00:00:00 --><path d='M 0.5 1'/></svg>"}
                )
            ],
        )[0]
        is None
    )


def test_json_views_structurally():
    recorded = display({"application/json": {"a": [1, 2.0, {"b": "x"}], "c": None}})
    same = display({"application/json": {"c": None, "a": [1, 2.0000000000001, {"b": "x"}]}})
    assert compare.compare_outputs([recorded], [same])[0] is None
    changed = display({"application/json": {"a": [1, 2.5, {"b": "x"}], "c": None}})
    found, _ = compare.compare_outputs([recorded], [changed])
    assert found["path"] == "$.a[1]" and found["where"] == "output 1 application/json"
    widget = compare.WIDGET_VIEW
    view = {"model_id": "3f2a", "version_major": 2, "version_minor": 0}
    assert (
        compare.compare_outputs(
            [display({widget: view, "text/plain": "IntSlider"})],
            [display({widget: dict(view, model_id="99aa"), "text/plain": "IntSlider"})],
        )[0]
        is None
    )
    assert compare.compare_json({"a": 1}, {"a": True}) is not None


def test_errors_compare_name_and_message():
    error = {"output_type": "error", "ename": "KeyError", "evalue": "'x'", "traceback": ["..."]}
    assert compare.compare_outputs([error], [dict(error, traceback=["other"])])[0] is None
    found, _ = compare.compare_outputs([error], [dict(error, ename="ValueError")])
    assert found == {"where": "error", "recorded": "KeyError", "now": "ValueError"}


# ------------------------------------------------------------ causes


def environment(**packages):
    return {
        "conda": None,
        "pip": {"distributions": [{"name": n, "version": v} for n, v in packages.items()]},
        "python": {"version": "3.11.4"},
    }


def run_record(modules=(), status="seeded", **fingerprints):
    return {
        "modules": {m: m for m in modules},
        "seeds": {"status": status, "fingerprints": fingerprints, "calls": [], "recovered": {}},
    }


def test_a_drifted_imported_package_comes_first_with_both_versions():
    found = causes.likely_causes(
        recorded_env=environment(tinystats="1.0", numpy="1.26.4", rich="13.0"),
        now_env=environment(tinystats="1.1", numpy="1.26.4", rich="14.0"),
        recorded_run=run_record(["tinystats", "numpy"]),
        now_run=run_record(["tinystats", "numpy"]),
    )
    assert found == [
        "a drifted package the notebook imported by this cell: tinystats 1.0 → 1.1",
        "packages the notebook had not imported by this cell differ too: rich 13.0 → 14.0",
    ]


def test_a_module_the_recording_kept_from_before_an_install_is_named_first():
    """The recording's kernel ran tinystats 1.0 after 1.1 was installed (no restart):
    its environment says 1.1 like the re-run's, so no package drifted, yet the code
    differed."""
    recorded = run_record(["tinystats"])
    recorded["stale"] = {
        "tinystats": {"distribution": "tinystats", "loaded": "1.0", "installed": "1.1"}
    }
    same = environment(tinystats="1.1")
    assert causes.likely_causes(
        same, same, run_record(["tinystats"]), run_record(["tinystats"])
    ) == [causes.UNKNOWN]
    assert causes.likely_causes(same, same, recorded, run_record(["tinystats"])) == [
        "the recording ran tinystats 1.0, loaded before tinystats 1.1 was installed without a "
        "restart; the re-run loads the installed one"
    ]


def test_unseeded_randomness_from_fingerprints():
    before = run_record(numpy="aaaa", python="p1")
    # The cell drew from numpy (its fingerprint moved) and numpy now ends elsewhere;
    # Python's generator differs between the kernels but the cell did not touch it.
    found = causes.likely_causes(
        recorded_run=run_record(numpy="bbbb", python="p1"),
        now_run=run_record(numpy="cccc", python="p2"),
        recorded_previous_run=before,
        now_previous_run=run_record(numpy="dddd", python="p2"),
    )
    assert found == [
        "unseeded randomness: this cell drew from the NumPy global random generator, "
        "whose state differs from the recording's"
    ]
    # Drawing from a seeded generator gives the same state: no randomness blamed.
    assert causes.likely_causes(
        recorded_run=run_record(numpy="bbbb"),
        now_run=run_record(numpy="bbbb"),
        recorded_previous_run=before,
        now_previous_run=before,
    ) == [causes.UNKNOWN]
    # Unseeded, but the cell did not draw: Python's generator differs between
    # any two kernels, which explains nothing.
    assert causes.likely_causes(
        recorded_run=run_record(status="unseeded", python="p1"),
        now_run=run_record(status="unseeded", python="p2"),
        recorded_previous_run=run_record(status="unseeded", python="p1"),
        now_previous_run=run_record(status="unseeded", python="p2"),
    ) == [causes.UNKNOWN]
    # The first cell: only the run record's "unseeded" status can tell.
    found = causes.likely_causes(
        recorded_run=run_record(status="unseeded", numpy="b"),
        now_run=run_record(status="unseeded", numpy="c"),
    )
    assert found[0].startswith("unseeded randomness: no seed had been set")


def test_hidden_state():
    assert causes.order_problems([1, 2, 3]) == {}
    assert causes.order_problems([1, 2, None]) == {}.fromkeys(
        [2], causes.order_problems([1, 2, None])[2]
    )
    problems = causes.order_problems([1, 5, 3, 6])
    assert sorted(problems) == [1, 2, 3]
    assert problems[1] == (
        "hidden state: the recording did not run the cells above it top to bottom once each "
        "(execution counts [1], [5] where a fresh run gives [1], [2])"
    )
    assert sorted(causes.order_problems([None, 1])) == [0, 1]
    found = causes.likely_causes(edited=True, order_problem=problems[2])
    assert found[0].startswith("hidden state: the cell was edited after it ran")
    assert found[1] == problems[2]


def test_unknown_when_nothing_explains():
    same = environment(numpy="1.26.4")
    assert causes.likely_causes(same, same, run_record(["numpy"]), run_record(["numpy"])) == [
        "unknown"
    ]


# ------------------------------------------------------------ bundles


def verify(capsys, *argv):
    status = cli.main(["verify", *map(str, argv)])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_zip_members_outside_the_bundle_are_refused(tmp_path, capsys):
    for evil in ("../evil", "/etc/evil", "a/../../evil"):
        archive = tmp_path / "bundle.zip"
        with zipfile.ZipFile(str(archive), "w") as zipped:
            zipped.writestr(
                "manifest.json", json.dumps({"nbrepro_bundle": 1, "notebook": "nb.ipynb"})
            )
            zipped.writestr(evil, "x")
        status, out, err = verify(capsys, archive)
        assert status == 2 and out == ""
        assert (
            "would be written outside the bundle; refusing the archive" in err and repr(evil) in err
        )
        assert not (tmp_path / "evil").exists()


def test_bad_bundles_exit_2_with_a_message(tmp_path, capsys):
    folder = tmp_path / "b"
    folder.mkdir()
    status, _, err = verify(capsys, folder)
    assert status == 2 and "has no manifest.json: not an nbrepro bundle" in err
    (folder / "manifest.json").write_text("{not json")
    status, _, err = verify(capsys, folder)
    assert status == 2 and "manifest.json is not a readable bundle manifest" in err
    (folder / "manifest.json").write_text(
        json.dumps({"nbrepro_bundle": 1, "notebook": "gone.ipynb"})
    )
    status, _, err = verify(capsys, folder)
    assert status == 2 and "names the notebook gone.ipynb, which the bundle does not hold" in err
    (folder / "manifest.json").write_text(
        json.dumps({"nbrepro_bundle": 1, "notebook": "../x.ipynb"})
    )
    status, _, err = verify(capsys, folder)
    assert status == 2 and "relative path inside the bundle" in err
    (tmp_path / "not.zip").write_bytes(b"PK\x03\x04 broken")
    status, _, err = verify(capsys, tmp_path / "not.zip")
    assert status == 2 and "cannot extract" in err


def test_manifest_checks_name_each_altered_or_missing_file(tmp_path):
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "b.txt").write_text("b, altered")
    files = {
        "a.txt": {"sha256": hashlib.sha256(b"a").hexdigest(), "size": 1},
        "b.txt": {"sha256": hashlib.sha256(b"b").hexdigest(), "size": 1},
        "c.txt": {"sha256": "00", "size": 1},
        "../d.txt": {"sha256": "00", "size": 1},
    }
    (tmp_path / "nb.ipynb").write_text("{}")
    files["nb.ipynb"] = {"sha256": hashlib.sha256(b"{}").hexdigest(), "size": 2}
    (tmp_path / "numpy.py").write_text("raise SystemExit('shadowed')")
    (tmp_path / ".env" / "lib").mkdir(parents=True)
    (tmp_path / ".env" / "lib" / "site.py").write_text("")  # what run.sh builds
    problems = []
    checkable = manifest.read_files(files, problems)
    assert problems == ["manifest.json lists '../d.txt', a path outside the bundle; skipped"]
    read = manifest.Manifest("nb.ipynb", checkable, problems, {"files": files})
    assert bundle.check_files(tmp_path, read) == [
        "b.txt does not match the sha256 in manifest.json: the bundle was altered after export",
        "c.txt is listed in manifest.json but missing from the bundle",
        "numpy.py is not in manifest.json: a module the notebook could import instead of "
        "the one it names",
    ]


def _cache_entry(root, key, fingerprint=None):
    """An environment as run.sh leaves it in the cache: env/bin/python, entry.json."""
    env = root / "envs" / key / "env"
    (env / "bin").mkdir(parents=True)
    (env / "bin" / "python").write_text("#!/bin/sh\nexit 0\n")
    (env / "bin" / "python").chmod(0o755)
    info = {"key": key}
    if fingerprint:
        info["fingerprint"] = fingerprint
    (root / "envs" / key / "entry.json").write_text(json.dumps(info))
    return env


def test_the_link_run_sh_leaves_to_the_cache_is_run_and_no_other(tmp_path, monkeypatch):
    """Issue 20, defect 6, with the environment cache: run.sh builds in the cache
    and leaves .env as a link to it, which verify runs; a link that came with the
    bundle and leads anywhere else (a folder in the bundle, a fake entry, an entry
    someone installed into since) is not run."""
    root = tmp_path / "cache"
    monkeypatch.setenv("NBREPRO_CACHE_DIR", str(root))
    folder = tmp_path / "b"
    folder.mkdir()
    opened = bundle.Bundle(folder, manifest.Manifest("nb.ipynb", [], [], {}))
    cached = _cache_entry(root, "a" * 32)
    (folder / ".env").symlink_to(cached)
    assert bundle.cached_here(folder / ".env")
    assert opened.python() == str(folder / ".env" / "bin" / "python")
    assert opened.shipped_python() is None

    shipped = folder / "shipped" / "envs" / ("b" * 32) / "env"
    _cache_entry(folder / "shipped", "b" * 32)
    changed = _cache_entry(root, "c" * 32, fingerprint="0" * 64)
    for target in (shipped, changed, cached.parent):
        (folder / ".env").unlink()
        (folder / ".env").symlink_to(target)
        assert not bundle.cached_here(folder / ".env"), target
        assert opened.python() is None
    (folder / ".env").unlink()
    (folder / ".env").symlink_to(shipped)
    assert "which run.sh did not build here" in opened.shipped_python()


def test_many_bundles_refuse_a_changed_one_unless_allowed(tmp_path, monkeypatch):
    """Issue 20, defect 6, in ``verify --report``: a bundle whose files differ from
    its manifest is unusable, before any environment is built or kernel started;
    --allow-modified opens it and passes the flag on to the re-run."""
    from nbrepro.verify import batch

    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "nb.ipynb").write_text("{}")
    (folder / "data.txt").write_text("changed")
    files = {
        "nb.ipynb": {"sha256": hashlib.sha256(b"{}").hexdigest(), "size": 2},
        "data.txt": {"sha256": hashlib.sha256(b"as exported").hexdigest(), "size": 11},
    }
    (folder / "manifest.json").write_text(
        json.dumps({"nbrepro_bundle": 1, "notebook": "nb.ipynb", "files": files})
    )
    reached = []
    monkeypatch.setattr(batch, "_verify_opened", lambda opened, *rest: reached.append(opened))
    refused = batch.verify_one(folder, "01-b", tmp_path / "report", batch.Options())
    assert refused["verdict"] == "unusable" and reached == []
    assert "data.txt does not match the sha256" in refused["message"]
    assert "--allow-modified" in refused["message"]
    allowed = batch.Options(allow_modified=True)
    batch.verify_one(folder, "01-b", tmp_path / "report", allowed)
    assert len(reached) == 1 and reached[0].modified
    assert allowed.verify_argv()[-1] == "--allow-modified"


def test_bad_options_and_missing_interpreter_exit_2(tmp_path, capsys):
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    status, _, err = verify(capsys, path, "--rtol", "-1")
    assert status == 2 and "--rtol must be a number >= 0" in err
    status, _, err = verify(capsys, path, "--python", tmp_path / "no-python")
    assert status == 2 and "no such executable file" in err
    status, _, err = verify(capsys, tmp_path / "missing.ipynb")
    assert status == 2 and "cannot read" in err


def test_a_longer_output_shows_the_line_only_one_side_has():
    # Issue 14 (9): both excerpts used to read "2" or "abc", the line both sides share.
    found = compare.compare_text("1\n2\n", "1\n2\n3\n")
    assert (found["recorded"], found["now"], found["line"]) == ("(no line 3)", "3", 3)
    found = compare.compare_text("abc", "abc\ndef")
    assert (found["recorded"], found["now"], found["line"]) == ("(no line 2)", "def", 2)
    found = compare.compare_text("epoch 1 loss 0.5\nepoch 2 loss 0.25\n", "epoch 1 loss 0.5\n")
    assert (found["recorded"], found["now"]) == ("epoch 2 loss 0.25", "(no line 2)")
    # A difference inside a line still shows that line on both sides.
    found = compare.compare_text("a\nb 1\n", "a\nb 2\nc\n")
    assert (found["recorded"], found["now"], found["detail"]) == ("b 1", "b 2", "1 vs 2")


def test_a_cell_tagged_raises_exception_is_same_when_it_raises_the_same():
    from nbrepro.verify import runner

    def cell(ename, tags=()):
        error = {"output_type": "error", "ename": ename, "evalue": "", "traceback": []}
        return {"execution_count": 1, "outputs": [error], "metadata": {"tags": list(tags)}}

    tagged = ["raises-exception"]
    same = runner._compare_cell(cell("ValueError", tagged), cell("ValueError"), 1e-9, 0)
    assert same["status"] == "same"
    assert same["notes"] == ["raised ValueError, as the cell's raises-exception tag says"]
    assert (
        runner._compare_cell(cell("ValueError", tagged), cell("KeyError"), 1e-9, 0)["status"]
        == "error"
    )
    untagged = runner._compare_cell(cell("ValueError"), cell("ValueError"), 1e-9, 0)
    assert untagged["status"] == "error"


def test_a_recording_that_ran_past_errors_verifies_past_them():
    """nbrepro run --allow-errors: a cell that raises the same exception again is
    the same; one that raises another, or prints otherwise first, is not (issue 21)."""
    from nbrepro.verify.runner import _compare_cell

    def cell(*outputs):
        return {"cell_type": "code", "execution_count": 2, "metadata": {}, "outputs": list(outputs)}

    def error(name, value="x"):
        return {"output_type": "error", "ename": name, "evalue": value, "traceback": []}

    then = cell(stream("before\n"), error("ZeroDivisionError", "division by zero"))
    again = cell(stream("before\n"), error("ZeroDivisionError", "division by zero"))
    entry = _compare_cell(then, again, 1e-9, 0, went_on=True)
    assert entry["status"] == "same"
    assert entry["notes"][0] == "raised ZeroDivisionError, as in the recording"
    assert _compare_cell(then, again, 1e-9, 0)["status"] == "error"  # a recording that stopped
    other = cell(stream("before\n"), error("KeyError"))
    assert _compare_cell(then, other, 1e-9, 0, went_on=True)["status"] == "error"
    printed = cell(stream("after\n"), error("ZeroDivisionError", "division by zero"))
    assert _compare_cell(then, printed, 1e-9, 0, went_on=True)["status"] == "different"
