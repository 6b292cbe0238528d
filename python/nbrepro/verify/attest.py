"""A verification record anyone can check: an in-toto Statement (v1), signed in a
DSSE envelope with an ed25519 key.

The Statement's subjects are the bundle's notebook and every file its manifest
lists, and the manifest itself, each by the sha256 of its bytes now; its
predicate (type ``PREDICATE_TYPE``, documented in
``schema/verification-predicate.md`` and ``schema/verification-predicate.schema.json``)
says what was verified: by which nbrepro, when, on what machine (platform,
Python and GPU facts as nbrepro records them, no host or user names), with
which environment (the lock's key), and each cell's result and causes.

With a key the Statement is the payload of a DSSE envelope (payloadType
``application/vnd.in-toto+json``); the signature is ed25519 over DSSE's
pre-authentication encoding, made with the ``cryptography`` package (the
``attest`` extra). ``check`` verifies the signature with a public key, the
Statement's shape, and, given the bundle, that every subject still has its
sha256.
"""

import base64
import hashlib
import json
import time
from pathlib import Path

from .. import __version__, errors
from ..record.attestation import (  # noqa: F401 - the record's vocabulary, here too
    PAYLOAD_TYPE,
    PREDICATE_TYPE,
    STATEMENT_TYPE,
    read_record,
    statement_problems,
    strict_b64decode,
)

RECORD = "attestation.json"


def _crypto():
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:
        raise errors.AttestationError(
            "signing and checking signatures needs the cryptography package: "
            "pip install 'nbrepro[attest]'"
        ) from None
    return serialization, ed25519


