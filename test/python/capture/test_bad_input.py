"""Bad input gives a snapshot with problems, never a crash."""

import json
import os
import time

import pytest

from nbrepro.capture import capture, compact, conda_meta, history

from .conftest import PY_MM


def run(prefix, **options):
    return capture(options=dict(options, prefix=str(prefix), gpu=False, config_channels=[]))


def write_record(meta, name, version, build, **extra):
    record = {
        "name": name,
        "version": version,
        "build": build,
        "build_number": 0,
        "depends": [],
        "subdir": "linux-64",
        "channel": "https://conda.anaconda.org/conda-forge/linux-64",
        "fn": "%s-%s-%s.conda" % (name, version, build),
        "url": "https://conda.anaconda.org/conda-forge/linux-64/%s-%s-%s.conda"
        % (name, version, build),
        "md5": "0" * 32,
        "sha256": "1" * 64,
    }
    record.update(extra)
    path = meta / ("%s-%s-%s.json" % (name, version, build))
    path.write_text(json.dumps(record, indent=2, sort_keys=True))
    return path


@pytest.fixture
def prefix(tmp_path):
    meta = tmp_path / "env" / "conda-meta"
    meta.mkdir(parents=True)
    write_record(meta, "zlib", "1.3", "h0")
    write_record(meta, "python", PY_MM + ".0", "h0_cpython", depends=["zlib"])
    return tmp_path / "env"


def package_names(result):
    return [p["name"] for p in compact.conda_packages(result["environment"]["conda"])]


def messages(result):
    return [(p["probe"], p["message"], p.get("path")) for p in result["problems"]]


def test_corrupt_and_truncated_records(prefix):
    meta = prefix / "conda-meta"
    (meta / "broken-1.0-0.json").write_text('{"name": "broken", "version": "1.0", "bui')
    (meta / "binary-1.0-0.json").write_bytes(b"\xff\xfe\x00garbage")
    (meta / "listy-1.0-0.json").write_text("[1, 2]")
    result = run(prefix)
    assert package_names(result) == ["zlib", "python"]
    paths = {p[2] for p in messages(result) if "corrupt" in p[1]}
    assert paths == {"broken-1.0-0.json", "binary-1.0-0.json", "listy-1.0-0.json"}


def test_missing_fields_and_misnamed_records(prefix):
    meta = prefix / "conda-meta"
    (meta / "noversion-1.0-0.json").write_text(json.dumps({"name": "noversion", "build": "0"}))
    write_record(meta, "renamed", "2.0", "0")
    os.rename(meta / "renamed-2.0-0.json", meta / "renamed-1.0-0.json")
    nourl = write_record(meta, "nourl", "1.0", "0")
    data = json.loads(nourl.read_text())
    del data["url"], data["md5"], data["sha256"]
    nourl.write_text(json.dumps(data, indent=2))
    result = run(prefix)
    found = messages(result)
    assert ("conda", "record lacks version", "noversion-1.0-0.json") in found
    assert any(p[2] == "renamed-1.0-0.json" and "name-version-build" in p[1] for p in found)
    packages = {p["name"]: p for p in compact.conda_packages(result["environment"]["conda"])}
    assert packages["nourl"]["url"] is None and packages["nourl"]["md5"] is None
    assert "<unknown>/linux-64/nourl-1.0-0.conda" in result["environment"]["conda"]["packages"]
    from nbrepro.record import envfiles

    assert "# no URL for: nourl-1.0-0.conda" in envfiles.explicit(result["environment"])


