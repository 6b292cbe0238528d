"""A stranger's repository, exported (issue 20): nothing leaves the project.

A reviewer clones a repository they did not write and exports its notebook.
Git keeps symbolic links, so the repository may hold links to files and
folders inside and outside it, to ``/proc/self/environ`` or ``/dev/zero``;
it may hold FIFOs, device nodes and sockets (made here as a hostile checkout
would leave them), sparse files of 20 GB, hidden and credential-looking
files, a file named only in a comment, and a notebook whose metadata says it
read whatever the author liked.

One notebook is recorded once (a real kernel) and its metadata forged for
each case: the point is the repository, not the kernel. Every export runs
through the command line (a separate process with a time limit: a FIFO used
to hang it for ever) and through the server's endpoint, and each asserts that
the bundle holds only regular files from inside the project, none of the
refused ones, no secret, no absolute path, and that nothing of the project
was executed. A bundle whose files were swapped for a FIFO or a link to
/dev/zero is then verified within a time limit (issue 20, defect 12).
"""

import asyncio
import copy
import hashlib
import json
import os
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from nbrepro.capture.session import source_id
from nbrepro.record.manifest import read_manifest
from nbrepro.verify import bundle as bundles

BIN = Path(sys.executable).parent
TIME_LIMIT = 120  # seconds an export or a verify may take here; a hang used to be for ever
CANARY = "nbrepro-hostile-canary-7f3a"  # in the exporting process's environment only
SECRET = "TOPSECRET-outside-the-project"
SPARSE = 20 * 1024**3

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX special files"),
    pytest.mark.kernel,  # the template is recorded by a real kernel
]


