"""sbom.cdx.json: the recorded environment as a CycloneDX 1.6 bill of materials.

One component per conda package (`pkg:conda/...` with build, channel, subdir
and type qualifiers, and the MD5 the lock carries), per pip distribution
(`pkg:pypi/...`, SHA-256 when PEP 610 recorded one), and one for the Python
interpreter, with the CPE vulnerability scanners match CPython against. The
notebook is the BOM's own component and depends on all of them.

A plain function over a recorded environment; no network, no clock: the
timestamp is the capture's, and the serial number is derived from the inputs,
so the same notebook exports the same BOM.
"""

import functools
import hashlib
import json
import re
import uuid
from urllib.parse import urlsplit, urlunsplit

from packageurl import PackageURL

from ..capture import compact, distinfo, urls
from ..record import envfiles

SPEC_VERSION = "1.6"
_HEX = {"MD5": re.compile(r"^[0-9a-f]{32}$"), "SHA-256": re.compile(r"^[0-9a-f]{64}$")}


def _hashes(**values):
    """CycloneDX hash objects for the digests that look like one."""
    out = []
    for alg, value in values.items():
        alg = {"md5": "MD5", "sha256": "SHA-256"}[alg]
        value = (value or "").lower()
        if _HEX[alg].match(value):
            out.append({"alg": alg, "content": value})
    return out


_PLAIN_FILE = re.compile(r"^[A-Za-z0-9._+-]+$")


def _public_url(url):
    """A URL fit to publish: no credentials (capture removes them; this holds
    even for records that were edited by hand), nothing for local files.

    Thousands of packages share a channel's folder: a plain file name is
    appended to that folder's public form, computed once."""
    head, _, name = (url or "").rpartition("/")
    if head and _PLAIN_FILE.match(name) and "?" not in head and "#" not in head:
        public = _public_folder(head)
        return public + "/" + name if public is not None else None
    return _public_url_of(url)


@functools.lru_cache(maxsize=256)
def _public_folder(head):
    return _public_url_of(head)


def _public_url_of(url):
    url = urls.redact_url(url or "")
    if not url or url.startswith("file:") or "://" not in url:
        return None
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


# Characters no part of a purl escapes or normalises (for pypi, lower case
# and `-` are what the name is normalised to).
_PLAIN_PYPI = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
# Pieces joined by NUL; each may end with one newline, as `$` allows above.
_ONE = r"[A-Za-z0-9][A-Za-z0-9._-]*\n?"
_ALL_PLAIN = re.compile(r"%s(?:\0%s)*" % (_ONE, _ONE))


def _plain_purl(fields):
    """The purl of plain fields, formatted here: packageurl-python spends a
    tenth of a millisecond on each, and an environment may hold 10^5. None
    when anything needs the library's escaping or normalising;
    test_export_sbom holds the two equal."""
    kind, name, version = fields.get("type"), fields.get("name"), fields.get("version")
    qualifiers = fields.get("qualifiers") or {}
    if kind not in ("conda", "pypi", "generic") or not name:
        return None
    if kind == "pypi" and not _PLAIN_PYPI.match(name):
        return None
    # Every other piece plain, in one match: NUL is in no plain piece.
    pieces = [] if kind == "pypi" else [name]
    if version is not None:
        pieces.append(version)
    for item in qualifiers.items():
        pieces.extend(item)
    if pieces and not _ALL_PLAIN.fullmatch("\0".join(pieces)):
        return None
    text = "pkg:%s/%s" % (kind, name)
    if version:
        text += "@" + version
    if qualifiers:
        text += "?" + "&".join("%s=%s" % kv for kv in sorted(qualifiers.items()))
    return text


def _purl(**fields):
    """The package URL, or None when it would not read back as the same package:
    packageurl-python leaves a `/` in a name unescaped, for one, and a scanner
    would then read another package. Only a hand-edited record has such a name."""
    fields = {k: v for k, v in fields.items() if v}
    plain = _plain_purl(fields)
    if plain is not None:
        return plain
    try:
        text = PackageURL(**fields).to_string()
        back = PackageURL.from_string(text).to_dict(encode=False)
        wanted = PackageURL(**fields).to_dict(encode=False)
    except TypeError:  # packageurl-python fails on a name of `/` alone: no purl names it
        return None
    return text if back == wanted else None


