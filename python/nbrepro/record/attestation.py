"""The door for a verification record (``nbrepro attest check RECORD``): an in-toto
Statement v1, bare or as the payload of a DSSE envelope, read as any untrusted
file (size, depth, lone surrogates: ``document``).

``read_record`` gives ``(statement, envelope or None)``: the envelope's
payloadType is in-toto's and its payload canonical base64 of JSON; the
statement's shape is checked by ``statement_problems`` (what ``attest check``
reports), against the Statement layer of in-toto's specification and nbrepro's
predicate type (``schema/verification-predicate.md``).
"""

import base64
import json

from .. import errors
from . import document

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://nbrepro.dev/attestation/verification/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
MAX_RECORD = 64 * 1024 * 1024


def strict_b64decode(text):
    """Base64 in its one canonical spelling: a character changed where only unused
    bits are (the last one before ``=``) is a change too. ValueError otherwise."""
    if not isinstance(text, str):
        raise ValueError("not a base64 string")
    data = base64.b64decode(text, validate=True)
    if base64.b64encode(data).decode("ascii") != text:
        raise ValueError("not canonical base64")
    return data


def read_record(path):
    """``(statement, envelope or None)`` of a record file; AttestationError when it is
    neither a DSSE envelope nor an in-toto Statement."""
    try:
        data = document.read_bytes(path, MAX_RECORD)
        value = document.parse_json(document.decode(data, str(path)), str(path))
    except errors.Unreadable as error:
        raise errors.AttestationError(str(error)) from None
    if isinstance(value, dict) and "payloadType" in value:
        if value.get("payloadType") != PAYLOAD_TYPE:
            raise errors.AttestationError(
                "%s: the envelope's payloadType is %r, not %r"
                % (path, value.get("payloadType"), PAYLOAD_TYPE)
            )
        try:
            payload = strict_b64decode(value.get("payload"))
            inner = json.loads(payload.decode("utf-8"))
        except (ValueError, TypeError, UnicodeDecodeError) as error:
            raise errors.AttestationError(
                "%s: the payload is not JSON: %s" % (path, error)
            ) from None
        return inner, value
    return value, None


def statement_problems(value):
    """What makes ``value`` not an in-toto Statement v1 with a verification predicate."""
    problems = []
    if not isinstance(value, dict):
        return ["the record is not a JSON object"]
    if value.get("_type") != STATEMENT_TYPE:
        problems.append("_type is %r, not %r" % (value.get("_type"), STATEMENT_TYPE))
    subject = value.get("subject")
    if not isinstance(subject, list) or not subject:
        problems.append("subject must be a non-empty list")
    else:
        for number, item in enumerate(subject):
            digest = item.get("digest") if isinstance(item, dict) else None
            if not isinstance(digest, dict) or not digest:
                problems.append("subject %d has no digest" % number)
            elif not all(isinstance(v, str) for v in digest.values()):
                problems.append("subject %d: digests must be strings" % number)
    if value.get("predicateType") != PREDICATE_TYPE:
        problems.append("predicateType is %r, not nbrepro's" % (value.get("predicateType"),))
    if not isinstance(value.get("predicate"), dict):
        problems.append("predicate must be an object")
    return problems
