"""URL redaction by allow-list (`capture/urls.py`): what a shared file may keep of a URL.

The end-to-end check over every shared artifact is `test_url_secrets_e2e.py`.
"""

import json

import pytest

from nbrepro.capture import capture, compact, urls

from .test_bad_input import write_record

SHA = "ab" * 32
CASES = [
    # user info ends at the last `@` of the authority
    ("https://bob:p@ssSECRET@host/pkg-3.0.tar.gz", "https://host/pkg-3.0.tar.gz"),
    ("https://bob:p@ss@SECRET@host:8443/a/b", "https://host:8443/a/b"),
    ("https://SECRETtoken@host/x.whl", "https://host/x.whl"),
    ("https://u:p#SECRET@host/x", "https://host/x"),
    ("https://u:p?SECRET@host/x", "https://host/x"),
    # a password with an unescaped `/` cannot be told apart from a path: nothing kept
    ("https://u:SE/CRET@host/x", "https://redacted"),
    # query strings go, whatever their names
    ("https://host/pkg-3.0.tar.gz?token=SECRET", "https://host/pkg-3.0.tar.gz"),
    (
        "https://b.s3.amazonaws.com/p.whl?X-Amz-Credential=AKIA&X-Amz-Signature=SECRET",
        "https://b.s3.amazonaws.com/p.whl",
    ),
    (
        "https://gitlab.com/api/v4/projects/9/packages/pypi/files/x.whl?private_token=SECRET",
        "https://gitlab.com/api/v4/projects/9/packages/pypi/files/x.whl",
    ),
    ("https://host?private_token=SECRET", "https://host"),
    # fragments: pip's own stay, with plausible values; the rest goes
    ("https://h/x.tar.gz?t=SECRET#sha256=" + SHA, "https://h/x.tar.gz#sha256=" + SHA),
    ("https://h/x.tar.gz#md5=" + "0" * 32, "https://h/x.tar.gz#md5=" + "0" * 32),
    ("https://h/x.tar.gz#sha256=SECRET", "https://h/x.tar.gz"),
    (
        "git+https://oauth2:SECRET@gitlab.com/o/r.git#egg=pkg[extra]&subdirectory=sub/dir",
        "git+https://gitlab.com/o/r.git#egg=pkg[extra]&subdirectory=sub/dir",
    ),
    ("git+https://h/o/r.git#subdirectory=../SECRET", "git+https://h/o/r.git"),
    ("https://h/x#access_token=SECRET", "https://h/x"),
    ("https://h/x#SECRET", "https://h/x"),
    # conda.anaconda.org tokens in the path
    (
        "https://conda.anaconda.org/t/SECRET-1/private/linux-64",
        "https://conda.anaconda.org/private/linux-64",
    ),
    ("https://conda.anaconda.org/t/SECRET-1", "https://conda.anaconda.org"),
    # what stays as it is
    ("https://host:8443/a/b.whl", "https://host:8443/a/b.whl"),
    ("http://[::1]:8080/simple/x", "http://[::1]:8080/simple/x"),
    ("file:///home/u/src/x-1.0.whl", "file:///home/u/src/x-1.0.whl"),
    ("file:/opt/x?SECRET", "file:/opt/x"),
    ("git+ssh://git@github.com/o/r.git", "git+ssh://git@github.com/o/r.git"),
    ("git+ssh://bob@github.com/o/r.git", "git+ssh://github.com/o/r.git"),
    ("git@github.com:o/r.git", "git@github.com:o/r.git"),
    ("SECRET@github.com:o/r.git", "github.com:o/r.git"),
    ("conda-forge", "conda-forge"),
    ("conda-forge/label/dev", "conda-forge/label/dev"),
    (None, None),
    ("", ""),
]


@pytest.mark.parametrize("url, expected", CASES)
def test_redact_url_keeps_only_what_is_allowed(url, expected):
    assert urls.redact_url(url) == expected
    assert urls.redact_url(expected) == expected  # idempotent


def test_redact_text_redacts_each_url_in_a_spec():
    spec = "https://bob:p@ssSECRET@host/private::numpy >=1.26"
    assert urls.redact_text(spec) == "https://host/private::numpy >=1.26"
    assert urls.redact_text("numpy >=1.26") == "numpy >=1.26"


def test_conda_records_condarc_channels_and_specs_keep_no_secret(tmp_path):
    meta = tmp_path / "env" / "conda-meta"
    meta.mkdir(parents=True)
    write_record(
        meta,
        "secret",
        "1.0",
        "0",
        url="https://bob:p@ssSECRET@conda.example.com/private/linux-64/secret-1.0-0.conda"
        "?X-Amz-Signature=SECRET",
        channel="https://bob:p@ssSECRET@conda.example.com/private/linux-64",
        requested_spec="https://u:SECRET@conda.example.com/private::secret",
        requested_specs=["https://conda.example.com/private?token=SECRET::secret"],
    )
    (meta / "history").write_text(
        "==> 2026-01-02 03:04:05 <==\n"
        "# cmd: conda install https://u:SECRET@conda.example.com/private::secret\n"
        "# conda version: 25.7.0\n"
        "+https://conda.example.com/private/linux-64::secret-1.0-0\n"
        "# update specs: ['https://u:SECRET@conda.example.com/private::secret',"
        " 'https://u:SECRET@conda.example.com/private/linux-64/secret-1.0-0.conda?t=SECRET']\n"
    )
    result = capture(
        options={
            "prefix": str(tmp_path / "env"),
            "gpu": False,
            "full": True,
            "config_channels": ["https://u:p@ssSECRET@conda.example.com/t/SECRET/private"],
        }
    )
    assert "SECRET" not in json.dumps(result)
    conda = result["environment"]["conda"]
    secret = [p for p in compact.conda_packages(conda) if p["name"] == "secret"][0]
    assert secret["url"] == "https://conda.example.com/private/linux-64/secret-1.0-0.conda"
    assert secret["channel"] == "https://conda.example.com/private"
    assert "https://conda.example.com/private" in conda["channels"]


def test_a_sentence_ending_after_a_url_keeps_its_punctuation_and_host():
    # "at http://127.0.0.1:5000: refused" is a host and a colon, not a host "5000:"
    said = urls.redact_text("no run at http://127.0.0.1:5000: refused (see http://u:pw@h/x?t=1).")
    assert said == "no run at http://127.0.0.1:5000: refused (see http://h/x)."
