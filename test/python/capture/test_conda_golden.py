"""`nbrepro snapshot` against what real conda 24.11.3, 25.7.0 and 26.7.1 print.

The golden files in test/fixtures/conda-golden/<version>/<prefix>/ are real
conda's output (`conda env export`, `conda list --explicit`) on the committed
fixture prefixes, written by scripts/make_conda_goldens.py (run by hand: it
needs conda's source). Each comparison is byte for byte after dropping the
`# created-by:` line, with the prefix's path written as @PREFIX@ on both sides.

Two orders are conda's own accident, not a rule: for --from-history on a prefix
whose history requests nothing, conda >= 25.7 lists the records in the order
os.scandir gives conda-meta (a property of the file system, so the copy made
here may list them otherwise than the machine that wrote the goldens), and
25.7 then appends pip's records in the order of a Python set (different from
run to run). There the lines are compared as a multiset, and nbrepro's order
is checked against os.scandir on the copy. `conda export --format explicit`
(conda >= 25.7) lists the records in that same os.scandir order, and is
compared the same way; where conda export refuses (`<variant>.error`), nbrepro
must exit 2 with conda's reason, except for --from-history, which conda export
refuses exactly where conda env export does and nbrepro treats the same way.
"""

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
from pathlib import Path

import golden_prefixes
import pytest