def pae(payload_type, payload):
    """DSSE's pre-authentication encoding: what is signed."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def load_private_key(path):
    serialization, ed25519 = _crypto()
    try:
        data = Path(path).read_bytes()
        key = serialization.load_pem_private_key(data, password=None)
    except (OSError, ValueError, TypeError) as error:
        raise errors.AttestationError(
            "cannot read the private key %s: %s" % (path, error)
        ) from None
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise errors.AttestationError("%s is not an ed25519 private key" % path)
    return key


def load_public_key(path):
    serialization, ed25519 = _crypto()
    try:
        data = Path(path).read_bytes()
        key = serialization.load_pem_public_key(data)
    except (OSError, ValueError, TypeError) as error:
        raise errors.AttestationError("cannot read the public key %s: %s" % (path, error)) from None
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise errors.AttestationError("%s is not an ed25519 public key" % path)
    return key


def keyid(public_key):
    """The sha256 of the raw public key, in hex: which key signed."""
    serialization, _ = _crypto()
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def keygen(private_path, public_path):
    """Write a new ed25519 key pair as PEM (the private one readable by its owner only)."""
    import os

    serialization, ed25519 = _crypto()
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        descriptor = os.open(str(private_path), flags, 0o600)
    except OSError as error:
        raise errors.AttestationError("cannot write %s: %s" % (private_path, error)) from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private)
    Path(public_path).write_bytes(public)
    return keyid(key.public_key())


def subjects(opened):
    """The notebook, the manifest and every file the manifest lists, by sha256 now."""
    from .bundle import MANIFEST, file_sha256, safe_relative

    names = {MANIFEST, opened.manifest.notebook}
    names |= {name for name, _relative, _sha256 in opened.manifest.files}
    found = []
    for name in sorted(names):
        path = Path(opened.folder).joinpath(*safe_relative(name).parts)
        if path.is_file() and not path.is_symlink():
            found.append({"name": name, "digest": {"sha256": file_sha256(path)}})
    return found


def predicate(part):
    cells = []
    for entry in part.get("cells") or []:
        cell = {"cell": entry["cell"], "status": entry["status"]}
        if entry.get("causes"):
            cell["causes"] = list(entry["causes"])
        if entry.get("difference"):
            cell["difference"] = {
                k: entry["difference"][k]
                for k in ("where", "recorded", "now")
                if k in entry["difference"]
            }
        cells.append(cell)
    env = part.get("environment") or {}
    return {
        "verifier": {"name": "nbrepro", "version": __version__},
        "verifiedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "notebook": part.get("notebook"),
        "verdict": part["verdict"],
        "message": part.get("message"),
        "environment": {
            "lockHash": env.get("key"),
            "method": env.get("method"),
            "python": env.get("python"),
            "platform": env.get("platform"),
            "reused": env.get("reused"),
        },
        "machine": part.get("machine"),
        "tolerance": part.get("tolerance"),
        "summary": part.get("summary"),
        "cells": cells,
    }


def statement(part, opened):
    return {
        "_type": STATEMENT_TYPE,
        "subject": subjects(opened),
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate(part),
    }


def envelope(statement_value, private_key):
    payload = json.dumps(statement_value, sort_keys=True, separators=(",", ":")).encode("utf-8")
    signature = private_key.sign(pae(PAYLOAD_TYPE, payload))
    return {
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode("ascii"),
        "signatures": [
            {
                "keyid": keyid(private_key.public_key()),
                "sig": base64.b64encode(signature).decode("ascii"),
            }
        ],
    }


def write_record(part, opened, folder, private_key=None):
    """Write the record of one verified bundle beside its page; set part["attestation"]."""
    value = statement(part, opened)
    if private_key is not None:
        value = envelope(value, private_key)
    path = Path(folder) / RECORD
    path.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    part["attestation"] = "bundles/%s/%s" % (part["slug"], RECORD)
    return path


# -- checking ---------------------------------------------------------------------------


def check(record_path, public_key_path=None, bundle_folder=None):
    """``(ok, lines)``: whether the record holds, and what was checked."""
    from .bundle import file_sha256, safe_relative

    value, wrapped = read_record(record_path)
    lines, ok = [], True
    problems = statement_problems(value)
    if problems:
        return False, ["not an nbrepro verification record: " + "; ".join(problems)]
    lines.append("an in-toto Statement v1 with %d subjects" % len(value["subject"]))
    if public_key_path is not None:
        public = load_public_key(public_key_path)
        if wrapped is None:
            return False, lines + ["not signed: the record is a bare Statement, not an envelope"]
        payload = strict_b64decode(wrapped["payload"])
        wanted = keyid(public)
        good = False
        for signature in wrapped.get("signatures") or []:
            # a signature that names another key is not this key's
            if not isinstance(signature, dict) or signature.get("keyid", wanted) != wanted:
                continue
            try:
                raw = strict_b64decode(signature.get("sig"))
                public.verify(raw, pae(wrapped["payloadType"], payload))
            except Exception:  # noqa: BLE001 - cryptography's InvalidSignature, bad base64
                continue
            good = True
            break
        if good:
            lines.append("signature: good (ed25519 key %s)" % wanted[:16])
        else:
            ok = False
            lines.append("signature: BAD, or not made with this key (%s)" % wanted[:16])
    elif wrapped is not None:
        lines.append("signature: not checked (give --key PUBLIC)")
    if bundle_folder is not None:
        changed = []
        for item in value["subject"]:
            name = item.get("name")
            relative = safe_relative(name)
            expected = (item.get("digest") or {}).get("sha256")
            if relative is None or expected is None:
                changed.append("%r cannot be checked" % (name,))
                continue
            path = Path(bundle_folder).joinpath(*relative.parts)
            if not path.is_file():
                changed.append("%s is missing" % name)
            elif file_sha256(path) != expected:
                changed.append("%s changed" % name)
        if changed:
            ok = False
            lines.append(
                "bundle: %d of %d files do not match: %s"
                % (len(changed), len(value["subject"]), "; ".join(changed[:10]))
            )
        else:
            lines.append("bundle: all %d files match" % len(value["subject"]))
    predicate_value = value["predicate"]
    lines.append(
        "verified %s by %s %s: %s"
        % (
            predicate_value.get("verifiedAt"),
            (predicate_value.get("verifier") or {}).get("name"),
            (predicate_value.get("verifier") or {}).get("version"),
            predicate_value.get("verdict"),
        )
    )
    return ok, lines
