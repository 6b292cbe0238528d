"""Outputs that name where the project lives (issue 26): the author's folders are found in
the recorded outputs from relative facts, both sides' folders become one placeholder, and
a cell that differs only there is "same (project paths normalised)"."""

from nbrepro.verify import paths, runner

AUTHOR = "/home/alice/work/proj"
REVIEWER = "/srv/review/bundle"


def stream(text, name="stdout"):
    return {"output_type": "stream", "name": name, "text": text}


def cell(*outputs):
    return {"execution_count": 1, "outputs": list(outputs), "metadata": {}}


def folders():
    recorded_texts = [
        AUTHOR + "/code/nsfg.py:84: UserWarning: slow\n  warnings.warn('slow')\n",
        "PosixPath('%s/notebooks/topic')" % AUTHOR,
    ]
    found = paths.find_by_suffix(recorded_texts, ["notebooks/topic", "code/nsfg.py", "data/x.csv"])
    assert found == [AUTHOR]
    return paths.Paths(
        [(AUTHOR, paths.PROJECT), ("/home/alice/venvs/a", paths.PYTHON)],
        [(REVIEWER, paths.PROJECT), ("/srv/review/bundle/.env", paths.PYTHON)],
    )


def test_a_warning_from_a_carried_module_is_the_same_with_a_note():
    then = cell(stream(AUTHOR + "/code/nsfg.py:84: UserWarning: slow\n", "stderr"))
    now = cell(stream(REVIEWER + "/code/nsfg.py:84: UserWarning: slow\n", "stderr"))
    assert runner._compare_cell(then, now, 1e-9, 0)["status"] == "different"  # without
    entry = runner._compare_cell(then, now, 1e-9, 0, folders=folders())
    assert (entry["status"], entry["notes"]) == ("same", ["project paths normalised"])


def test_file_cwd_tracebacks_and_html_are_normalised():
    then = cell(
        stream("%s/code/nsfg.py\n%s/notebooks/topic\n" % (AUTHOR, AUTHOR)),
        {
            "output_type": "display_data",
            "data": {"text/html": "<a href='%s/data/x.csv'>x</a>" % AUTHOR},
            "metadata": {},
        },
    )
    now = cell(
        stream("%s/code/nsfg.py\n%s/notebooks/topic\n" % (REVIEWER, REVIEWER)),
        {
            "output_type": "display_data",
            "data": {"text/html": "<a href='%s/data/x.csv'>x</a>" % REVIEWER},
            "metadata": {},
        },
    )
    entry = runner._compare_cell(then, now, 1e-9, 0, folders=folders())
    assert entry["status"] == "same" and "project paths normalised" in entry["notes"]
    error = {
        "output_type": "error",
        "ename": "ValueError",
        "evalue": "bad row in %s/data/x.csv" % AUTHOR,
        "traceback": ["File %s/code/nsfg.py:3" % AUTHOR],
    }
    moved = runner.rewrite_outputs([error], folders(), "recorded")[0]
    assert moved["evalue"] == "bad row in <project>/data/x.csv"
    assert moved["traceback"] == ["File <project>/code/nsfg.py:3"]


def test_interpreter_prefixes_and_site_packages_are_normalised():
    then = cell(
        stream(
            "/home/alice/venvs/a/lib/python3.11/site-packages/pandas/core.py:9: W\n"
            "/home/alice/.local/lib/python3.11/site-packages/x.py:1: W\n",
            "stderr",
        )
    )
    now = cell(
        stream(
            "/srv/review/bundle/.env/lib/python3.11/site-packages/pandas/core.py:9: W\n"
            "/opt/conda/lib/python3.11/site-packages/x.py:1: W\n",
            "stderr",
        )
    )
    assert runner._compare_cell(then, now, 1e-9, 0, folders=folders())["status"] == "same"


def test_a_real_difference_still_differs():
    then = cell(stream(AUTHOR + "/code/nsfg.py:84: UserWarning: 3 rows dropped\n", "stderr"))
    now = cell(stream(REVIEWER + "/code/nsfg.py:84: UserWarning: 4 rows dropped\n", "stderr"))
    entry = runner._compare_cell(then, now, 1e-9, 0, folders=folders())
    assert entry["status"] == "different"
    assert entry["difference"]["detail"] == "3 vs 4"
    assert (
        entry["difference"]["recorded"] == "<project>/code/nsfg.py:84: UserWarning: 3 rows dropped"
    )


def test_a_folder_is_replaced_only_as_a_whole_folder():
    moved = paths.Paths([(AUTHOR, paths.PROJECT)], [])
    assert moved.rewrite(AUTHOR + "2/x.py " + AUTHOR + "/x.py", "recorded") == (
        AUTHOR + "2/x.py <project>/x.py"
    )
    # The file system's root and a top folder never stand for a project.
    assert paths.Paths([("/", paths.PROJECT), ("/home", paths.PROJECT)], []).recorded == []


def test_the_authors_project_at_the_notebooks_folder_is_found_by_lining_up():
    """A notebook at its project's top printing Path.cwd(): no relative path to match,
    but the re-run printed its own folder at the same place."""
    assert paths.find_by_suffix(["%s\n" % AUTHOR], ["."]) == []
    found = paths.line_up("cwd: %s\nok" % AUTHOR, "cwd: %s\nok" % REVIEWER, [REVIEWER])
    assert found == [AUTHOR]
    assert paths.line_up("cwd: elsewhere\n", "cwd: %s\n" % REVIEWER, [REVIEWER]) == []


def test_paths_with_spaces_and_the_recorded_home_written_as_tilde():
    texts = ['File "/Users/al ice/My Project/code/nsfg.py", line 3']
    assert paths.find_by_suffix(texts, ["code/nsfg.py"]) == ["/Users/al ice/My Project"]
    texts = ["/home/alice/venvs/a/lib/python3.11/site-packages/x.py:1: W"]
    assert paths.find_prefix(texts, "~/venvs/a") == ["/home/alice/venvs/a"]
    assert paths.find_prefix(texts, "/opt/conda") == ["/opt/conda"]


def test_a_module_found_through_a_climbing_sys_path_entry_is_the_same_place():
    """sys.path.append('../../code') makes a module's __file__ and its warnings read
    .../notebooks/topic/../../code/nsfg.py: the same file as <project>/code/nsfg.py."""
    texts = ["%s/notebooks/topic/../../code/nsfg.py:5: UserWarning: x\n" % AUTHOR]
    assert paths.find_by_suffix([paths.collapse(t) for t in texts], ["code/nsfg.py"]) == [AUTHOR]
    then = cell(stream(texts[0], "stderr"))
    now = cell(stream("%s/code/nsfg.py:5: UserWarning: x\n" % REVIEWER, "stderr"))
    assert runner._compare_cell(then, now, 1e-9, 0, folders=folders())["status"] == "same"
