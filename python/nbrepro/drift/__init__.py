"""Drift: what differs between a recorded environment and another, and how much it matters.

Pure functions over plain JSON values; src/drift/diff.ts is the same diff for the
JupyterLab front end, and both run the vectors in test/vectors/drift/. The
report's layout is schema/drift.schema.json.

- ``package_view(environment)``: {PEP 503 name: package} of a stored environment.
- ``side_from_environment(environment, runtime)``: what ``diff`` compares.
- ``diff(before, after, context)``: the report; ``notebook_context(nb_meta)``
  and ``used_distributions(nb_meta)`` give a notebook's context.
- ``readers.read_file(path)``: a side from a notebook, snapshot JSON,
  environment.yml, explicit lock or requirements.txt.
"""

from ..record.words import normalize
from .diff import diff, notebook_context, restore_commands, used_distributions
from .view import package_view, read_side, side_from_environment
from .vocabulary import KINDS, SCHEMA_VERSION, SEVERITIES

__all__ = [
    "KINDS",
    "SCHEMA_VERSION",
    "SEVERITIES",
    "diff",
    "normalize",
    "notebook_context",
    "package_view",
    "read_side",
    "restore_commands",
    "side_from_environment",
    "used_distributions",
]