from nbrepro.cli import main

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "conda-golden"
VERSIONS = ("24.11", "25.7", "26.7")
CHANNELS_RC = "channels:\n  - conda-forge\n  - defaults\n"
VARIANTS = {
    "env-export.yml": (["--format", "environment.yml"], ""),
    "env-export-no-builds.yml": (["--format", "environment.yml", "--no-builds"], ""),
    "env-export-from-history.yml": (["--format", "environment.yml", "--from-history"], ""),
    "env-export-channels.yml": (["--format", "environment.yml"], CHANNELS_RC),
    "env-export-from-history-channels.yml": (
        ["--format", "environment.yml", "--from-history"],
        CHANNELS_RC,
    ),
    "explicit-md5.txt": (["--format", "explicit"], ""),
    "explicit-sha256.txt": (["--format", "explicit", "--sha256"], ""),
    # `conda export --format F` (conda >= 25.7; no goldens for 24.11, which lacks it)
    "export-environment-yaml.yml": (["--format", "conda-export:environment-yaml"], ""),
    "export-environment-json.json": (["--format", "conda-export:environment-json"], ""),
    "export-environment-yaml-no-builds.yml": (
        ["--format", "conda-export:environment-yaml", "--no-builds"],
        "",
    ),
    "export-environment-yaml-from-history.yml": (
        ["--format", "conda-export:environment-yaml", "--from-history"],
        "",
    ),
    "export-explicit.txt": (["--format", "conda-export:explicit"], ""),
    "export-requirements.txt": (["--format", "conda-export:requirements"], ""),
}
PREFIXES = golden_prefixes.names()
CASES = [
    (version, prefix, variant)
    for version in VERSIONS
    for prefix in PREFIXES
    for variant in VARIANTS
    if (GOLDEN / version / prefix / variant).exists()
    or (GOLDEN / version / prefix / (variant + ".error")).exists()
]
_LISTED = re.compile(r"^  - [^=\s]+=[^=\s]+=[^=\s]+$")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No conda configuration but the condarc a case writes; no conda install around."""
    for name in (
        "CONDA_EXE",
        "CONDA_ROOT",
        "CONDA_PREFIX",
        "MAMBA_ROOT_PREFIX",
        "XDG_CONFIG_HOME",
        "CONDA_ENVS_DIRS",
        "CONDA_ENVS_PATH",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    condarc = tmp_path / "rc" / "condarc"
    condarc.parent.mkdir()
    monkeypatch.setenv("CONDARC", str(condarc))
    return tmp_path


def snapshot(prefix, version, args):
    out, err = io.StringIO(), io.StringIO()
    argv = ["snapshot", "--prefix", str(prefix), "--record-paths", "--show-variables"]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv + ["--conda-version", version] + list(args))
    return code, out.getvalue(), err.getvalue()


def drop_created_by(text):
    """Without the `# created-by:` line, and with the prefix's path on its key's
    line: ruamel moves a value that would pass column 80 to the next line, so
    where it goes depends on how long the path was (the oracle's or this
    test's); test_long_prefix_moves_as_ruamel_moves_it checks the move."""
    text = "".join(line for line in text.splitlines(True) if not line.startswith("# created-by:"))
    return _MOVED.sub(r"\1: @PREFIX@", text)


_MOVED = re.compile(r"^(name|prefix): \n  @PREFIX@$", re.M)


def listing_block(text):
    """(lines before, listed records, lines after) of a --from-history listing."""
    lines = text.splitlines(True)
    index = [i for i, line in enumerate(lines) if _LISTED.match(line.rstrip("\n"))]
    if not index:
        return None
    first, last = index[0], index[-1] + 1
    return lines[:first], lines[first:last], lines[last:]


@pytest.mark.parametrize("version,name,variant", CASES)
def test_snapshot_equals_real_conda(isolated, version, name, variant):
    args, condarc_text = VARIANTS[variant]
    Path(os.environ["CONDARC"]).write_text(condarc_text)
    prefix = isolated / name
    shutil.copytree(golden_prefixes.root() / name, prefix)
    code, out, err = snapshot(prefix, version, args)
    error = GOLDEN / version / name / (variant + ".error")
    if variant.startswith("export-") and "from-history" not in variant and error.exists():
        # conda export refused: nbrepro refuses too (exit 2), with conda's reason.
        reason = error.read_text().splitlines()[1].split(": ", 1)[1]
        assert (code, out) == (2, ""), out
        assert reason in err, err
        return
    assert code == 0, err
    got = drop_created_by(out.replace(str(prefix), "@PREFIX@"))

    if error.exists():
        # conda refused; nbrepro writes the history's specs and says conda would refuse.
        assert "would refuse env export --from-history" in err, err
        return
    want = drop_created_by((GOLDEN / version / name / variant).read_text())
    block = None
    if "from-history" in variant and version != "24.11" and not requests_anything(prefix):
        block = listing_block(want)
    if block is not None:
        got_block = listing_block(got)
        assert got_block is not None, got
        assert got_block[0] == block[0] and got_block[2] == block[2]
        assert sorted(got_block[1]) == sorted(block[1])
        # The records come in os.scandir order, as conda lists them on this machine.
        scandir = [e.name for e in os.scandir(prefix / "conda-meta") if e.name.endswith(".json")]
        names = [line.split("=")[0][4:] for line in got_block[1] if "=pypi_0" not in line]
        by_file = [n for n in (_record_name(prefix, f) for f in scandir) if n in names]
        assert names == by_file
        return
    if variant == "export-explicit.txt":
        # CEP 23's explicit file lists the records in os.scandir order, a property of
        # the file system: the same lines, in this copy's order.
        head = want.split("@EXPLICIT\n")[0] + "@EXPLICIT\n"
        assert got.startswith(head)
        assert sorted(got.splitlines()) == sorted(want.splitlines())
        scandir = [e.name for e in os.scandir(prefix / "conda-meta") if e.name.endswith(".json")]
        files = [url.rsplit("/", 1)[1] for url in got[len(head) :].splitlines()]
        stems = [f.rsplit(".tar.bz2", 1)[0].rsplit(".conda", 1)[0] + ".json" for f in files]
        assert stems == [f for f in scandir if f in stems]
        return
    assert got == want


def requests_anything(prefix):
    history = prefix / "conda-meta" / "history"
    return history.exists() and "specs:" in history.read_text(errors="replace")


def _record_name(prefix, file_name):
    import json

    return json.loads((prefix / "conda-meta" / file_name).read_text())["name"]


def tree_digest(root):
    digest = hashlib.sha256()
    for folder, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            stat = path.stat()
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
            digest.update(str(stat.st_mtime_ns).encode())
        digest.update(("dirs:" + ",".join(dirs)).encode())
    return digest.hexdigest()


@pytest.mark.parametrize("name", ["conda267-pip", "rattler-pip", "conda-test-py36-osx-whl"])
def test_prefix_is_left_byte_identical(isolated, name):
    """conda env export deletes the records of pip-clobbered packages (the golden
    files show them gone); nbrepro reads only."""
    prefix = isolated / name
    shutil.copytree(golden_prefixes.root() / name, prefix)
    before = tree_digest(prefix)
    for version in VERSIONS:
        for variant, (args, _) in VARIANTS.items():
            if variant.startswith("export-"):
                # conda export: none before 25.7, and explicit refuses pip packages.
                allowed = (2,) if version == "24.11" else (0, 2)
                assert snapshot(prefix, version, args)[0] in allowed
            else:
                assert snapshot(prefix, version, args)[0] == 0
        assert snapshot(prefix, version, ["--format", "json", "--full"])[0] == 0
    assert tree_digest(prefix) == before


def _behaviour(prefix):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(["snapshot", "--prefix", str(prefix), "--format", "json"]) == 0
    return json.loads(out.getvalue())["environment"]["conda"]["behaviour"]


def test_without_an_installed_conda_the_history_is_a_guess(isolated):
    """No conda found for the prefix: the conda version of the latest
    transaction decides, said as a guess; rattler's empty history and pixi's
    stub are their tools' marks (newest rules)."""
    seen = {}
    for name in ("conda2411-create", "conda257-create", "rattler-plain", "pixi-stub"):
        prefix = isolated / name
        shutil.copytree(golden_prefixes.root() / name, prefix)
        seen[name] = _behaviour(prefix)
    assert (seen["conda2411-create"]["conda"], seen["conda2411-create"]["source"]) == (
        "24.11",
        "history",
    )
    assert seen["conda257-create"]["conda"] == "25.7"
    assert seen["rattler-plain"] == {
        "conda": "26.7",
        "source": "rattler",
        "version": None,
        "root": None,
        "subdir": seen["rattler-plain"]["subdir"],
    }
    assert (seen["pixi-stub"]["conda"], seen["pixi-stub"]["source"]) == ("26.7", "pixi")
    # Each prefix's own default output is what its own conda printed.
    for name, version in (("conda2411-create", "24.11"), ("conda257-create", "25.7")):
        prefix = isolated / name
        out = io.StringIO()
        argv = [
            "snapshot",
            "--prefix",
            str(prefix),
            "--record-paths",
            "--format",
            "environment.yml",
        ]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            main(argv)
        want = (GOLDEN / version / name / "env-export.yml").read_text()
        assert drop_created_by(out.getvalue().replace(str(prefix), "@PREFIX@")) == want


def test_micromamba_history_is_no_conda_version(isolated):
    """libmamba writes `# conda version: 3.8.0` into every history: a placeholder,
    not conda 3.8 (which the history guess would take for a 24.11-like conda)."""
    prefix = isolated / "mm"
    shutil.copytree(golden_prefixes.root() / "rattler-plain", prefix)
    (prefix / "conda-meta" / "history").write_text(
        "==> 2026-01-01 00:00:00 <==\n"
        "# cmd: micromamba create -p /x python nbtool\n"
        "# conda version: 3.8.0\n"
        "# update specs: ['python', 'nbtool']\n"
    )
    behaviour = _behaviour(prefix)
    assert (behaviour["conda"], behaviour["source"], behaviour["version"]) == (
        "26.7",
        "micromamba",
        None,
    )


def test_conda_export_needs_conda_25_7(isolated, capsys):
    """conda 24.11 has no `conda export`: nbrepro says so and exits 2."""
    prefix = isolated / "p"
    shutil.copytree(golden_prefixes.root() / "conda2411-create", prefix)
    for fmt in ("environment-yaml", "explicit"):
        code, out, err = snapshot(prefix, "24.11", ["--format", "conda-export:" + fmt])
        assert (code, out) == (2, "")
        assert "conda 24.11 has no `conda export`" in err


def test_bad_conda_version_is_a_usage_error(isolated, capsys):
    assert main(["snapshot", "--conda-version", "banana", "--format", "environment.yml"]) == 2
    assert "--conda-version" in capsys.readouterr().err


def _head(prefix, lines=2):
    code, out, err = snapshot(prefix, "26.7", ["--format", "environment.yml"])
    assert code == 0, err
    return drop_created_by(out.replace(str(prefix), "@PREFIX@")).splitlines()[:lines]


def test_condarc_naming_and_env_name(isolated, monkeypatch):
    """As real conda 26.7.1 printed them (run by hand with the oracle of
    scripts/make_conda_goldens.py): $CONDARC is read only when named condarc,
    .condarc or *.yml/*.yaml (or a folder); the bare env name only under an envs
    directory conda knows (~/.conda/envs, $CONDA_ENVS_DIRS), not any folder
    named envs."""
    channel = "file:///tmp/nbrepro-golden-channel"
    prefix = isolated / "some" / "envs" / "myenv"
    shutil.copytree(golden_prefixes.root() / "rattler-plain", prefix)
    for name, read in (("myrc", False), ("rc.yaml", True), ("condarc", True)):
        rc = isolated / name
        rc.write_text("channels:\n  - bioconda\n")
        monkeypatch.setenv("CONDARC", str(rc))
        code, out, err = snapshot(prefix, "26.7", ["--format", "environment.yml"])
        out = drop_created_by(out.replace(str(prefix), "@PREFIX@"))
        assert out.splitlines()[:4] == [
            "name: @PREFIX@",
            "channels:",
            "  - " + channel,
            "  - bioconda" if read else "dependencies:",
        ], name
    assert _head(prefix, 1) == ["name: @PREFIX@"]
    monkeypatch.setenv("CONDA_ENVS_DIRS", str(prefix.parent))
    assert _head(prefix, 1) == ["name: myenv"]
    monkeypatch.delenv("CONDA_ENVS_DIRS")
    home_env = Path(os.environ["HOME"]) / ".conda" / "envs" / "myenv"
    shutil.copytree(prefix, home_env)
    assert _head(home_env, 1) == ["name: myenv"]


def test_old_form_history_specs_leave_no_token(isolated):
    """conda <= 25.5 writes --from-history specs as the history holds them,
    channel URL included: a token in it is redacted."""
    prefix = isolated / "tokens"
    shutil.copytree(golden_prefixes.root() / "rattler-plain", prefix)
    (prefix / "conda-meta" / "history").write_text(
        "==> 2026-01-02 03:04:05 <==\n"
        "# cmd: conda install https://u:SECRET@conda.example.com/private::nbtool\n"
        "# conda version: 24.11.3\n"
        "# update specs: ['https://u:SECRET@conda.example.com/private::nbtool=0.3']\n"
    )
    out = snapshot(prefix, "24.11", ["--format", "environment.yml", "--from-history"])[1]
    assert "  - https://conda.example.com/private::nbtool=0.3\n" in out
    assert "SECRET" not in snapshot(prefix, "24.11", ["--format", "json"])[1]


def test_installed_conda_wins_over_the_history(isolated, monkeypatch):
    """The conda installed at the root decides, not the one in the history; a
    conda record alone (no conda executable) installs nothing."""
    prefix = isolated / "base"
    shutil.copytree(golden_prefixes.root() / "conda2411-create", prefix)
    record = {"name": "conda", "version": "25.7.0", "build": "py311_0", "depends": ["python"]}
    (prefix / "conda-meta" / "conda-25.7.0-py311_0.json").write_text(json.dumps(record, indent=2))
    behaviour = _behaviour(prefix)
    assert (behaviour["conda"], behaviour["source"]) == ("24.11", "history")
    (prefix / "condabin").mkdir()
    (prefix / "condabin" / "conda").write_text("#!/bin/sh\n")
    behaviour = _behaviour(prefix)
    assert (behaviour["conda"], behaviour["source"], behaviour["version"]) == (
        "25.7",
        "root",
        "25.7.0",
    )
    # $CONDA_EXE comes first: a development install names its Python there.
    other = isolated / "other"
    (other / "conda-meta").mkdir(parents=True)
    (other / "conda-meta" / "conda-26.7.1-py311_0.json").write_text("{}")
    monkeypatch.setenv("CONDA_EXE", str(other / "bin" / "python"))
    monkeypatch.setenv("_CE_CONDA", "conda")
    behaviour = _behaviour(prefix)
    assert (behaviour["conda"], behaviour["source"], behaviour["root"]) == (
        "26.7",
        "conda-exe",
        str(other),
    )
    monkeypatch.delenv("CONDA_EXE")
    monkeypatch.setenv("CONDA_PYTHON_EXE", str(other / "bin" / "python"))
    assert _behaviour(prefix)["source"] == "conda-python-exe"


LAYOUTS = golden_prefixes.layouts()
LAYOUTS_OUT = golden_prefixes.layouts_root() / "out"
LAYOUT_CASES = [
    (layout, variant)
    for layout in LAYOUTS
    for variant in VARIANTS
    if (LAYOUTS_OUT / layout / variant).exists()
    or (LAYOUTS_OUT / layout / (variant + ".error")).exists()
]
# The source each kind of layout is found by.
LAYOUT_SOURCES = {
    "envs": "envs-folder",
    "root": "root",
    "elsewhere": "conda-exe",
    "exe-over": "conda-exe",
    "listed": "environments-txt",
}


@pytest.fixture(scope="module")
def laid_out(tmp_path_factory):
    """Each layout laid out once (nbrepro only reads it: test_prefix_is_left_byte_identical)."""
    made = {}
    folder = tmp_path_factory.mktemp("layouts")

    def get(layout):
        if layout not in made:
            made[layout] = golden_prefixes.lay_out(
                LAYOUTS[layout],
                golden_prefixes.root(),
                golden_prefixes.layouts_root() / "roots",
                folder / str(len(made)),
            )
        return made[layout]

    return get


@pytest.mark.parametrize("layout,variant", LAYOUT_CASES)
def test_layout_equals_the_installed_conda(isolated, monkeypatch, laid_out, layout, variant):
    """An environment with an older history beside an installed conda: nbrepro,
    told nothing (no --conda-version), writes what the installed conda wrote."""
    spec = LAYOUTS[layout]
    args, condarc_text = VARIANTS[variant]
    Path(os.environ["CONDARC"]).write_text(condarc_text)
    prefix, environ, root = laid_out(layout)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    out, err = io.StringIO(), io.StringIO()
    argv = ["snapshot", "--prefix", str(prefix), "--record-paths", "--show-variables"]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv + list(args))
    folder = golden_prefixes.layouts_root() / "out" / layout
    error = folder / (variant + ".error")
    if variant.startswith("export-") and "from-history" not in variant and error.exists():
        reason = error.read_text().splitlines()[1].split(": ", 1)[1]
        assert (code, out.getvalue()) == (2, "")
        assert reason in err.getvalue()
        return
    assert code == 0, err.getvalue()
    got = drop_created_by(out.getvalue().replace(str(prefix), "@PREFIX@"))
    if error.exists():
        assert "would refuse env export --from-history" in err.getvalue()
        return
    want = drop_created_by((folder / variant).read_text())
    if variant == "export-explicit.txt" or (
        "from-history" in variant and spec["installed"] != "24.11" and not requests_anything(prefix)
    ):
        assert sorted(got.splitlines()) == sorted(want.splitlines())
        return
    assert got == want


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layout_says_which_conda_and_why(isolated, monkeypatch, laid_out, layout):
    spec = LAYOUTS[layout]
    prefix, environ, root = laid_out(layout)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    behaviour = _behaviour(prefix)
    assert behaviour["conda"] == spec["installed"]
    assert behaviour["source"] == LAYOUT_SOURCES[spec["where"]]
    assert behaviour["root"] == str(root)


