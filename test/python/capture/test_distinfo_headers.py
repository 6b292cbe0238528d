"""read_headers reads the first 2 KB of METADATA, and more only when Name or Version
is not there yet: the answer is the same as reading the whole header block."""

from nbrepro.capture import distinfo


def test_name_and_version_after_the_first_read_are_still_found(tmp_path):
    classifiers = "".join("Classifier: Topic :: Thing %d\n" % i for i in range(200))
    path = tmp_path / "METADATA"
    path.write_text("Metadata-Version: 2.1\n" + classifiers + "NAME: late\nversion: 2.0\n\nbody")
    assert len(path.read_bytes()) > distinfo.FIRST_READ
    assert distinfo.read_headers(str(path)) == ({"name": "late", "version": "2.0"}, None)


def test_the_usual_order_is_read_in_one_block(tmp_path):
    path = tmp_path / "METADATA"
    body = "x" * 100000
    path.write_text("Metadata-Version: 2.1\nName: early\nVersion: 1.0\n\n" + body)
    assert distinfo.read_headers(str(path)) == ({"name": "early", "version": "1.0"}, None)


def test_a_header_in_the_description_is_not_taken(tmp_path):
    path = tmp_path / "METADATA"
    path.write_text("Name: only\n\nVersion: 9\n" + "y" * 5000)
    assert distinfo.read_headers(str(path)) == ({"name": "only"}, None)