def test_record_with_100000_files_is_read_without_parsing_them(prefix):
    meta = prefix / "conda-meta"
    sp = "lib/python%s/site-packages" % PY_MM
    files = ["%s/huge/m%06d.py" % (sp, i) for i in range(100000)]
    files.append("%s/huge-1.0.dist-info/RECORD" % sp)
    path = write_record(
        meta,
        "huge",
        "1.0",
        "py0",
        depends=["python"],
        files=files,
        paths_data={
            "paths_version": 1,
            "paths": [
                {"_path": f, "path_type": "hardlink", "sha256": "2" * 64, "size_in_bytes": 1}
                for f in files
            ],
        },
    )
    (prefix / sp).mkdir(parents=True)
    data = path.read_bytes()
    assert len(data) > 10_000_000
    started = time.perf_counter()
    record, anchors = conda_meta.parse_record(data)
    fast = time.perf_counter() - started
    started = time.perf_counter()
    json.loads(data)
    full = time.perf_counter() - started
    assert "files" not in record and record["name"] == "huge"
    assert anchors == ["%s/huge-1.0.dist-info/RECORD" % sp]
    assert fast < full
    result = run(prefix)
    assert package_names(result)[-1] == "huge"
    # The dist-info is not there: conda would call the record clobbered.
    assert any("huge" in m[1] for m in messages(result))


def test_compact_record_falls_back_to_full_parse(prefix):
    meta = prefix / "conda-meta"
    path = write_record(meta, "compact", "1.0", "0", files=["a", "b"])
    path.write_text(json.dumps(json.loads(path.read_text())))
    result = run(prefix)
    assert "compact" in package_names(result)
    assert result["problems"] == []


def test_non_utf8_metadata(tmp_path, monkeypatch):
    site = tmp_path / "site"
    dist = site / "caf-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_bytes(
        b"Metadata-Version: 2.1\nName: caf\nVersion: 1.0\nAuthor: Jos\xe9\n\n\xff\xfe body"
    )
    monkeypatch.syspath_prepend(str(site))
    result = capture(options={"gpu": False})
    dist = [d for d in result["environment"]["pip"]["distributions"] if d["name"] == "caf"]
    assert dist[0]["version"] == "1.0"
    assert any("not valid UTF-8" in p["message"] for p in result["problems"])


def test_symlinked_site_packages(tmp_path):
    env = tmp_path / "env"
    (env / "conda-meta").mkdir(parents=True)
    write_record(env / "conda-meta", "python", PY_MM + ".0", "h0")
    real = tmp_path / "elsewhere" / "site-packages"
    (real / "linked-1.0.dist-info").mkdir(parents=True)
    (real / "linked-1.0.dist-info" / "METADATA").write_text("Name: Linked\nVersion: 1.0\n\n")
    (real / "linked-1.0.dist-info" / "RECORD").write_text("")  # conda's anchor file
    (env / "lib" / ("python" + PY_MM)).mkdir(parents=True)
    os.symlink(real, env / "lib" / ("python" + PY_MM) / "site-packages")
    result = run(env)
    assert compact.conda_pip(result["environment"]) == ["linked==1.0"]
    pip = result["environment"]["pip"]
    assert pip["site_dirs"][0]["resolved"].endswith("elsewhere/site-packages")
    assert [d["name"] for d in pip["distributions"]] == ["Linked"]


def test_unreadable_directories(prefix, monkeypatch):
    meta = str(prefix / "conda-meta")
    if os.geteuid() != 0:
        os.chmod(meta, 0)
    else:
        # root ignores permission bits, so make the listing fail the way EACCES does.
        real_scandir = os.scandir

        def scandir(path="."):
            if str(path) == meta:
                raise PermissionError(13, "Permission denied", str(path))
            return real_scandir(path)

        monkeypatch.setattr(os, "scandir", scandir)
    try:
        result = run(prefix)
    finally:
        os.chmod(meta, 0o755)
    assert result["environment"]["conda"]["packages"] == []
    assert ("conda", "cannot list conda-meta: Permission denied", meta) in messages(result)


