"""Drift: what differs between a recorded environment and another, and how much it matters.

Pure functions over sides, which the door makes (``record/sides.py`` from a
stored environment or side JSON, ``record/envreaders.py`` from a file) and
drift takes as given. src/drift/diff.ts is the same diff for the JupyterLab
front end, and both run the vectors in test/vectors/drift/. The report's layout is
schema/drift.schema.json.

- ``compare(old, new, context)``: the report of two sides made at the door.
- ``diff(before, after, context)``: the same from untrusted side JSON (read at
  the door first); ``notebook_context(nb_meta)`` and
  ``used_distributions(nb_meta)`` give a notebook's context.
"""

from ..record.words import normalize
from .diff import compare, diff, notebook_context, restore_commands, used_distributions
from .vocabulary import KINDS, SCHEMA_VERSION, SEVERITIES

__all__ = [
    "KINDS",
    "SCHEMA_VERSION",
    "SEVERITIES",
    "compare",
    "diff",
    "normalize",
    "notebook_context",
    "restore_commands",
    "used_distributions",
]