def _component(kind, name, version, purl):
    component = {"type": kind, "name": name, "version": version}
    if purl:
        component["purl"] = purl
    return component


def conda_component(record):
    """The component of one conda record (compact.conda_packages' dicts)."""
    fn = record.get("fn") or ""
    qualifiers = {"build": record.get("build"), "subdir": record.get("subdir")}
    if record.get("channel") and record["channel"] != compact.UNKNOWN:
        qualifiers["channel"] = record["channel"]
    if fn.endswith(".conda"):
        qualifiers["type"] = "conda"
    elif fn.endswith(".tar.bz2"):
        qualifiers["type"] = "tar.bz2"
    purl = _purl(
        type="conda",
        name=record["name"],
        version=record.get("version"),
        qualifiers={k: v for k, v in qualifiers.items() if v},
    )
    component = _component("library", record["name"], record.get("version") or "", purl)
    hashes = _hashes(md5=record.get("md5"), sha256=record.get("sha256"))
    if hashes:
        component["hashes"] = hashes
    url = _public_url(record.get("url"))
    if url:
        component["externalReferences"] = [{"type": "distribution", "url": url}]
    return component


def pip_component(distribution, carried=None):
    """The component of one pip distribution (compact.distributions' dicts);
    ``carried`` is its file in the bundle's wheels/ (``{"file", "sha256", "how"}``)."""
    source = distribution.get("source") or {}
    name, version = distribution["name"], distribution.get("version") or ""
    purl = _purl(type="pypi", name=distinfo.normalize(name), version=version)
    component = _component("library", name, version, purl)
    hashes = _hashes(sha256=envfiles.archive_sha256(source))
    if hashes:
        component["hashes"] = hashes
    url = _public_url(source.get("url"))
    if url and "vcs_info" in source:
        vcs = source["vcs_info"]
        commit = ("@" + vcs["commit_id"]) if vcs.get("commit_id") else ""
        reference = {"type": "vcs", "url": "%s+%s%s" % (vcs.get("vcs", "git"), url, commit)}
        component["externalReferences"] = [reference]
    elif url:
        component["externalReferences"] = [{"type": "distribution", "url": url}]
    _, _, why_not = envfiles.pip_entry(distribution)
    if why_not and not url:
        # Local installs are still in the environment; say where they came from.
        component["properties"] = [{"name": "nbrepro:source", "value": why_not}]
    if carried:
        # The file the rebuild installs: its own hash (for a built wheel, not
        # the one pip recorded for the install).
        digest = {"alg": "SHA-256", "content": carried["sha256"]}
        if digest not in component.get("hashes", []):
            component["hashes"] = component.get("hashes", []) + [digest]
        component.setdefault("properties", []).extend(
            [
                {"name": "nbrepro:carried", "value": carried["file"]},
                {"name": "nbrepro:carried:sha256", "value": carried["sha256"]},
            ]
        )
    return component


def python_component(python):
    """The interpreter that ran the notebook, with CPython's CPE."""
    implementation = python["implementation"] or "python"
    version = python["version"] or ""
    if implementation == "cpython" and re.match(r"^[0-9][0-9A-Za-z.+]*$", version):
        purl = _purl(type="generic", name="cpython", version=version)
        component = _component("application", implementation, version, purl)
        component["cpe"] = "cpe:2.3:a:python:python:%s:*:*:*:*:*:*:*" % version
        return component
    return _component("application", implementation, version, None)


def _components(environment, carried=None):
    components = [python_component(environment["python"])]
    conda = environment["conda"]
    if conda:
        # A clobbered record's files were overwritten by pip: its pip dist is what is there.
        components.extend(
            conda_component(p) for p in envfiles.packages(conda) if not p.get("clobbered")
        )
    carried = carried or {}
    components.extend(
        pip_component(d, carried.get(distinfo.normalize(d["name"])))
        for d in envfiles.pip_dists(environment)
    )
    return components