LOCKS = {"conda-lock.yml": "conda-lock", "pixi.lock": "pixi-lock"}
LOCK_CASES = [
    (name, lock)
    for name in PREFIXES
    for lock in LOCKS
    if (GOLDEN / "26.7" / name / lock).exists()
    or (GOLDEN / "26.7" / name / (lock + ".error")).exists()
]
_CREATED_AT = re.compile(r"^    created_at: '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ'$", re.M)


@pytest.mark.parametrize("name,lock", LOCK_CASES)
def test_lock_file_equals_conda_lockfiles(isolated, name, lock):
    """`snapshot --format conda-lock|pixi-lock` against real conda 26.7.1 with
    the conda-lockfiles plugin (`conda export --file conda-lock.yml|pixi.lock`,
    for the prefix's platform); conda-lock's created_at is the time of writing."""
    prefix = isolated / name
    shutil.copytree(golden_prefixes.root() / name, prefix)
    out, err = io.StringIO(), io.StringIO()
    argv = ["snapshot", "--prefix", str(prefix), "--record-paths", "--format", LOCKS[lock]]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    error = GOLDEN / "26.7" / name / (lock + ".error")
    if error.exists():
        assert (code, out.getvalue()) == (2, ""), out.getvalue()
        assert "have no URL" in error.read_text() and "have no URL" in err.getvalue()
        return
    assert code == 0, err.getvalue()
    want = (GOLDEN / "26.7" / name / lock).read_text()
    got = out.getvalue()
    if lock == "conda-lock.yml":
        assert len(_CREATED_AT.findall(got)) == 1
        want, got = (_CREATED_AT.sub("    created_at: @TIME@", t) for t in (want, got))
    assert got == want
