"""The lock files newer tools read, in a bundle: conda-lock.yml and pixi.lock
for a conda environment, pylock.toml for what pip installed.

A notebook stores the compact snapshot, which names each conda package by
its URL and md5 but keeps what the locks list besides (each record's sha256,
dependencies, licence, size, ...) only as one digest (`conda.lock_digest`,
capture/compact.py): those would add some 200 bytes a package. So the export
reads them again from the recorded prefix when it is still on this machine,
and writes the conda locks only when the prefix holds the recorded records
and their facts hash to that digest (``record.lockfiles.from_recording``);
the files are then byte for byte what conda 26.7 with conda-lockfiles 0.2.2
exports from the recorded environment. Otherwise the bundle says which lock
is missing and why, and never writes one that could differ.

pylock.toml needs a file and its hash for every package. The recording has
one for a URL install whose direct_url.json kept it, a VCS checkout needs its
commit only, and the bundle's own wheels/ have theirs; pip keeps no hash of
the file it took from an index, so index installs are locked only when the
export is told which index to ask (``pylock_index``): export reaches the
network for nothing else.
"""

import os
import stat

from .. import errors
from ..capture import compact, distinfo
from ..record import envfiles, lockfiles

CONDA_LOCK = "conda-lock.yml"
PIXI_LOCK = "pixi.lock"
PYLOCK = "pylock.toml"


class Locks(object):
    """``files`` (name -> text) and ``missing``: for each lock not written,
    {"file", "reason" (nbrepro's words), "detail" (what it names, or None)}."""

    def __init__(self):
        self.files = {}
        self.missing = []

    def miss(self, name, error):
        self.missing.append({"file": name, "reason": error.reason, "detail": error.detail})


def reread(prefix, order):
    """The conda-meta records of ``prefix`` read now, as the capture's verbose
    entries (``capture.conda.package_entry``): the names in ``order`` first,
    in that order, then any others; or (None, errors.NoLock).

    The prefix is named by a notebook, which anyone may have written: only a
    conda-meta/ of plain files is read (a FIFO would block the read, a link
    to a device would never end), and nothing else of the prefix."""
    from ..capture import conda as probe
    from ..capture import conda_meta
    from ..capture.context import Context

    meta_dir = os.path.join(prefix, "conda-meta")
    odd = []
    try:
        for entry in os.scandir(meta_dir):
            if entry.name.endswith(".json") and not entry.name.startswith("._"):
                try:
                    plain = stat.S_ISREG(os.stat(entry.path).st_mode)
                except OSError:
                    plain = False
                if not plain:
                    odd.append(entry.name)
    except OSError as error:
        return None, errors.NoLock(
            "the recorded environment's conda-meta/ cannot be listed", str(error)
        )
    if odd:
        return None, errors.NoLock(
            "the recorded environment's conda-meta/ holds records that are no plain files",
            lockfiles.named(sorted(odd)),
        )
    ctx = Context({"record_paths": True})
    records = conda_meta.load_records(ctx, meta_dir)
    if ctx.problems:
        return None, errors.NoLock(
            "the recorded environment's conda-meta/ holds a record conda would not read",
            "%s: %s" % (ctx.problems[0].get("path"), ctx.problems[0]["message"]),
        )
    by_name = {}
    for record in records:
        by_name[record["name"]] = record  # the later file wins, as in the capture
    interop = {"clobbered": (), "replaced": ()}
    ordered = [by_name.pop(name) for name in order if name in by_name]
    ordered += [by_name[name] for name in sorted(by_name)]
    return {"packages": [probe.package_entry(record, interop) for record in ordered]}, None


def _prefix_here(recorded):
    """The recorded prefix on this machine (``~`` is this user's home), or None."""
    value = recorded.get("prefix")
    if not isinstance(value, str) or not value:
        return None
    path = os.path.expanduser(value)
    if not os.path.isabs(path) or not os.path.isdir(os.path.join(path, "conda-meta")):
        return None
    return path


def conda_locks(environment, created_at, locks, read=reread):
    """Add conda-lock.yml and pixi.lock to ``locks``, or say why not."""
    recorded = (environment or {}).get("conda")
    if not recorded:
        return locks
    section, why = None, None
    prefix = _prefix_here(recorded)
    if not recorded.get("lock_digest"):
        section, why = lockfiles.from_recording(recorded, {})
    elif prefix is None:
        why = errors.NoLock(
            "the recorded environment is not on this machine, and a notebook keeps only a "
            "fingerprint of what the lock files list besides each package's URL and md5 (its "
            "sha256, dependencies and licence); export where the notebook ran",
            str(recorded.get("prefix") or ""),
        )
    else:
        order = [p["name"] for p in compact.conda_packages(recorded)]
        reread_conda, why = read(prefix, order)
        if reread_conda is not None:
            section, why = lockfiles.from_recording(recorded, reread_conda)
    if section is not None:
        try:
            text = lockfiles.conda_lock(section, created_at)
            locks.files[PIXI_LOCK] = lockfiles.pixi_lock(section)
            locks.files[CONDA_LOCK] = text
        except errors.CondaRefuses as error:
            names = lockfiles.named(str(error).split("\n  - ")[1:])
            why = errors.NoLock("conda refuses to write it too: these packages have no URL", names)
    if why is not None:
        locks.miss(CONDA_LOCK, why)
        locks.miss(PIXI_LOCK, why)
    return locks


def pylock(environment, carry, locks, index_url=None, lookup=lockfiles.index_files):
    """Add pylock.toml to ``locks`` for the pip packages the bundle installs
    (requirements.txt's), or say why not. ``carry`` is export.wheels' Plan;
    ``index_url`` the index to ask for index installs' files (none: not asked)."""
    distributions = envfiles.pip_dists(environment)
    if not distributions:
        return locks
    carried = {}
    for item in getattr(carry, "carried", None) or ():
        table = {"name": item["file"].rsplit("/", 1)[-1], "path": item["file"]}
        table["hashes"] = {"sha256": item["sha256"]}
        carried[distinfo.normalize(item["name"])] = table
    flagged = [
        item
        for item in getattr(carry, "flagged", None) or ()
        if distinfo.normalize(item["name"]) not in carried
    ]
    if flagged:
        locks.miss(
            PYLOCK,
            errors.NoLock(
                "no index has these packages and the bundle does not carry them",
                lockfiles.named("%s %s" % (f["name"], f["version"]) for f in flagged),
            ),
        )
        return locks
    kept = []
    for distribution in distributions:
        key = distinfo.normalize(distribution["name"])
        if key not in carried and envfiles.pip_entry(distribution)[0] is None:
            continue  # left out of requirements.txt too (a local folder, an egg-link)
        kept.append(distribution)
    try:
        locks.files[PYLOCK] = lockfiles.pylock(
            environment,
            index_url="" if index_url is None else index_url,
            carried=carried,
            lookup=lookup,
            distributions=kept,
        )
    except errors.NoLock as error:
        locks.miss(PYLOCK, error)
    return locks