def _with_refs(components):
    """bom-refs: the purl (what scanners key on), made unique where two agree."""
    taken = set()
    for index, component in enumerate(components):
        base = component.get("purl") or "component-%d" % index
        ref, number = base, 1
        while ref in taken:
            number += 1
            ref = "%s#%d" % (base, number)
        taken.add(ref)
        component["bom-ref"] = ref
    return components


def serial_for(*parts):
    """urn:uuid: derived from the inputs, so an export is reproducible."""
    text = json.dumps(parts, sort_keys=True, default=str)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return "urn:uuid:%s" % uuid.uuid5(uuid.NAMESPACE_URL, "nbrepro:sbom:" + digest)


def cyclonedx(environment, *, notebook, captured_at, tool_version, serial=None, carried=None):
    """The CycloneDX 1.6 JSON document (a dict) of a recorded environment.

    `notebook` names the notebook (the BOM's subject), `captured_at` is the
    snapshot's capture time (an ISO 8601 date-time), `tool_version` nbrepro's;
    `carried` maps normalized names to the wheels the bundle carries.
    """
    environment = environment or {}
    components = _with_refs(_components(environment, carried))
    bom = _head(environment, notebook, captured_at, tool_version, serial)
    bom.update(
        components=components,
        dependencies=[
            {"ref": "notebook", "dependsOn": [c["bom-ref"] for c in components]},
        ]
        + [{"ref": c["bom-ref"]} for c in components],
    )
    return bom


def _head(environment, notebook, captured_at, tool_version, serial):
    """Everything of the BOM before its components, in the file's key order."""
    return {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": serial or serial_for(environment, str(notebook), captured_at, tool_version),
        "version": 1,
        "metadata": {
            "timestamp": captured_at,
            "tools": {
                "components": [
                    {"type": "application", "name": "nbrepro", "version": str(tool_version)}
                ]
            },
            "component": {"type": "application", "bom-ref": "notebook", "name": str(notebook)},
        },
    }


# ------------------------------------------------------------ the file's text
#
# sbom.cdx.json holds one component (and one dependency) a line. For 10^5
# packages, building a dict per component and encoding each costs seconds; a
# plain record's line is written here from a template instead, and every other
# component goes through ``conda_component`` / ``pip_component`` and json's
# encoder as before. test_export_sbom holds ``cyclonedx_json`` equal to the
# encoded ``cyclonedx`` dict, and test_export_golden the whole bundle.

_PIECE = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_PLAIN_PIECE = re.compile(_PIECE)
_PLAIN_RECORD = re.compile(r"%s(?:\0%s)*" % (_PIECE, _PIECE))
_PLAIN_PYPI_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*")
_HEX_MD5, _HEX_SHA256 = _HEX["MD5"], _HEX["SHA-256"]


def _line_dump():
    """``value -> JSON text`` on one line, as json.dumps(ensure_ascii=False)
    writes it, with json's C encoder built once (json.dumps builds one a call)."""
    make = json.encoder.c_make_encoder
    encoder = json.JSONEncoder(ensure_ascii=False)
    if make is None:
        return encoder.encode
    chunks = make(
        {}, encoder.default, json.encoder.encode_basestring, None, ": ", ", ", False, False, True
    )
    return lambda value: "".join(chunks(value, 0))


def _hashes_text(md5, sha256, quote):
    """``_hashes(md5=, sha256=)`` as JSON text, or "" (``quote``: json's string
    encoder; `$` lets a digest end in a newline, which JSON escapes)."""
    out = []
    md5 = (md5 or "").lower()
    if _HEX_MD5.match(md5):
        out.append('{"alg": "MD5", "content": %s}' % quote(md5))
    sha256 = (sha256 or "").lower()
    if _HEX_SHA256.match(sha256):
        out.append('{"alg": "SHA-256", "content": %s}' % quote(sha256))
    return ", ".join(out)