def test_malformed_history(prefix):
    (prefix / "conda-meta" / "history").write_bytes(
        b"# stray comment first\n"
        b"==> 2024-01-01 00:00:00 <==\n# cmd: conda create -n x python\n"
        b"# update specs: ['python'\n"
        b"==> 2024-01-02 00:00:00 <==\n# cmd: conda install zlib\n"
        b"# update specs: ['zlib=1.3', 'gone']\n+conda-forge/linux-64::zlib-1.3-h0\n\xff\n"
    )
    result = run(prefix)
    conda = result["environment"]["conda"]
    assert conda["from_history"] == ["zlib=1.3"]
    found = [m[1] for m in messages(result)]
    assert any("before any" in m for m in found)
    assert any("unreadable comment" in m for m in found)
    assert any("not valid UTF-8" in m for m in found)


def test_history_semantics_remove_and_neuter():
    text = (
        "==> 2024-01-01 <==\n# cmd: conda create -n x python=3.11 numpy\n"
        "# update specs: ['python=3.11', 'numpy']\n"
        "==> 2024-01-02 <==\n# cmd: conda remove numpy\n# remove specs: ['numpy']\n"
        "==> 2024-01-03 <==\n# cmd: conda install conda-forge::scipy>=1\n"
        "# update specs: ['conda-forge::scipy[version=\\'>=1\\']']\n"
        "# neutered specs: ['python=3.11.5']\n"
        "==> 2024-01-04 <==\n# install specs: pandas >=1.0,<2.0,python\n"
    )
    blocks, problems = history.parse(text)
    requests = history.user_requests(blocks, problems)
    specs = history.requested_specs_map(requests, {"python", "scipy", "numpy"})
    assert [history.env_form(s) for s in specs.values()] == [
        "python=3.11.5",
        "scipy[version='>=1']",
    ]
    assert problems == []


def test_redacted_credentials_in_urls(prefix):
    write_record(
        prefix / "conda-meta",
        "secret",
        "1.0",
        "0",
        url="https://user:pw@conda.example.com/t/tk-123abc/private/linux-64/secret-1.0-0.conda",
        channel="https://conda.example.com/t/tk-123abc/private/linux-64",
    )
    conda = run(prefix)["environment"]["conda"]
    secret = [p for p in compact.conda_packages(conda) if p["name"] == "secret"][0]
    assert secret["url"] == "https://conda.example.com/private/linux-64/secret-1.0-0.conda"
    assert secret["channel"] == "https://conda.example.com/private"
    assert conda["channel_urls"]["private"] == "https://conda.example.com/private"
    assert "tk-123abc" not in json.dumps(conda)


def test_fifos_where_files_are_read_never_block_the_capture(prefix, tmp_path):
    """A FIFO by the name of a record, the history, a distribution's METADATA, RECORD,
    top_level.txt or direct_url.json, or .condarc: open() of one waits for a writer,
    which in a kernel is forever after the user's cell. The capture reads on and says
    what it could not read. Run in a child process, so that a hang fails the test."""
    import subprocess
    import sys

    meta = prefix / "conda-meta"
    os.mkfifo(str(meta / "fifo-1.0-0.json"))
    os.mkfifo(str(meta / "history"))
    os.mkfifo(str(prefix / ".condarc"))
    site = prefix / "lib" / ("python%s" % PY_MM) / "site-packages"
    dist = site / "fifodist-1.0.dist-info"
    dist.mkdir(parents=True)
    for name in ("METADATA", "RECORD", "top_level.txt", "direct_url.json"):
        os.mkfifo(str(dist / name))
    code = (
        "import json, sys\n"
        "from nbrepro.capture import capture\n"
        "result = capture(options={'prefix': sys.argv[1], 'gpu': False, 'full': True})\n"
        "print(json.dumps(result, default=str))\n"
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", code, str(prefix)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert time.monotonic() - started < 60
    result = json.loads(done.stdout)
    assert sorted(package_names(result)) == ["python", "zlib"]
    said = json.dumps(result["problems"])
    assert "not a regular file" in said, said
