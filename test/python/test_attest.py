"""Verification records: written by a real batch verification (a real kernel), checked
by nbrepro attest check, and by the real consumers: in-toto's Statement bindings
(its protobuf schema, parsed strictly, and its validate()) and
securesystemslib's DSSE envelope check."""

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nbrepro.verify import attest

pytestmark = [pytest.mark.kernel]

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "test" / "fixtures"
BIN = Path(sys.executable).parent


def nbrepro(*argv, **kwargs):
    return subprocess.run(
        [str(BIN / "nbrepro")] + [str(a) for a in argv],
        capture_output=True,
        text=True,
        timeout=600,
        **kwargs,
    )


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    root = tmp_path_factory.mktemp("attest")
    notebook = root / "words.ipynb"
    notebook.write_bytes((FIXTURES / "preflight" / "words.ipynb").read_bytes())
    bundle = root / "words-bundle"
    done = nbrepro("export", notebook, "-o", bundle)
    assert done.returncode == 0, done.stderr
    done = nbrepro("attest", "keygen", root / "key.pem", root / "key.pub")
    assert done.returncode == 0, done.stderr
    assert (root / "key.pem").stat().st_mode & 0o077 == 0
    report = root / "report"
    done = nbrepro(
        "verify",
        bundle,
        "--report",
        report,
        "--attest",
        "--key",
        root / "key.pem",
        "--python",
        sys.executable,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((report / "results.json").read_text())
    record = report / results["bundles"][0]["attestation"]
    return {"root": root, "bundle": bundle, "record": record, "public": root / "key.pub"}


def statement_of(record_path):
    envelope = json.loads(Path(record_path).read_text())
    return json.loads(base64.b64decode(envelope["payload"]))


def test_a_fresh_record_holds(signed):
    done = nbrepro(
        "attest", "check", signed["record"], "--key", signed["public"], "--bundle", signed["bundle"]
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "signature: good" in done.stdout
    assert "bundle: all" in done.stdout and "files match" in done.stdout
    assert "the record holds" in done.stdout


def test_the_statement_is_valid_in_totos_schema(signed):
    from google.protobuf import json_format
    from in_toto_attestation.v1 import statement_pb2
    from in_toto_attestation.v1.statement import Statement

    value = statement_of(signed["record"])
    # strict: an unknown field or a wrong type is an error
    parsed = json_format.ParseDict(value, statement_pb2.Statement())
    Statement.copy_from_pb(parsed).validate()
    names = {s["name"] for s in value["subject"]}
    manifest = json.loads((signed["bundle"] / "manifest.json").read_text())
    assert names == set(manifest["files"]) | {"manifest.json"}
    assert "words.ipynb" in names
    assert value["predicateType"] == attest.PREDICATE_TYPE


def test_the_kept_proto_files_are_the_packages_schema():
    from in_toto_attestation.v1 import resource_descriptor_pb2, statement_pb2

    for proto, module, message in (
        ("statement.proto", statement_pb2, "Statement"),
        ("resource_descriptor.proto", resource_descriptor_pb2, "ResourceDescriptor"),
    ):
        text = (FIXTURES / "in-toto" / proto).read_text()
        body = text[text.index("message %s {" % message) :]
        body = body[: body.index("\n}")]
        fields = set(re.findall(r"^\s*(?:repeated\s+)?[\w.<>, ]+?\s+(\w+)\s*=\s*(\d+)", body, re.M))
        compiled = {
            (f.name, str(f.number)) for f in module.DESCRIPTOR.message_types_by_name[message].fields
        }
        assert fields == compiled, proto


def test_the_predicate_follows_its_schema_and_names_no_host(signed):
    import jsonschema

    schema = json.loads((REPO / "schema" / "verification-predicate.schema.json").read_text())
    predicate = statement_of(signed["record"])["predicate"]
    jsonschema.validate(predicate, schema)
    assert predicate["verdict"] == "verified"
    assert {c["status"] for c in predicate["cells"]} == {"same"}
    text = json.dumps(predicate)
    import getpass
    import socket

    assert socket.gethostname() not in text
    assert getpass.getuser() not in text.replace("nbrepro", "")


def test_securesystemslib_verifies_the_envelope(signed):
    from cryptography.hazmat.primitives import serialization
    from securesystemslib.dsse import Envelope
    from securesystemslib.signer import SSlibKey

    public = serialization.load_pem_public_key(signed["public"].read_bytes())
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    envelope = Envelope.from_dict(json.loads(signed["record"].read_text()))
    key = SSlibKey(attest.keyid(public), "ed25519", "ed25519", {"public": raw.hex()})
    assert key.keyid in envelope.verify([key], 1)


def flipped(text, position):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    old = text[position]
    new = alphabet[(alphabet.index(old) + 1) % 64] if old in alphabet else "A"
    return text[:position] + new + text[position + 1 :]


def test_any_changed_byte_of_the_record_fails(signed, tmp_path):
    envelope = json.loads(signed["record"].read_text())
    changed = tmp_path / "changed.json"
    tried = 0
    for field in ("payload", "payloadType"):
        for position in range(len(envelope[field])):
            copy = dict(envelope, **{field: flipped(envelope[field], position)})
            changed.write_text(json.dumps(copy))
            ok, _lines = _check(changed, signed["public"])
            assert not ok, (field, position)
            tried += 1
    signature = envelope["signatures"][0]
    for field in ("sig", "keyid"):
        for position in range(len(signature[field])):
            copy = dict(
                envelope,
                signatures=[dict(signature, **{field: flipped(signature[field], position)})],
            )
            changed.write_text(json.dumps(copy))
            ok, _lines = _check(changed, signed["public"])
            assert not ok, (field, position)
            tried += 1
    assert tried > 1000
    changed.write_bytes(signed["record"].read_bytes()[:-40])
    done = nbrepro("attest", "check", changed, "--key", signed["public"])
    assert done.returncode == 2 and "nbrepro attest:" in done.stderr


def _check(path, public):
    from nbrepro import errors

    try:
        return attest.check(path, public)
    except errors.AttestationError as error:
        return False, [str(error)]


def test_a_changed_byte_of_any_bundle_file_fails(signed, tmp_path):
    import shutil

    names = [s["name"] for s in statement_of(signed["record"])["subject"]]
    for name in names:
        copy = tmp_path / ("b-" + name.replace("/", "_"))
        shutil.copytree(signed["bundle"], copy)
        target = copy / name
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0x01
        target.write_bytes(bytes(data))
        ok, lines = attest.check(signed["record"], signed["public"], copy)
        assert not ok and any("%s changed" % name in line for line in lines), name
    missing = tmp_path / "missing"
    shutil.copytree(signed["bundle"], missing)
    (missing / "words.py").unlink()
    done = nbrepro("attest", "check", signed["record"], "--bundle", missing)
    assert done.returncode == 1 and "words.py is missing" in done.stdout


def test_a_wrong_key_fails(signed, tmp_path):
    done = nbrepro("attest", "keygen", tmp_path / "other.pem", tmp_path / "other.pub")
    assert done.returncode == 0
    done = nbrepro("attest", "check", signed["record"], "--key", tmp_path / "other.pub")
    assert done.returncode == 1
    assert "signature: BAD, or not made with this key" in done.stdout
    # a private key where the public one goes is refused, not used
    done = nbrepro("attest", "check", signed["record"], "--key", signed["root"] / "key.pem")
    assert done.returncode == 2


def test_an_unsigned_record_is_a_statement_and_says_it_is_not_signed(signed, tmp_path):
    report = tmp_path / "report"
    done = nbrepro(
        "verify", signed["bundle"], "--report", report, "--attest", "--python", sys.executable
    )
    assert done.returncode == 0, done.stderr
    record = report / "bundles" / "01-words-bundle" / "attestation.json"
    value = json.loads(record.read_text())
    assert value["_type"] == attest.STATEMENT_TYPE
    done = nbrepro("attest", "check", record, "--bundle", signed["bundle"])
    assert done.returncode == 0
    done = nbrepro("attest", "check", record, "--key", signed["public"])
    assert done.returncode == 1 and "not signed" in done.stdout