def nbrepro(*args, cwd=None, timeout=TIME_LIMIT, env=None):
    env = dict(os.environ, NBREPRO_CANARY=CANARY, **(env or {}))
    return subprocess.run(
        [str(BIN / "nbrepro"), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A notebook recorded once by `nbrepro run`: its snapshot and run record are real."""
    import nbformat

    folder = tmp_path_factory.mktemp("template")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    path = folder / "template.ipynb"
    nbformat.write(nb, str(path))
    result = nbrepro("run", path, env={"IPYTHONDIR": str(folder / "ipython")})
    assert result.returncode == 0, result.stderr
    return json.loads(path.read_text())


def forge(template, cells):
    """The template with code cells ``[(source, inputs)]``, each recorded as having
    run with the given ``inputs`` (what a hostile author may write into metadata)."""
    nb = copy.deepcopy(template)
    meta = nb["metadata"]["nbrepro"]
    base = dict(next(iter(meta["runs"].values())))
    meta["runs"] = {}
    nb["cells"] = []
    for number, (source, inputs) in enumerate(cells, 1):
        run_id = "%016x" % number
        meta["runs"][run_id] = dict(base, inputs=inputs)
        record = {"env": meta["current"], "src": source_id(source), "run": run_id}
        nb["cells"].append(
            {
                "cell_type": "code",
                "execution_count": number,
                "id": "cell-%d" % number,
                "metadata": {"nbrepro": record},
                "outputs": [],
                "source": source,
            }
        )
    return nb


def sparse(path):
    with open(str(path), "wb") as handle:
        handle.truncate(SPARSE)


def device(path):
    """A character device (the numbers of /dev/zero) where the user may make one."""
    try:
        os.mknod(str(path), stat.S_IFCHR | 0o600, os.makedev(1, 5))
    except (PermissionError, OSError):
        return False
    return True


def build_repository(base, template):
    """A repository (a git work tree) in ``base``/repo holding everything a bundle must
    not carry, and a folder outside it; returns what the assertions need."""
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET + "\n")
    (outside / "x.py").write_text("LEAKED = %r\n" % SECRET)
    root = base / "repo"
    (root / ".git").mkdir(parents=True)
    marker = base / "executed"
    # Code of the project that must never run during an export.
    ran = "open(%r, 'a').write('ran')\n" % str(marker)
    (root / "setup.py").write_text(ran)
    pkg = root / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(ran)
    (pkg / "ok.py").write_text("OK = 1\n")
    os.symlink("/proc/self/environ", pkg / "envleak.py")
    os.symlink(outside / "secret.txt", pkg / "leak.py")
    os.symlink("/dev/zero", pkg / "zero.py")
    os.mkfifo(pkg / "pipe.py")
    sparse(pkg / "huge.py")
    os.symlink(outside, pkg / "escape")  # a folder outside
    os.symlink(root / "lib", pkg / "inner")  # a folder inside
    (pkg / "credentials.py").write_text("TOKEN = 'x'\n")
    made_device = device(pkg / "dev.py")
    (root / "lib").mkdir()
    (root / "lib" / "inside.py").write_text("INSIDE = 1\n")
    data = root / "data"
    data.mkdir()
    (data / "x.csv").write_text("a,b\n1,2\n")
    os.symlink(data / "x.csv", data / "alias.csv")  # a link that stays inside
    os.symlink(outside / "secret.txt", data / "out.csv")
    os.symlink("/dev/zero", data / "zero.csv")
    os.mkfifo(data / "fifo.csv")
    sparse(data / "sparse.bin")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(data / "sock"))
    (data / "secret.csv").write_text(SECRET + "\n")  # named in a comment only
    (data / "id_rsa").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    (root / ".env").write_text("API_TOKEN=%s\n" % SECRET)
    (root / ".netrc").write_text("machine x login y password %s\n" % SECRET)
    (root / "credentials.json").write_text('{"key": "%s"}\n' % SECRET)
    (root / "certs").mkdir()
    (root / "certs" / "server.pem").write_text(SECRET + "\n")
    made_device = device(data / "dev.csv") and made_device

    forged_sha = hashlib.sha256(b"forged").hexdigest()
    data_files = [
        "data/x.csv",
        "data/alias.csv",
        "data/out.csv",
        "data/zero.csv",
        "data/fifo.csv",
        "data/sparse.bin",
        "data/sock",
        "data/id_rsa",
        ".env",
        ".netrc",
        "credentials.json",
        "certs/server.pem",
    ] + (["data/dev.csv"] if made_device else [])
    cells = [
        (
            "import sys\nsys.path.append('..')\nimport pkg\nsys.path.append('../lib')\n"
            "import inside",
            {"notebook_dir": "nb", "local_modules": {"pkg": "pkg", "inside": "lib/inside.py"}},
        ),
        (
            "# the answer is in data/secret.csv and ../data/secret.csv\n"
            "!cat ../data/secret.csv\nrows = open('../data/x.csv').read()",
            {
                "notebook_dir": "nb",
                "files": [
                    {"path": p, "mode": "r", "size": 9, "sha256": forged_sha} for p in data_files
                ],
            },
        ),
    ]
    (root / "nb").mkdir()
    notebook = root / "nb" / "analysis.ipynb"
    notebook.write_text(json.dumps(forge(template, cells)))
    return {
        "base": base,
        "root": root,
        "notebook": notebook,
        "marker": marker,
        "forged_sha": forged_sha,
        "device": made_device,
        "listener": listener,
    }


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, template):
    made = build_repository(tmp_path_factory.mktemp("hostile"), template)
    yield made
    made["listener"].close()


CARRIED = {"pkg/__init__.py", "pkg/ok.py", "lib/inside.py", "data/x.csv", "data/alias.csv"}
REFUSED = {
    "pkg/envleak.py": "a link to a file outside the project",
    "pkg/leak.py": "a link to a file outside the project",
    "pkg/zero.py": "a link to a file outside the project",
    "pkg/pipe.py": "a FIFO, not a regular file",
    "pkg/huge.py": "20.0 GB, over the limit of 16.0 MB",
    "pkg/escape": "a link to a folder outside the project",
    "pkg/credentials.py": "hidden, or named like a credential: never carried",
    "data/out.csv": "a link to a file outside the project",
    "data/zero.csv": "a link to a file outside the project",
    "data/fifo.csv": "a FIFO, not a regular file",
    "data/sock": "a socket, not a regular file",
    "data/id_rsa": "hidden, or named like a credential: never carried",
    ".env": "hidden, or named like a credential: never carried",
    ".netrc": "hidden, or named like a credential: never carried",
    "credentials.json": "hidden, or named like a credential: never carried",
    "certs/server.pem": "hidden, or named like a credential: never carried",
}


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def assert_only_the_project(bundle, hostile):
    """Every file of ``bundle`` is a regular file; the carried ones are those of the
    project that the boundary lets out, byte for byte; nothing else is there."""
    root = hostile["root"]
    written = {}
    for path in sorted(bundle.rglob("*")):
        mode = os.lstat(str(path)).st_mode
        assert stat.S_ISREG(mode) or stat.S_ISDIR(mode), path
        if stat.S_ISREG(mode):
            written[path.relative_to(bundle).as_posix()] = path.read_bytes()
    for name in CARRIED:
        assert written[name] == (root / name).read_bytes(), name
    for name in REFUSED:
        assert not any(p == name or p.startswith(name + "/") for p in written), name
    assert "data/sparse.bin" not in written and "data/secret.csv" not in written
    assert not any(p.startswith(("data/dev", "pkg/dev", "pkg/inner")) for p in written)
    if hostile["device"]:
        manifest = json.loads(written["manifest.json"])
        left = {i["path"]: i["why"] for i in manifest["inputs"]["left_out"]}
        assert left["../data/dev.csv"] == left["../pkg/dev.py"] == "a device, not a regular file"
    for name, data in written.items():
        assert SECRET.encode() not in data, name
        assert CANARY.encode() not in data, name  # the exporting process's environment
    manifest = json.loads(written["manifest.json"])
    for text in strings(manifest):
        assert not text.startswith("/"), text
        assert str(hostile["base"]) not in text, text
    # Private files are named as left out, never hashed: not even the forged hash is kept.
    secret_sha = hashlib.sha256((root / ".env").read_bytes()).hexdigest()
    text = json.dumps(manifest) + written["README.md"].decode()
    assert secret_sha not in text
    left_out = {item["path"]: item["why"] for item in manifest["inputs"]["left_out"]}
    for name, why in REFUSED.items():
        assert left_out.get("../" + name) == why, (name, left_out.get("../" + name))
    data = {item["path"]: item for item in manifest["inputs"]["data"]}
    assert data["data/sparse.bin"]["carried"] is False  # over the data limit, never read
    assert hostile["forged_sha"] not in json.dumps(manifest["inputs"]["left_out"])
    assert not hostile["marker"].exists(), "the project's code ran during the export"
    return written, manifest


def test_the_cli_check_lists_what_would_be_carried_and_hangs_on_nothing(hostile):
    result = nbrepro("export", hostile["notebook"], "--check-only", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {item["path"] for item in report["carried"]} == CARRIED
    sizes = {item["path"]: item["size"] for item in report["carried"]}
    assert sizes["data/x.csv"] == (hostile["root"] / "data" / "x.csv").stat().st_size
    (finding,) = [f for f in report["findings"] if f["kind"] == "missing-inputs"]
    assert "../pkg/envleak.py (cell 1): a link to a file outside the project" in finding["message"]
    left_out = {item["path"]: item["why"] for item in report["left_out"] if "why" in item}
    for name, why in REFUSED.items():
        assert left_out["../" + name] == why
    assert not hostile["marker"].exists()


def test_the_cli_export_carries_only_regular_files_from_inside_the_project(hostile):
    bundle = hostile["base"] / "cli-bundle"
    result = nbrepro("export", hostile["notebook"], "-o", bundle)
    assert result.returncode == 0, result.stderr
    assert_only_the_project(bundle, hostile)
    # Every carried file is named, with its size, before the bundle is written.
    said = result.stderr.split("nbrepro export: writing %s" % bundle)[0]
    for name in CARRIED:
        size = (hostile["root"] / name).stat().st_size
        assert "nbrepro export: carries %s (%d B)" % (name, size) in said, name
    # The notebook keeps its place in the project: the script runs from nb/.
    assert (bundle / "nb" / "analysis.ipynb").read_bytes() == hostile["notebook"].read_bytes()
    assert "script_dir=nb" in (bundle / "run.sh").read_text()


async def test_the_endpoint_carries_only_regular_files_from_inside_the_project(
    template, jp_fetch, jp_root_dir
):
    local = build_repository(jp_root_dir, template)
    listener = local["listener"]

    async def post(body):
        return await asyncio.wait_for(
            jp_fetch("nbrepro", "export", method="POST", body=json.dumps(body)), TIME_LIMIT
        )

    try:
        checked = json.loads(
            (await post({"path": "repo/nb/analysis.ipynb", "check_only": True})).body
        )
        assert {item["path"] for item in checked["carried"]} == CARRIED
        assert not list((jp_root_dir / "repo").glob("nb/*-bundle"))
        reply = json.loads((await post({"path": "repo/nb/analysis.ipynb"})).body)
    finally:
        listener.close()
    assert {item["path"] for item in reply["carried"]} == CARRIED
    bundle = jp_root_dir / reply["output"]
    assert_only_the_project(bundle, local)
    assert reply["output"] == "repo/nb/analysis-bundle"


@pytest.mark.parametrize("special", ["envleak", "fifo", "zero", "sparse"])
def test_a_package_beside_the_notebook_carries_no_link_out_and_no_special_file(
    template, tmp_path, special
):
    """Issue 20, defects 1 and 5, as reported: the notebook at its project's top imports
    a package holding a link to /proc/self/environ, a FIFO named x.py, a link to
    /dev/zero or a sparse 20 GB module; the export used to copy the exporting process's
    environment, hang, or run out of memory."""
    root = tmp_path / "repo"
    pkg = root / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    if special == "envleak":
        os.symlink("/proc/self/environ", pkg / "x.py")
    elif special == "fifo":
        os.mkfifo(pkg / "x.py")
    elif special == "zero":
        os.symlink("/dev/zero", pkg / "x.py")
    else:
        sparse(pkg / "x.py")
    notebook = root / "analysis.ipynb"
    notebook.write_text(
        json.dumps(forge(template, [("import pkg", {"local_modules": {"pkg": "pkg"}})]))
    )
    result = nbrepro("export", notebook, "-o", tmp_path / "bundle", timeout=60)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "bundle" / "pkg" / "__init__.py").is_file()
    assert not (tmp_path / "bundle" / "pkg" / "x.py").exists()
    for path in (tmp_path / "bundle").rglob("*"):
        assert not path.is_file() or CANARY.encode() not in path.read_bytes(), path
    assert "pkg/x.py (cell 1): " in result.stderr


@pytest.mark.parametrize(
    "inputs",
    [
        {"local_modules": {"x": "."}},
        {"local_modules": {"x": "/etc"}},
        {"local_modules": {"x": "../../etc/passwd"}},
        {"files": [{"path": "/etc/passwd", "mode": "r"}]},
        {"files": [{"path": "../outside/secret.txt", "mode": "r"}]},
        {"notebook_dir": "../../outside", "files": [{"path": "secret.txt", "mode": "r"}]},
        {"notebook_dir": "/etc", "local_modules": {"passwd": "passwd"}},
        {"outside_modules": {"w": "/home/alice/w.py"}},
        {"outside": {"count": 1, "files": [{"path": "/home/alice/secret.csv", "mode": "r"}]}},
        {"outside": {"count": 1, "files": [{"path": "~/secret.csv", "mode": "r"}]}},
    ],
    ids=lambda inputs: json.dumps(inputs)[:60],
)
def test_forged_metadata_reads_nothing_outside_and_names_no_absolute_path(
    template, tmp_path, inputs
):
    from nbrepro.export import bundle as exporter

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "nb").mkdir()
    path = root / "nb" / "forged.ipynb"
    path.write_text(json.dumps(forge(template, [("x = 1", inputs)])))
    made, _ = exporter.export(path, tmp_path / "bundle", data_limit=10**6)
    for name, data in made.files.items():
        assert SECRET.encode() not in data, name
        assert b"root:" not in data or name.endswith(".py"), name
    for text in strings(made.manifest):
        assert not text.startswith(("/", "~")), text
        assert str(tmp_path) not in text, text


def test_verify_of_a_bundle_with_special_files_hangs_on_nothing(hostile):
    bundle = hostile["base"] / "tampered"
    result = nbrepro("export", hostile["notebook"], "-o", bundle)
    assert result.returncode == 0, result.stderr
    manifest = read_manifest(bundle)
    (bundle / "data" / "x.csv").unlink()
    os.symlink("/dev/zero", bundle / "data" / "x.csv")
    (bundle / "lib" / "inside.py").unlink()
    os.mkfifo(bundle / "lib" / "inside.py")
    (bundle / "pkg" / "ok.py").write_bytes(b"\0" * 10)
    sparse(bundle / "README.md")  # 20 GB where the manifest says a few KB: never read whole
    warnings, done = [], threading.Event()

    def check():
        warnings.extend(bundles.check_files(bundle, manifest))
        done.set()

    threading.Thread(target=check, daemon=True).start()
    assert done.wait(30), "the manifest check blocked on a special file"
    assert (
        "data/x.csv is a link in the bundle, which no export writes: not read, and the bundle "
        "was altered after export" in warnings
    )
    assert any(w.startswith("lib/inside.py is a FIFO in the bundle") for w in warnings)
    assert any(w.startswith("pkg/ok.py does not match the sha256") for w in warnings)
    assert any(w.startswith("README.md does not match the sha256") for w in warnings)

    # The manifest and the notebook themselves: refused before any kernel starts.
    notebook = bundle / "nb" / "analysis.ipynb"
    notebook.unlink()
    os.symlink("/dev/zero", notebook)
    result = nbrepro("verify", bundle, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "is a link, which no export writes; not read" in result.stderr
    (bundle / "manifest.json").unlink()
    os.mkfifo(bundle / "manifest.json")
    result = nbrepro("verify", bundle, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "manifest.json is a FIFO, which no export writes; not read" in result.stderr


def test_a_word_in_a_cell_carries_nothing_and_scripts_cells_run_are_carried(template, tmp_path):
    """Issue 20, defect 9: a file named only in a cell's source, a comment included, was
    carried and listed as read. Scripts a cell runs (`%run`, `!python`), which no audit
    hook sees opened, are carried from the script converter's reading of the magics."""
    from nbrepro.export import bundle as exporter

    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    (root / "notes.txt").write_text(SECRET)
    (root / "other.py").write_text("X = 1\n")
    (root / "helpers.py").write_text("Y = 2\n")
    (root / "scripts" / "make.py").write_text("print('made')\n")
    cells = [
        ("# see notes.txt and other.py for the details\nx = 1", {}),
        ("%run helpers.py\n!python -u scripts/make.py --fast\n!python -c 'print(1)'", {}),
    ]
    path = root / "analysis.ipynb"
    path.write_text(json.dumps(forge(template, cells)))
    made, _ = exporter.export(path, tmp_path / "bundle")
    assert "notes.txt" not in made.files and "other.py" not in made.files
    assert made.files["helpers.py"] == b"Y = 2\n"
    assert made.files["scripts/make.py"] == b"print('made')\n"
    scripts = {item["path"] for item in made.inputs["modules"] if item.get("script")}
    assert scripts == {"helpers.py", "scripts/make.py"}


def test_what_lies_outside_is_hashed_under_the_boundarys_guards_or_says_why_not(template, tmp_path):
    """Issue 21: each file outside the project is named with the size and sha256 of
    the file there at export (a FIFO, a link or a forged climb to /etc is not read,
    and the manifest and README say why); a file the recording hashed keeps the
    recorded sha256, marked as changed when today's differs."""
    import hashlib

    from nbrepro.export import bundle as exporter

    away = tmp_path / "away"
    away.mkdir()
    (away / "lib.py").write_text("Y = 1\n")
    (away / "today.csv").write_text("new\n")
    os.mkfifo(away / "pipe.py")
    os.symlink(away / "lib.py", away / "alias.py")
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "nb").mkdir()
    old = hashlib.sha256(b"old\n").hexdigest()
    inputs = {
        "outside_modules": {
            "lib": "../../away/lib.py",
            "pipe": "../../away/pipe.py",
            "alias": "../../away/alias.py",
            "shadow": "../" * 30 + "etc/shadow",
        },
        "outside": {
            "count": 1,
            "files": [{"path": "../../away/today.csv", "mode": "r", "sha256": old, "size": 4}],
        },
    }
    path = root / "nb" / "forged.ipynb"
    path.write_text(json.dumps(forge(template, [("x = 1", inputs)])))
    done, made = threading.Event(), []

    def export():
        made.append(exporter.export(path, tmp_path / "bundle", data_limit=10**6)[0])
        done.set()

    threading.Thread(target=export, daemon=True).start()
    assert done.wait(60), "the export blocked on a FIFO outside the project"
    outside = {item["path"]: item for item in made[0].manifest["inputs"]["outside"]}
    lib = outside["../../away/lib.py"]
    assert (lib["size"], lib["sha256"]) == (6, hashlib.sha256(b"Y = 1\n").hexdigest())
    assert outside["../../away/pipe.py"]["not_hashed"] == "a FIFO, not a regular file"
    assert outside["../../away/alias.py"]["not_hashed"] == "reached through a link: not read"
    assert outside["../../away/today.csv"]["sha256"] == old
    assert outside["../../away/today.csv"]["changed_since_recording"] is True
    said = json.dumps(made[0].findings)
    assert (
        "../../away/today.csv (read by cell 1) lies outside the project and has changed since "
        "the recording read it" in said
    ), said
    shadow = [item for path, item in outside.items() if path.endswith("etc/shadow")]
    assert all(item["sha256"] is None for item in shadow), shadow
    readme = made[0].files["README.md"].decode()
    assert "not read: a FIFO, not a regular file" in readme
    assert "`%s` (as the notebook read it; it has changed since)" % old in readme
    run_sh = made[0].files["run.sh"].decode()
    assert lib["sha256"] in run_sh and old in run_sh
