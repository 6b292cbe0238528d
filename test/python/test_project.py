"""The notebook's project and its boundary (``record/project.py``, ``capture/project.py``):
which folder is the project, which names are private, and how a file may leave it."""

import os
import socket
import threading

import pytest

from nbrepro.capture import project as kernel_side
from nbrepro.record import project


def test_the_project_is_the_git_work_tree_else_a_project_file_else_the_notebooks_folder(tmp_path):
    top = tmp_path / "repo"
    deep = top / "notebooks" / "topic"
    deep.mkdir(parents=True)
    assert project.find_root(deep) == deep.resolve()
    (top / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert project.find_root(deep) == top.resolve()
    (top / "notebooks" / "environment.yml").write_text("name: x\n")
    assert project.find_root(deep) == (top / "notebooks").resolve()
    (top / ".git").mkdir()
    assert project.find_root(deep) == top.resolve()  # git wins over any nearer file
    found = project.of_notebook(deep / "demo.ipynb")
    assert (found.root, found.notebook_dir) == (top.resolve(), "notebooks/topic")
    assert project.kind_of(found) == "the notebook's git work tree"


def test_the_home_folder_is_never_a_project(tmp_path, monkeypatch):
    """A home folder kept in git for its dotfiles would make every file a user has
    part of every notebook's project."""
    home = tmp_path / "home"
    notebooks = home / "notebooks"
    notebooks.mkdir(parents=True)
    (home / ".git").mkdir()
    (home / "environment.yml").write_text("name: base\n")
    monkeypatch.setenv("HOME", str(home))
    assert project.find_root(notebooks) == notebooks.resolve()


@pytest.mark.parametrize(
    "name",
    [
        ".env",
        ".env.local",
        "config/.netrc",
        ".ssh/config",
        "keys/id_rsa",
        "id_ed25519.pub",
        "credentials",
        "credentials.json",
        "aws/credentials_prod.csv",
        "server.pem",
        "tls/site.key",
        "store.p12",
        "secrets.yaml",
        "secret",
        "pgpass",
    ],
)
def test_hidden_and_credential_looking_names_are_private(name):
    assert project.private_name(name)
    assert kernel_side.private_name("/somewhere/" + name)


@pytest.mark.parametrize(
    "name", ["data/x.csv", "id_map.csv", "identity.py", "keynote.txt", "secretary.csv", "pem.txt"]
)
def test_ordinary_names_are_not_private(name):
    assert not project.private_name(name)


def test_outside_names_never_spell_where_the_user_lives(tmp_path, monkeypatch):
    home = tmp_path / "home" / "alice"
    (home / "proj" / "nb").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    folder = str(home / "proj" / "nb")
    assert project.named_from(folder, str(home / "proj" / "data" / "x.csv")) == "../data/x.csv"
    assert project.named_from(folder, str(home / "lib" / "helper.py")) == "../../lib/helper.py"
    # Another user's folder, or a path sharing only the root: by count only.
    assert project.named_from(folder, str(tmp_path / "home" / "bob" / "x.csv")) is None
    assert project.named_from(folder, "/opt/data/x.csv") is None


def test_path_arithmetic_is_pure(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert project.join("nb/topic", "../../data/x.csv") == "data/x.csv"
    assert project.join(".", "../x.csv") == "../x.csv"
    assert project.from_notebook_dir("nb/topic", "data/x.csv") == "../../data/x.csv"
    assert project.from_notebook_dir("nb", "nb/a.py") == "a.py"
    assert project.from_notebook_dir("nb", "/etc/passwd") == "/etc/passwd"  # not relative to cwd
    assert project.folder_name("../..") == project.folder_name("/etc") == "."
    assert project.folder_name("nb/topic") == "nb/topic"
    for forged in ("/home/alice/x.py", "~/x.py", "C:/x.py", "a\x1b[2Jb", "a\\b"):
        assert project.relative_name(forged) is None
    assert project.relative_name("../lib/./helper.py") == "../lib/helper.py"


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("A = 1\n")
    (root / "pkg" / "real.py").write_text("B = 2\n")
    (root / "data").mkdir()
    (root / "data" / "x.csv").write_text("a,b\n")
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours\n")
    return root, outside


def test_read_inside_takes_regular_files_inside_and_links_that_stay(tree):
    root, outside = tree
    os.symlink(root / "data" / "x.csv", root / "data" / "alias.csv")
    assert project.read_inside(root, "data/x.csv", 100) == b"a,b\n"
    assert project.read_inside(root, "data/alias.csv", 100) == b"a,b\n"


def test_read_inside_refuses_what_leaves_hangs_or_never_ends(tree):
    root, outside = tree
    os.symlink(outside, root / "data" / "leak.csv")
    os.symlink("/proc/self/environ", root / "data" / "environ")
    os.symlink("/dev/zero", root / "data" / "zero")
    os.mkfifo(root / "data" / "fifo.csv")
    with open(root / "data" / "sparse.bin", "wb") as handle:
        handle.truncate(20 * 1024**3)  # 20 GB that take no room
    (root / ".env").write_text("TOKEN=abc\n")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(root / "data" / "sock"))
    reasons = {}
    done = threading.Event()

    def read_all():
        for name in ("leak.csv", "environ", "zero", "fifo.csv", "sparse.bin", "sock"):
            try:
                project.read_inside(root, "data/" + name, 1024**2)
            except project.Refused as refusal:
                reasons[name] = refusal.reason
        try:
            project.read_inside(root, ".env", 1024)
        except project.Refused as refusal:
            reasons[".env"] = refusal.reason
        done.set()

    worker = threading.Thread(target=read_all, daemon=True)
    worker.start()
    assert done.wait(10), "a read blocked"
    server.close()
    assert reasons["leak.csv"] == reasons["environ"] == "a link to a file outside the project"
    assert reasons["zero"] == "a link to a file outside the project"
    assert reasons["fifo.csv"] == "a FIFO, not a regular file"
    assert reasons["sock"] == "a socket, not a regular file"
    assert reasons["sparse.bin"] == "20.0 GB, over the limit of 1.0 MB"
    assert reasons[".env"].startswith("hidden, or named like a credential")


def test_a_file_outside_is_hashed_only_when_it_is_a_regular_file_reached_without_links(tree):
    """``hash_outside``: size and sha256 of a file outside the project by the path the
    notebook used from its folder; never through a link, never a FIFO, a device, a
    socket, a folder, a private name or past the limit, and never blocking."""
    import hashlib

    root, outside = tree
    folder = root / "data"
    assert project.hash_outside(folder, "../../outside.txt", 100) == (
        10,
        hashlib.sha256(b"not yours\n").hexdigest(),
    )
    away = outside.parent / "away"
    away.mkdir()
    os.symlink(outside, away / "link.txt")
    os.symlink(outside.parent, away / "up")
    os.symlink("/dev/zero", away / "zero")
    os.mkfifo(away / "fifo")
    with open(away / "sparse.bin", "wb") as handle:
        handle.truncate(20 * 1024**3)
    (away / "id_rsa").write_text("secret\n")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(away / "sock"))
    climb = "../" * 30 + "etc/hostname"  # forged: only the root in common
    reasons = {}
    done = threading.Event()

    def hash_all():
        for name in ("link.txt", "up/outside.txt", "zero", "fifo", "sparse.bin", "sock"):
            try:
                project.hash_outside(folder, "../../away/" + name, 1024**2)
            except project.Refused as refusal:
                reasons[name] = refusal.reason
        for name in (
            "../../away/id_rsa",
            "../../away",
            "../../away/nothing",
            "/etc/hostname",
            climb,
        ):
            try:
                project.hash_outside(folder, name, 1024**2)
            except project.Refused as refusal:
                reasons[name] = refusal.reason
        done.set()

    worker = threading.Thread(target=hash_all, daemon=True)
    worker.start()
    assert done.wait(10), "a read blocked"
    server.close()
    for name in ("link.txt", "up/outside.txt", "zero"):
        assert reasons[name] == "reached through a link: not read", name
    assert reasons["fifo"] == "a FIFO, not a regular file"
    assert reasons["sock"] == "a socket, not a regular file"
    assert reasons["../../away"] == "a folder, not a regular file"
    assert reasons["sparse.bin"] == "20.0 GB, over the limit of 1.0 MB"
    assert reasons["../../away/id_rsa"].startswith("hidden, or named like a credential")
    assert reasons["../../away/nothing"] == "not there"
    assert reasons["/etc/hostname"] == reasons[climb] == "a path nbrepro does not name"


def test_a_package_walk_names_what_it_refuses(tree):
    root, outside = tree
    pkg = root / "pkg"
    os.symlink("/proc/self/environ", pkg / "envleak.py")
    os.symlink(outside, pkg / "leak.py")
    os.mkfifo(pkg / "pipe.py")
    os.symlink(outside.parent, pkg / "escape")  # a folder link out of the project
    (pkg / ".hidden").mkdir()
    (pkg / ".hidden" / "x.py").write_text("")
    (pkg / "credentials.py").write_text("KEY = 'x'\n")
    files, refused = project.package_files(root, "pkg", 100)
    assert files == ["pkg/__init__.py", "pkg/real.py"]
    assert dict(refused) == {
        "pkg/escape": "a link to a folder outside the project",
        "pkg/credentials.py": "hidden, or named like a credential: never carried",
        "pkg/envleak.py": "a link to a file outside the project",
        "pkg/leak.py": "a link to a file outside the project",
        "pkg/pipe.py": "a FIFO, not a regular file",
    }