def _conda_text(record, quote):
    """``(purl, conda_component(record) as JSON text without its closing brace)``
    for a record whose purl is plain, else None."""
    channel, fn = record.get("channel"), record.get("fn")
    if not channel or channel == compact.UNKNOWN or type(fn) is not str:
        return None
    kind = "conda" if fn.endswith(".conda") else "tar.bz2" if fn.endswith(".tar.bz2") else None
    if kind is None:
        return None
    name, version, build = record.get("name"), record.get("version"), record.get("build")
    subdir = record.get("subdir")
    try:
        pieces = "\0".join((name, version, build, channel, subdir))
    except TypeError:  # one is missing, or no string
        return None
    if not _PLAIN_RECORD.fullmatch(pieces):
        return None
    purl = "pkg:conda/%s@%s?build=%s&channel=%s&subdir=%s&type=%s" % (
        name,
        version,
        build,
        channel,
        subdir,
        kind,
    )
    text = '{"type": "library", "name": %s, "version": %s, "purl": %s' % (
        quote(name),
        quote(version),
        quote(purl),
    )
    hashes = _hashes_text(record.get("md5"), record.get("sha256"), quote)
    if hashes:
        text += ', "hashes": [%s]' % hashes
    url = _public_url(record.get("url"))
    if url:
        text += ', "externalReferences": [{"type": "distribution", "url": %s}]' % quote(url)
    return purl, text


def _pip_text(distribution, key, quote):
    """``(purl, pip_component(distribution) as JSON text without its closing
    brace)`` for a distribution from an index (no source) whose purl is plain
    and whose requirement pip reads, else None; ``key`` is its normalized name."""
    if distribution.get("source"):
        return None
    name, version = distribution.get("name"), distribution.get("version")
    if not (
        type(version) is str
        and _PLAIN_PIECE.fullmatch(version)
        and _PLAIN_PYPI_NAME.fullmatch(key)
        and envfiles.pip_entry(distribution)[2] is None
    ):
        return None
    purl = "pkg:pypi/%s@%s" % (key, version)
    text = '{"type": "library", "name": %s, "version": %s, "purl": %s' % (
        quote(name),
        quote(version),
        quote(purl),
    )
    return purl, text


def cyclonedx_json(environment, *, notebook, captured_at, tool_version, serial=None, carried=None):
    """The text of sbom.cdx.json: ``cyclonedx()``'s document (same arguments),
    indented at the top, one component and one dependency a line."""
    environment = environment or {}
    dump, quote = _line_dump(), json.encoder.encode_basestring
    carried = carried or {}
    lines, refs, taken = [], [], set()

    def add(found, component=None):
        if found is None:
            text = dump(component)[:-1]
            base = component.get("purl") or "component-%d" % len(refs)
        else:
            base, text = found
        ref, number = base, 1
        while ref in taken:
            number += 1
            ref = "%s#%d" % (base, number)
        taken.add(ref)
        refs.append(ref)
        lines.append('%s, "bom-ref": %s}' % (text, quote(ref)))

    add(None, python_component(environment["python"]))
    conda = environment["conda"]
    if conda:
        for record in envfiles.packages(conda):
            if record.get("clobbered"):
                continue
            found = _conda_text(record, quote)
            add(found, conda_component(record) if found is None else None)
    for distribution in envfiles.pip_dists(environment):
        key = distinfo.normalize(distribution["name"])
        found = None if key in carried else _pip_text(distribution, key, quote)
        add(found, pip_component(distribution, carried.get(key)) if found is None else None)

    head = _head(environment, notebook, captured_at, tool_version, serial)
    out = ["{"]
    out.extend("  %s: %s," % (dump(key), dump(value)) for key, value in head.items())
    out.append('  "components": [')
    out.append(",\n".join("    " + line for line in lines))
    out.append("  ],")
    out.append('  "dependencies": [')
    depends = '{"ref": "notebook", "dependsOn": [%s]}' % ", ".join(map(quote, refs))
    out.append(",\n".join(["    " + depends] + ['    {"ref": %s}' % quote(ref) for ref in refs]))
    out.append("  ]")
    out.append("}")
    return "\n".join(out) + "\n"
